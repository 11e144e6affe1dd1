/**
 * The canvas's HTTP and WebSocket surface, mounted by the gateway:
 *   GET  /canvas/<room>             the drawing page
 *   GET  /canvas/<room>/ws          the room's socket (y-websocket framing, see wire.ts)
 *   GET  /canvas/<room>/elements    the room as a JSON list of elements
 *   GET  /canvas/<room>/export.svg  and /export.png
 *   POST /canvas/<room>/share       a share link `{rights: "view"|"edit", ttlSec?}`
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import { ErrorCode } from '../core/errors.js';
import { mediaResponse, openObject, responses, webSocketResponse } from '../core/route-schema.js';
import type { CanvasAccess } from './access.js';
import { CloseCode, type Peer } from './peer.js';
import { renderPng } from './render/png.js';
import { renderSvg } from './render/svg.js';
import type { Room } from './room.js';
import type { CanvasRooms } from './rooms.js';
import { ROOM_NAME } from './room-name.js';
import type { Rights, ShareLinks } from './share-links.js';

export interface CanvasRouteDeps {
  rooms: Pick<CanvasRooms, 'join' | 'elements'>;
  access: CanvasAccess;
  shares: ShareLinks;
  shareLinkTtlSec: number;
  /** Answers with the built page (the gateway serves the web build). */
  sendPage(reply: FastifyReply): Promise<FastifyReply>;
  log: Logger;
}

/** A client that stops reading is cut off past this much unsent data; it resyncs when it comes back. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

type RoomRequest = FastifyRequest<{ Params: { room: string }; Querystring: { token?: string; share?: string } }>;

function sendError(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  return reply.code(status).send({ error: { code, message } });
}

let peerSequence = 0;

export async function canvasRoutes(app: FastifyInstance, deps: CanvasRouteDeps): Promise<void> {
  const { rooms, access, log } = deps;

  /** preHandler: 404 for a name that cannot be a room. */
  const roomName = async (req: RoomRequest, reply: FastifyReply) => {
    if (!ROOM_NAME.test(req.params.room))
      return sendError(reply, 404, ErrorCode.notFound, 'room names are 1-64 letters, digits, - or _');
  };

  /** preHandler: 404 for a bad room name, 401 without rights, 403 with view rights where edit is needed. */
  const authorize = (need: Rights) => async (req: RoomRequest, reply: FastifyReply) => {
    await roomName(req, reply);
    if (reply.sent) return;
    const rights = await access.rights(req.params.room, { headers: req.headers, ip: req.ip, query: req.query ?? {} });
    if (!rights) {
      reply.header('WWW-Authenticate', 'Bearer');
      return sendError(reply, 401, ErrorCode.unauthorized, 'this room needs a token, a login or a share link');
    }
    if (need === 'edit' && rights !== 'edit')
      return sendError(reply, 403, ErrorCode.forbidden, 'this link can only view the room');
  };

  // The page itself is public, like the web chat's: it asks for a token or login when the socket refuses it.
  const page = { summary: "A canvas room's page", response: responses({ 200: mediaResponse('HTML', 'text/html') }) };
  app.get('/canvas/:room', { preHandler: roomName, schema: page }, async (_req: RoomRequest, reply) =>
    deps.sendPage(reply),
  );

  // Rights are checked after the upgrade: a browser cannot read an HTTP 401 on a WebSocket, but it
  // sees close code 4401 (and y-websocket then stops retrying and the page asks for a token).
  const ws = { summary: "A canvas room's WebSocket (y-websocket sync)", response: webSocketResponse };
  app.get(
    '/canvas/:room/ws',
    { websocket: true, preHandler: roomName, schema: ws },
    (socket: WebSocket, req: RoomRequest) => {
      const name = req.params.room;
      let canEdit = false;
      const peer: Peer = {
        id: `${req.ip}#${++peerSequence}`,
        get canEdit() {
          return canEdit;
        },
        send(frame) {
          if (socket.readyState !== socket.OPEN) return;
          if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
            log.warn(
              { room: name, peer: this.id, errorCode: ErrorCode.busy },
              'canvas client too slow; disconnected (it resyncs on reconnect)',
            );
            socket.close(CloseCode.tryAgainLater, 'too slow');
            return;
          }
          socket.send(frame);
        },
        close(code, reason) {
          if (socket.readyState === socket.OPEN || socket.readyState === socket.CONNECTING) socket.close(code, reason);
        },
      };
      // Frames that arrive while the room loads wait, in order.
      let room: Room | undefined;
      const early: Uint8Array[] = [];
      let gone = false;
      socket.on('message', (data: Buffer, isBinary: boolean) => {
        if (!isBinary) {
          log.warn({ room: name, peer: peer.id, errorCode: ErrorCode.badRequest }, 'canvas client refused: text frame');
          socket.close(CloseCode.malformed, 'binary frames only');
          return;
        }
        const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
        if (room) room.receive(peer, bytes);
        else if (early.length < 64) early.push(bytes);
        else socket.close(CloseCode.tryAgainLater, 'room still loading');
      });
      socket.on('close', () => {
        gone = true;
        room?.leave(peer);
      });
      socket.on('error', () => socket.terminate());
      void access
        .rights(name, { headers: req.headers, ip: req.ip, query: req.query ?? {} })
        .then(async (rights) => {
          if (!rights) {
            log.warn(
              { room: name, peer: peer.id, errorCode: ErrorCode.unauthorized },
              'canvas client refused: no credentials for this room',
            );
            peer.close(CloseCode.unauthorized, 'a token, a login or a share link is needed');
            return undefined;
          }
          canEdit = rights === 'edit';
          return gone ? undefined : rooms.join(name, peer);
        })
        .then((joined) => {
          if (!joined) return;
          if (gone) return joined.leave(peer);
          room = joined;
          for (const bytes of early.splice(0)) joined.receive(peer, bytes);
        })
        .catch((err: unknown) => {
          log.error(
            { room: name, peer: peer.id, errorCode: ErrorCode.internal, err: { message: (err as Error).message } },
            'canvas connection failed',
          );
          peer.close(1011, 'internal error');
        });
    },
  );

  const elementsSchema = {
    summary: "A room's elements",
    response: responses({
      200: openObject({ room: { type: 'string' }, elements: { type: 'array', items: openObject() } }, [
        'room',
        'elements',
      ]),
    }),
  };
  app.get(
    '/canvas/:room/elements',
    { preHandler: authorize('view'), schema: elementsSchema },
    async (req: RoomRequest, reply) => {
      const elements = await rooms.elements(req.params.room);
      return reply.header('cache-control', 'no-store').send({ room: req.params.room, elements });
    },
  );

  const svgSchema = { summary: 'The room as SVG', response: responses({ 200: mediaResponse('SVG', 'image/svg+xml') }) };
  app.get(
    '/canvas/:room/export.svg',
    { preHandler: authorize('view'), schema: svgSchema },
    async (req: RoomRequest, reply) => {
      const svg = renderSvg(await rooms.elements(req.params.room));
      return reply
        .header('content-type', 'image/svg+xml; charset=utf-8')
        .header('cache-control', 'no-store')
        .header('content-disposition', `inline; filename="${req.params.room}.svg"`)
        .send(svg);
    },
  );

  const pngSchema = { summary: 'The room as PNG', response: responses({ 200: mediaResponse('PNG', 'image/png') }) };
  app.get(
    '/canvas/:room/export.png',
    { preHandler: authorize('view'), schema: pngSchema },
    async (req: RoomRequest, reply) => {
      const png = renderPng(await rooms.elements(req.params.room));
      return reply
        .header('content-type', 'image/png')
        .header('cache-control', 'no-store')
        .header('content-disposition', `inline; filename="${req.params.room}.png"`)
        .send(png);
    },
  );

  app.post<{
    Params: { room: string };
    Querystring: { token?: string; share?: string };
    Body: { rights: Rights; ttlSec?: number };
  }>(
    '/canvas/:room/share',
    {
      preHandler: authorize('edit'),
      schema: {
        body: {
          type: 'object',
          required: ['rights'],
          additionalProperties: false,
          properties: { rights: { enum: ['view', 'edit'] }, ttlSec: { type: 'integer', minimum: 60 } },
        },
        response: responses({
          201: openObject(
            {
              room: { type: 'string' },
              rights: { type: 'string' },
              path: { type: 'string' },
              token: { type: 'string' },
              expiresAt: { type: 'string' },
            },
            ['room', 'rights', 'path', 'token', 'expiresAt'],
          ),
        }),
      },
    },
    async (req, reply) => {
      const ttl = Math.min(req.body.ttlSec ?? deps.shareLinkTtlSec, deps.shareLinkTtlSec);
      const { token, expiresAt } = await deps.shares.issue(req.params.room, req.body.rights, ttl);
      const path = `/canvas/${req.params.room}#share=${token}`;
      return reply
        .code(201)
        .header('cache-control', 'no-store')
        .send({
          room: req.params.room,
          rights: req.body.rights,
          path,
          token,
          expiresAt: new Date(expiresAt).toISOString(),
        });
    },
  );
}
