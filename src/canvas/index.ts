/**
 * The live canvas, as the composition root sees it: `openCanvas` opens the room log under the
 * data folder and the room registry on the bus (any role: gateways serve peers, engines run the
 * canvas skill); `routeDeps` adds what the HTTP surface needs.
 */
import { join } from 'node:path';
import type { FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import type { Bus } from '../core/bus.js';
import type { CanvasMetrics } from '../core/metrics.js';
import type { HearthConfig } from '../core/config.js';
import type { Authenticator } from '../core/auth.js';
import { CanvasAccess } from './access.js';
import type { CanvasRouteDeps } from './routes.js';
import { CanvasRooms } from './rooms.js';
import { ShareLinks } from './share-links.js';
import { SqliteRoomLog } from './sqlite-room-log.js';

export { canvasRoutes } from './routes.js';
export { CanvasRooms } from './rooms.js';

export type CanvasConfig = HearthConfig['canvas'];

export interface Canvas {
  rooms: CanvasRooms;
  shares: ShareLinks;
  /** Dependencies of `canvasRoutes`. `loopback`: the server listens on a loopback address. */
  routeDeps(opts: {
    auth: Authenticator;
    loopback: boolean;
    sendPage: (reply: FastifyReply) => Promise<FastifyReply>;
  }): CanvasRouteDeps;
  /** Whether rooms are open without credentials on this server. */
  isOpen(loopback: boolean): boolean;
  close(): Promise<void>;
}

export function openCanvas(
  config: CanvasConfig,
  deps: { dataDir: string; bus: Bus; log: Logger; metrics?: CanvasMetrics },
): Canvas {
  const log = deps.log.child({ component: 'canvas' });
  const rooms = new CanvasRooms({
    store: new SqliteRoomLog(join(deps.dataDir, 'canvas.db')),
    bus: deps.bus,
    limits: config,
    log,
    metrics: deps.metrics,
  });
  const shares = new ShareLinks(join(deps.dataDir, 'canvas', 'share-link.key'));
  const isOpen = (loopback: boolean) => config.auth === 'open' || (config.auth === 'auto' && loopback);
  return {
    rooms,
    shares,
    isOpen,
    routeDeps: ({ auth, loopback, sendPage }) => ({
      rooms,
      shares,
      access: new CanvasAccess(isOpen(loopback) ? 'open' : 'token', auth, shares),
      shareLinkTtlSec: config.shareLinkTtlSec,
      sendPage,
      log,
    }),
    close: () => rooms.close(),
  };
}
