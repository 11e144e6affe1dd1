/**
 * The web chat page at `/`: the React app built into `dist/web/chat/` (web/chat/, see
 * vite.config.ts), its bundles served from `/assets/` by the web apps plugin. Its WebSocket `/ws`
 * belongs to the web chat channel (src/channels/webchat/).
 */
import type { GatewayPlugin } from '../plugin.js';
import { mediaResponse } from '../route-schema.js';
import { builtWebApps } from '../web-apps.js';

export const webUiPlugin: GatewayPlugin<unknown> = async (app) => {
  const schema = { summary: 'The web chat page', response: { 200: mediaResponse('The page', 'text/html') } };
  app.get('/', { schema }, async (_req, reply) => builtWebApps.sendPage(reply, 'chat'));
};
