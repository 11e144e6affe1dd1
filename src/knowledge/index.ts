/**
 * The knowledge base, as the composition root builds it: the index backend follows
 * `storage.history` (PostgreSQL full-text when history is on PostgreSQL, else SQLite FTS5 in
 * `<dataDir>/knowledge.db`, inside the data folder the backup archives).
 */
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { HearthConfig } from '../core/config.js';
import { ErrorCode, HearthError } from '../core/errors.js';
import type { BlobStore } from '../core/stores.js';
import { createEmbedder } from './embeddings/index.js';
import { KnowledgeBase } from './knowledge-base.js';
import { SqliteKnowledgeIndex } from './index/sqlite.js';
import type { KnowledgeIndex } from './types.js';

export { KnowledgeBase, type TurnKnowledge } from './knowledge-base.js';
export { knowledgeRoutes } from './routes.js';
export { engineKnowledge } from './engine-hook.js';

export async function createKnowledgeIndex(config: HearthConfig, env: Record<string, string | undefined> = process.env): Promise<KnowledgeIndex> {
  const h = config.storage.history;
  if (h.kind === 'postgres') {
    const url = h.url ?? env.HEARTH_HISTORY_URL;
    if (!url) throw new HearthError(ErrorCode.config, 'storage.history.url (or HEARTH_HISTORY_URL) is required for postgres');
    const { PostgresKnowledgeIndex } = await import('./index/postgres.js');
    return new PostgresKnowledgeIndex({ url, poolSize: Math.min(5, h.poolSize) });
  }
  return new SqliteKnowledgeIndex(join(resolve(config.dataDir), 'knowledge.db'));
}

/** Opens the index and builds the service (not started: call `start()`). */
export async function openKnowledgeBase(
  config: () => HearthConfig,
  deps: { blobs: BlobStore; log: Logger; env?: Record<string, string | undefined> },
): Promise<KnowledgeBase> {
  const index = await createKnowledgeIndex(config(), deps.env);
  await index.open();
  const embedder = createEmbedder(config().knowledge.embeddings, { dataDir: resolve(config().dataDir), log: deps.log });
  return new KnowledgeBase({ index, blobs: deps.blobs, embedder, config: () => config().knowledge, log: deps.log });
}
