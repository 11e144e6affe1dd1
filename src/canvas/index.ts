/**
 * The live canvas, as the composition root sees it: `openCanvas` opens the room log under the
 * data folder and the room registry on the bus (any role: gateways serve peers, engines run the
 * canvas skill); `routeDeps` adds what the HTTP surface needs.
 *
 * The rooms, Yjs and the room log (`canvas.db`) are opened on the first canvas request or canvas
 * tool call, not at start: a server nobody draws on never loads them.
 */
import { join } from 'node:path';
import type { FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import type * as Y from 'yjs';
import type { Bus } from '../core/bus.js';
import type { CanvasMetrics } from '../core/metrics.js';
import type { HearthConfig } from '../core/config.js';
import type { Authenticator } from '../core/auth.js';
import { ErrorCode, HearthError } from '../core/errors.js';
import { CanvasAccess } from './access.js';
import { CloseCode, type Peer } from './peer.js';
import type { CanvasRouteDeps } from './routes.js';
import type { CanvasRooms, CanvasRoomsDeps } from './rooms.js';
import { ShareLinks } from './share-links.js';

export { canvasRoutes } from './routes.js';
export type { CanvasRooms } from './rooms.js';

export type CanvasConfig = HearthConfig['canvas'];

/** What the gateway, the routes and the canvas skill use of the room registry. */
export type CanvasRoomsApi = Pick<CanvasRooms, 'join' | 'elements' | 'edit' | 'stats' | 'close'>;

export interface Canvas {
  rooms: CanvasRoomsApi;
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
  const rooms = new LazyCanvasRooms(
    {
      bus: deps.bus,
      limits: config,
      log,
      metrics: deps.metrics,
    },
    join(deps.dataDir, 'canvas.db'),
  );
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

/**
 * The room registry, created (with its room log) on first use. Until then there is nothing to
 * count or close; once created, every call goes to it unchanged.
 */
class LazyCanvasRooms implements CanvasRoomsApi {
  private rooms?: CanvasRooms;
  private opening?: Promise<CanvasRooms>;
  private closed = false;

  constructor(
    private readonly deps: Omit<CanvasRoomsDeps, 'store'>,
    private readonly logFile: string,
  ) {}

  stats(): { rooms: number; peers: number } {
    return this.rooms?.stats() ?? { rooms: 0, peers: 0 };
  }

  async join(name: string, peer: Peer): ReturnType<CanvasRooms['join']> {
    let rooms: CanvasRooms;
    try {
      rooms = await this.registry();
    } catch (err) {
      // As CanvasRooms.join does for a room it cannot open.
      this.deps.log.warn(
        { room: name, peer: peer.id, errorCode: ErrorCode.storage, err: { message: (err as Error).message } },
        'canvas room could not be opened',
      );
      this.deps.metrics?.canvasRefused(ErrorCode.storage);
      peer.close(CloseCode.tryAgainLater, 'room unavailable');
      return undefined;
    }
    return rooms.join(name, peer);
  }

  async elements(name: string): ReturnType<CanvasRooms['elements']> {
    return (await this.registry()).elements(name);
  }

  async edit<T>(name: string, change: (doc: Y.Doc) => T): Promise<T> {
    return (await this.registry()).edit(name, change);
  }

  async close(): Promise<void> {
    this.closed = true;
    const rooms = await this.opening?.catch(() => undefined);
    await rooms?.close();
  }

  private registry(): Promise<CanvasRooms> {
    if (this.closed) return Promise.reject(new HearthError(ErrorCode.shuttingDown, 'canvas is shutting down', 503));
    this.opening ??= (async () => {
      const [{ CanvasRooms }, { SqliteRoomLog }] = await Promise.all([
        import('./rooms.js'),
        import('./sqlite-room-log.js'),
      ]);
      const rooms = new CanvasRooms({ ...this.deps, store: new SqliteRoomLog(this.logFile) });
      if (this.closed) await rooms.close();
      else this.rooms = rooms;
      return rooms;
    })();
    // A log that could not be opened is tried again on the next request.
    this.opening.catch(() => (this.opening = undefined));
    return this.opening;
  }
}
