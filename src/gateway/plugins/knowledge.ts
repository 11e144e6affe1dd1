/**
 * The knowledge base's admin API under `/admin/knowledge` (collections, uploads, search), defined in
 * src/knowledge/routes.ts. The /admin role guard gives viewers the reads and operators the writes.
 */
import { knowledgeRoutes } from '../../knowledge/index.js';
import type { GatewayDeps, GatewayPlugin } from '../plugin.js';

export const knowledgePlugin: GatewayPlugin<Pick<GatewayDeps, 'knowledge' | 'config'>> = async (app, deps) => {
  await knowledgeRoutes(app, { knowledge: deps.knowledge, maxFileBytes: () => deps.config().knowledge.maxFileBytes });
};
