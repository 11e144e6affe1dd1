/**
 * The built browser apps (Vite multi-page build, see vite.config.ts): `dist/web/<app>/index.html`
 * per app and their shared, content-hashed bundles in `dist/web/assets/`. Bundles are served
 * straight from disk with a year-long immutable cache (a new build has new names); an app's HTML
 * is read per request and never cached, so a deploy takes effect on the next load. Nothing is
 * kept in memory, whatever the number of files or requests.
 */
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { ErrorCode } from '../core/errors.js';
import { mediaResponse, responses } from '../core/route-schema.js';

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
};
/** Vite's flat asset names: no slashes, so no path can leave the folder. */
const ASSET_NAME = /^[A-Za-z0-9_.-]+$/;

export class WebApps {
  constructor(private readonly dist: string) {}

  /** GET /assets/<file>: the shared bundles of every app. */
  registerAssets(app: FastifyInstance): void {
    const schema = {
      summary: 'A bundle of the built web apps (content-hashed name, cached for a year)',
      params: { type: 'object', required: ['file'], properties: { file: { type: 'string' } } },
      response: responses({
        200: mediaResponse('The file', ...new Set(Object.values(TYPES).map((t) => t.split(';')[0]))),
      }),
    };
    app.get<{ Params: { file: string } }>('/assets/:file', { schema }, async (req, reply) => {
      const file = req.params.file;
      const type = TYPES[extname(file)];
      if (!ASSET_NAME.test(file) || file.startsWith('.') || !type) return notFound(reply);
      const path = join(this.dist, 'assets', file);
      const info = await stat(path).catch(() => undefined);
      if (!info?.isFile()) return notFound(reply);
      return reply
        .header('content-type', type)
        .header('content-length', info.size)
        .header('cache-control', 'public, max-age=31536000, immutable')
        .send(createReadStream(path));
    });
  }

  /** Answers with an app's page; 503 with a hint when the web build has not been run. */
  async sendPage(reply: FastifyReply, appName: string): Promise<FastifyReply> {
    const html = await readFile(join(this.dist, appName, 'index.html')).catch(() => undefined);
    if (!html) {
      return reply.code(503).send({
        error: { code: ErrorCode.internal, message: `the ${appName} page is not built; run \`npm run build\`` },
      });
    }
    return reply.header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-cache').send(html);
  }
}

function notFound(reply: FastifyReply): FastifyReply {
  return reply.code(404).send({ error: { code: ErrorCode.notFound, message: 'no such asset' } });
}

/** The Vite build output, `dist/web/`, from `dist/src/gateway/`. */
export const builtWebApps = new WebApps(fileURLToPath(new URL('../../web/', import.meta.url)));
