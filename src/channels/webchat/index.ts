/**
 * The built-in web chat: the gateway's own WebSocket at `/ws`. One browser conversation is one
 * chat; every socket open on it receives the streamed reply events.
 *
 * Protocol (JSON text frames):
 *   client → `{type:'hello', conversationId?, token?}` first, then `{type:'message', text, id?}`
 *   server → `{type:'ready', conversationId, history}`, then reply events `{type:'start'|'delta'|'done'|'error', …}`
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { RawData, WebSocket } from 'ws';
import type { Authenticator } from '../../core/auth.js';
import type { Channel, ChannelContext, ChannelStatus } from '../../core/channel.js';
import { ErrorCode, HearthError } from '../../core/errors.js';
import { webSocketResponse } from '../../core/route-schema.js';
import type { ReplyEvent, ReplyTarget } from '../../core/message.js';
import type { HistoryStore } from '../../core/stores.js';
import { DeltaCoalescer } from '../delta-coalescer.js';
import { directTextMessage } from '../../core/direct-message.js';

export interface WebChatOptions {
  auth: Authenticator;
  /** Whether a hello must carry a valid token. */
  requireAuth: boolean;
  history: HistoryStore;
  maxPayload: number;
}

const CONVERSATION_ID = /^[A-Za-z0-9_-]{8,64}$/;

export class WebChatChannel implements Channel {
  readonly name = 'webchat';
  private ctx?: ChannelContext;
  private readonly chats = new Map<string, Set<WebSocket>>();
  private readonly since = Date.now();
  private readonly coalescer = new DeltaCoalescer((target, event) => this.send(target, event));

  constructor(private readonly options: WebChatOptions) {}

  routes(app: FastifyInstance): void {
    const schema = { summary: "The web chat's WebSocket", response: webSocketResponse };
    app.get('/ws', { websocket: true, schema }, (socket, req) => this.accept(socket, req.headers, req.ip));
  }

  async start(ctx: ChannelContext): Promise<void> {
    this.ctx = ctx;
  }

  status(): ChannelStatus {
    return { state: this.ctx ? 'ready' : 'stopped', since: this.since };
  }

  async deliver(target: ReplyTarget, event: ReplyEvent): Promise<void> {
    this.coalescer.push(target, event);
  }

  private send(target: ReplyTarget, event: ReplyEvent): void {
    const sockets = this.chats.get(target.chatId);
    if (!sockets) return;
    const frame = JSON.stringify(event);
    for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(frame);
  }

  async stop(): Promise<void> {
    for (const sockets of this.chats.values()) for (const ws of sockets) ws.close(1001, 'server shutting down');
    this.chats.clear();
  }

  private accept(ws: WebSocket, headers: Record<string, string | string[] | undefined>, ip: string): void {
    let chatId: string | undefined;
    let senderId = '';
    const send = (obj: unknown) => ws.readyState === ws.OPEN && ws.send(JSON.stringify(obj));
    const fail = (code: string, message: string, close?: number) => {
      send({ type: 'error', code, message });
      if (close) ws.close(close, message.slice(0, 100));
    };
    // Frames are handled one at a time, in order: a hello still checking its token must finish
    // before the message sent right behind it is read (else: "say hello first", message lost).
    let queue = Promise.resolve();
    ws.on('message', (data, isBinary) => {
      // handle() answers its own failures; the catch only keeps one stray rejection from ending the chain.
      queue = queue.then(() => handle(data, isBinary)).catch(() => undefined);
    });
    const handle = async (data: RawData, isBinary: boolean) => {
      let frame: { type?: unknown; text?: unknown; conversationId?: unknown; token?: unknown; id?: unknown };
      try {
        if (isBinary) throw new Error('binary');
        frame = JSON.parse(String(data));
        if (!frame || typeof frame !== 'object') throw new Error('not an object');
      } catch {
        return fail(ErrorCode.badRequest, 'frames must be JSON objects');
      }
      try {
        if (frame.type === 'hello') {
          if (chatId) return fail(ErrorCode.badRequest, 'already said hello');
          const principal = await this.options.auth.authenticate({
            headers: typeof frame.token === 'string' ? { authorization: `Bearer ${frame.token}` } : headers,
            ip,
          });
          if (this.options.requireAuth && !principal)
            return fail(ErrorCode.unauthorized, 'a valid token is required', 4401);
          let requested = typeof frame.conversationId === 'string' && CONVERSATION_ID.test(frame.conversationId);
          if (requested) {
            // A conversation belongs to whoever started it: another user naming its id starts a new one.
            const asked = frame.conversationId as string;
            const owner = (await this.options.history.getConversation(`webchat:${asked}`))?.userId;
            if (owner !== undefined && owner !== (principal ? principal.id : `web-${asked}`)) requested = false;
          }
          // Closed while the token or the owner was checked: joining now would keep a dead socket in `chats` forever.
          if (ws.readyState !== ws.OPEN) return;
          chatId = requested ? (frame.conversationId as string) : randomUUID();
          senderId = principal ? principal.id : `web-${chatId}`;
          let set = this.chats.get(chatId);
          if (!set) this.chats.set(chatId, (set = new Set()));
          set.add(ws);
          const history = requested ? await this.options.history.recent(`webchat:${chatId}`, 4000, 50) : [];
          send({
            type: 'ready',
            conversationId: chatId,
            history: history.map((h) => ({ role: h.role, content: h.content })),
          });
          return;
        }
        if (frame.type === 'message') {
          if (!chatId || !this.ctx) return fail(ErrorCode.badRequest, 'say hello first');
          const text = typeof frame.text === 'string' ? frame.text.trim() : '';
          if (!text) return fail(ErrorCode.badRequest, 'text is required');
          const id = typeof frame.id === 'string' && CONVERSATION_ID.test(frame.id) ? frame.id : randomUUID();
          await this.ctx.receive(directTextMessage({ channel: 'webchat', id, chatId, sender: { id: senderId }, text }));
          return;
        }
        fail(ErrorCode.badRequest, `unknown frame type ${JSON.stringify(frame.type)}`);
      } catch (err) {
        const e = err instanceof HearthError ? err : new HearthError(ErrorCode.internal, 'internal error');
        this.ctx?.log.warn(
          { channel: 'webchat', errorCode: e.code, err: { message: (err as Error).message } },
          'web chat frame failed',
        );
        fail(e.code, e.message);
      }
    };
    ws.on('close', () => {
      if (!chatId) return;
      const set = this.chats.get(chatId);
      set?.delete(ws);
      if (set?.size === 0) this.chats.delete(chatId);
    });
    ws.on('error', () => ws.terminate());
  }
}
