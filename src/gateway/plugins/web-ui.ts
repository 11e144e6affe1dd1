/**
 * The web chat page and its scripts (`/`, `/app.js`, `/page.js`, `/style.css`), served from `web/`.
 * Its WebSocket `/ws` belongs to the web chat channel (src/channels/webchat/).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GatewayPlugin } from '../plugin.js';
import { mediaResponse } from '../route-schema.js';

/** The repository's `web/` folder, from `dist/src/gateway/plugins/`. */
const WEB = fileURLToPath(new URL('../../../../web/', import.meta.url));

const FILES: Record<string, [string, string]> = {
  '/': ['index.html', 'text/html; charset=utf-8'],
  '/app.js': ['app.js', 'text/javascript; charset=utf-8'],
  '/page.js': ['page.js', 'text/javascript; charset=utf-8'],
  '/style.css': ['style.css', 'text/css; charset=utf-8'],
};

export const webUiPlugin: GatewayPlugin<unknown> = async (app) => {
  for (const [route, [name, type]] of Object.entries(FILES)) {
    const body = await readFile(join(WEB, name));
    const schema = { summary: `The web chat's ${name}`, response: { 200: mediaResponse(name, type.split(';')[0]) } };
    app.get(route, { schema }, async (_req, reply) =>
      reply.header('content-type', type).header('cache-control', 'no-cache').send(body),
    );
  }
};
