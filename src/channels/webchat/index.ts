/**
 * The built-in web chat: the gateway's own WebSocket at `/ws`. One browser conversation is one
 * chat; every socket open on it receives the streamed reply events.
 *
 * Who is talking: a valid token's principal, else the browser's web chat identity (identity.ts):
 * issued in `ready` when the hello carries none (or a forged one), kept by the page and sent in every
 * hello. Conversations belong to that user: only they can open, list, rename or delete them.
 *
 * Protocol (JSON text frames):
 *   client → `{type:'hello', identity?, conversationId?, token?}` first, then any of
 *     `{type:'message', text, id?, attachments?: [{name, mimeType, data (base64)}]}`, `{type:'stop'}`,
 *     `{type:'regenerate'}`, `{type:'list'}`, `{type:'rename', conversationId, title}`, `{type:'delete', conversationId}`,
 *     `{type:'memories'}`, `{type:'forget', memoryId}` (the open conversation's memories)
 *   server → `{type:'ready', conversationId, history, identity?, userId, conversations, features}`, then reply
 *     events `{type:'start'|'delta'|'done'|'error', …}`, `{type:'conversations', conversations}` after each change
 *     and `{type:'memories', conversationId, memories: [{id, content, createdAt}]}` after `memories` or `forget`
 *
 * `stop` ends the answer being generated in this conversation (the engine aborts its model call and
 * sends `done` with `finishReason: 'cancelled'` and the text streamed so far). `regenerate` deletes the
 * last answer and asks the last question of the conversation again, with its attachments: the new
 * answer replaces the old one and the question stays stored once. Attachments ride in the message
 * frame, at most `features.maxAttachmentBytes` each (the frame limit is `server.bodyLimit`): images
 * reach vision-capable models as image parts, other files are read as documents.
 */
import { v7 as uuidv7 } from 'uuid';
import type { FastifyInstance } from 'fastify';
import type { RawData, WebSocket } from 'ws';
import type { Authenticator } from '../../core/auth.js';
import type { Channel, ChannelContext, ChannelStatus } from '../../core/channel.js';
import { ErrorCode, HearthError } from '../../core/errors.js';
import { webSocketResponse } from '../../core/route-schema.js';
import type { Attachment, ReplyEvent, ReplyTarget } from '../../core/message.js';
import type { HistoryStore } from '../../core/stores.js';
import { DeltaCoalescer } from '../delta-coalescer.js';
import { directTextMessage } from '../../core/direct-message.js';
import { WebChatIdentities } from './identity.js';

export interface WebChatOptions {
  auth: Authenticator;
  /** Whether a hello must carry a valid token. */
  requireAuth: boolean;
  history: HistoryStore;
  maxPayload: number;
  /** The server's secret for web chat identities (at least 32 bytes). */
  identityKey: Buffer;
  /** What the page may offer: the microphone button links to the voice page when voice is enabled. */
  features?: { voice: boolean };
}

/** Images a vision model takes; any other file is a document (the knowledge extractors read it). */
const IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);
const MAX_ATTACHMENTS = 4;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const MIME = /^[a-z0-9][a-z0-9.+-]*\/[a-z0-9][a-z0-9.+-]*$/i;

interface Upload {
  name?: unknown;
  mimeType?: unknown;
  data?: unknown;
}

const CONVERSATION_ID = /^[A-Za-z0-9_-]{8,64}$/;
const MAX_TITLE = 120;
const LIST_LIMIT = 200;

interface Frame {
  type?: unknown;
  text?: unknown;
  conversationId?: unknown;
  token?: unknown;
  identity?: unknown;
  id?: unknown;
  title?: unknown;
  memoryId?: unknown;
  attachments?: unknown;
}

export class WebChatChannel implements Channel {
  readonly name = 'webchat';
  private ctx?: ChannelContext;
  private readonly chats = new Map<string, Set<WebSocket>>();
  private readonly since = Date.now();
  private readonly coalescer = new DeltaCoalescer((target, event) => this.send(target, event));
  private readonly identities: WebChatIdentities;
  /** The inbound message each conversation is being answered for now (what `stop` stops). */
  private readonly answering = new Map<string, string>();

  constructor(private readonly options: WebChatOptions) {
    this.identities = new WebChatIdentities(options.identityKey);
  }

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

  /** Largest attachment, decoded: what fits in one frame as base64 beside the rest of the message. */
  private get maxAttachmentBytes(): number {
    return Math.max(0, Math.floor(((this.options.maxPayload - 4096) * 3) / 4));
  }

  private send(target: ReplyTarget, event: ReplyEvent): void {
    if ((event.type === 'done' || event.type === 'error') && this.answering.get(target.chatId) === event.inReplyTo)
      this.answering.delete(target.chatId);
    const sockets = this.chats.get(target.chatId);
    if (!sockets) return;
    const frame = JSON.stringify(event);
    for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(frame);
  }

  async stop(): Promise<void> {
    for (const sockets of this.chats.values()) for (const ws of sockets) ws.close(1001, 'server shutting down');
    this.chats.clear();
  }

  /** The user's web chat conversations, newest first, as the page lists them. */
  private async conversations(userId: string) {
    const list = await this.options.history.listConversations({ userId, channel: 'webchat', limit: LIST_LIMIT });
    return list.map((c) => ({ id: c.chatId, title: c.title ?? 'New chat', updatedAt: c.updatedAt }));
  }

  /** Whether `userId` owns the web chat conversation `chatId` (false when it does not exist). */
  private async owns(userId: string, chatId: unknown): Promise<boolean> {
    if (typeof chatId !== 'string' || !CONVERSATION_ID.test(chatId)) return false;
    return (await this.options.history.getConversation(`webchat:${chatId}`))?.userId === userId;
  }

  /** Why an uploaded file is refused (`undefined` when it is fine), in words the page can show. */
  private uploadProblem(u: Upload, i: number): string | undefined {
    const label = typeof u?.name === 'string' && u.name ? `"${u.name.slice(0, 80)}"` : `attachment ${i + 1}`;
    if (!u || typeof u !== 'object' || typeof u.name !== 'string' || !u.name || u.name.length > 255)
      return `${label}: a file needs a name of 1 to 255 characters`;
    if (typeof u.mimeType !== 'string' || !MIME.test(u.mimeType)) return `${label}: unknown file type`;
    if (typeof u.data !== 'string' || !u.data || u.data.length % 4 !== 0 || !BASE64.test(u.data))
      return `${label}: the file's data must be base64`;
    const size = (u.data.length / 4) * 3 - (u.data.endsWith('==') ? 2 : u.data.endsWith('=') ? 1 : 0);
    if (size > this.maxAttachmentBytes) return `${label} is too large (at most ${this.maxAttachmentBytes} bytes)`;
    return undefined;
  }

  /** Hands one turn to the pipeline; a conversation's first turn creates it, titled with its first words. */
  private async submit(
    chatId: string,
    senderId: string,
    id: string,
    text: string,
    attachments: Attachment[],
    sendList: () => Promise<void>,
  ): Promise<void> {
    const key = `webchat:${chatId}`;
    if (!(await this.options.history.getConversation(key))) {
      // Stored here, before the engine sees the turn, so the list shows it at once under its first words.
      const now = Date.now();
      await this.options.history.upsertConversation({
        id: key,
        channel: 'webchat',
        chatId,
        userId: senderId,
        agent: 'default',
        title: text.replace(/\s+/g, ' ').slice(0, 60),
        createdAt: now,
        updatedAt: now,
      });
      await sendList();
    }
    const message = directTextMessage({ channel: 'webchat', id, chatId, sender: { id: senderId }, text });
    this.answering.set(chatId, message.id);
    await this.ctx!.receive({ ...message, attachments });
  }

  private accept(ws: WebSocket, headers: Record<string, string | string[] | undefined>, ip: string): void {
    let chatId: string | undefined;
    let senderId = '';
    const send = (obj: unknown) => ws.readyState === ws.OPEN && ws.send(JSON.stringify(obj));
    const fail = (code: string, message: string, close?: number) => {
      send({ type: 'error', code, message });
      if (close) ws.close(close, message.slice(0, 100));
    };
    const sendList = async (): Promise<void> => {
      send({ type: 'conversations', conversations: await this.conversations(senderId) });
    };
    const sendMemories = async (): Promise<void> => {
      const memories = await this.options.history.listMemories(`webchat:${chatId}`);
      send({
        type: 'memories',
        conversationId: chatId,
        memories: memories.map((m) => ({ id: m.id, content: m.content, createdAt: m.createdAt })),
      });
    };
    // Frames are handled one at a time, in order: a hello still checking its token must finish
    // before the message sent right behind it is read (else: "say hello first", message lost).
    let queue: Promise<unknown> = Promise.resolve();
    ws.on('message', (data, isBinary) => {
      // handle() answers its own failures; the catch only keeps one stray rejection from ending the chain.
      queue = queue.then(() => handle(data, isBinary)).catch(() => undefined);
    });
    const hello = async (frame: Frame) => {
      if (chatId) return fail(ErrorCode.badRequest, 'already said hello');
      const principal = await this.options.auth.authenticate({
        headers: typeof frame.token === 'string' ? { authorization: `Bearer ${frame.token}` } : headers,
        ip,
      });
      if (this.options.requireAuth && !principal)
        return fail(ErrorCode.unauthorized, 'a valid token is required', 4401);
      // A token names the person; otherwise the browser's identity does, and a browser without a
      // genuine one is a new anonymous user with a new identity.
      let issued: string | undefined;
      let userId = principal?.id ?? this.identities.verify(frame.identity);
      if (!userId) ({ identity: issued, userId } = this.identities.issue());
      // A conversation belongs to whoever started it: anyone else naming its id starts a new one.
      // A new id the client picked is its own (clients may name their conversation before it exists).
      const asked =
        typeof frame.conversationId === 'string' && CONVERSATION_ID.test(frame.conversationId)
          ? frame.conversationId
          : undefined;
      const owner = asked && (await this.options.history.getConversation(`webchat:${asked}`))?.userId;
      const requested = asked && (owner === undefined || owner === userId) ? asked : undefined;
      // Closed while the token or the owner was checked: joining now would keep a dead socket in `chats` forever.
      if (ws.readyState !== ws.OPEN) return;
      chatId = requested ?? uuidv7();
      senderId = userId;
      let set = this.chats.get(chatId);
      if (!set) this.chats.set(chatId, (set = new Set()));
      set.add(ws);
      const history = requested ? await this.options.history.recent(`webchat:${chatId}`, 1_000_000, 200) : [];
      send({
        type: 'ready',
        conversationId: chatId,
        ...(issued ? { identity: issued } : {}),
        userId,
        history: history.map((h) => ({
          role: h.role,
          content: h.content,
          ...(h.attachments.length
            ? { attachments: h.attachments.map((a) => ({ kind: a.kind, fileName: a.fileName })) }
            : {}),
        })),
        conversations: await this.conversations(userId),
        features: { voice: this.options.features?.voice ?? false, maxAttachmentBytes: this.maxAttachmentBytes },
      });
    };
    const message = async (frame: Frame) => {
      if (!chatId || !this.ctx) return fail(ErrorCode.badRequest, 'say hello first');
      const uploads = frame.attachments === undefined ? [] : frame.attachments;
      if (!Array.isArray(uploads) || uploads.length > MAX_ATTACHMENTS)
        return fail(ErrorCode.badRequest, `attachments must be a list of at most ${MAX_ATTACHMENTS} files`);
      const text = typeof frame.text === 'string' ? frame.text.trim() : '';
      if (!text && uploads.length === 0) return fail(ErrorCode.badRequest, 'text is required');
      const id = typeof frame.id === 'string' && CONVERSATION_ID.test(frame.id) ? frame.id : uuidv7();
      const problem = uploads.map((u: Upload, i) => this.uploadProblem(u, i)).find(Boolean);
      if (problem) return fail(ErrorCode.badRequest, problem);
      const attachments: Attachment[] = [];
      for (const [i, u] of (uploads as Upload[]).entries()) {
        const mimeType = (u.mimeType as string).toLowerCase();
        const fileName = [...(u.name as string)].map((c) => (c < ' ' || c === '/' || c === '\\' ? '_' : c)).join('');
        const data = Buffer.from(u.data as string, 'base64');
        const blobKey = `media/webchat/${chatId}/${id}-${i}`;
        await this.ctx.blobs.put(blobKey, data, { mimeType, fileName });
        const kind = IMAGE_TYPES.has(mimeType) ? 'image' : 'document';
        attachments.push({ kind, blobKey, mimeType, fileName, size: data.length });
      }
      await this.submit(
        chatId,
        senderId,
        id,
        text || attachments.map((a) => a.fileName).join(', '),
        attachments,
        sendList,
      );
    };
    const regenerate = async () => {
      if (!chatId || !this.ctx) return fail(ErrorCode.badRequest, 'say hello first');
      const key = `webchat:${chatId}`;
      const recent = await this.options.history.recent(key, 1_000_000, 200);
      const last = recent.filter((h) => h.role === 'user').at(-1);
      if (!last) return fail(ErrorCode.badRequest, 'nothing to regenerate yet');
      // The new answer replaces the old one: the old answer goes, and the question goes in again under
      // its stored id, so the engine answers it as a turn whose reply is missing and stores it once.
      await this.options.history.deleteLastAnswer(key);
      const id = last.id.startsWith('webchat:') ? last.id.slice('webchat:'.length) : uuidv7();
      await this.submit(chatId, senderId, id, last.content, last.attachments, sendList);
    };
    const stop = async () => {
      const answering = chatId && this.answering.get(chatId);
      if (!answering) return fail(ErrorCode.badRequest, 'nothing is being generated');
      if (!this.ctx?.cancel) return fail(ErrorCode.internal, 'this gateway cannot stop an answer');
      await this.ctx.cancel(answering);
    };
    const handle = async (data: RawData, isBinary: boolean) => {
      let frame: Frame;
      try {
        if (isBinary) throw new Error('binary');
        frame = JSON.parse(String(data));
        if (!frame || typeof frame !== 'object') throw new Error('not an object');
      } catch {
        return fail(ErrorCode.badRequest, 'frames must be JSON objects');
      }
      try {
        if (frame.type === 'hello') return await hello(frame);
        if (!chatId || !this.ctx) return fail(ErrorCode.badRequest, 'say hello first');
        switch (frame.type) {
          case 'message':
            return await message(frame);
          case 'stop':
            return await stop();
          case 'regenerate':
            return await regenerate();
          case 'list':
            return await sendList();
          case 'rename': {
            const title = typeof frame.title === 'string' ? frame.title.replace(/\s+/g, ' ').trim() : '';
            if (!title || title.length > MAX_TITLE)
              return fail(ErrorCode.badRequest, `a title needs 1 to ${MAX_TITLE} characters`);
            if (!(await this.owns(senderId, frame.conversationId)))
              return fail(ErrorCode.notFound, 'no such conversation');
            await this.options.history.setConversationTitle(`webchat:${frame.conversationId as string}`, title);
            return await sendList();
          }
          case 'delete':
            if (!(await this.owns(senderId, frame.conversationId)))
              return fail(ErrorCode.notFound, 'no such conversation');
            await this.options.history.deleteConversation(`webchat:${frame.conversationId as string}`);
            return await sendList();
          case 'memories':
            return await sendMemories();
          case 'forget':
            if (typeof frame.memoryId !== 'string' || !frame.memoryId)
              return fail(ErrorCode.badRequest, 'forget needs a memoryId');
            if (!(await this.options.history.deleteMemory(`webchat:${chatId}`, frame.memoryId)))
              return fail(ErrorCode.notFound, 'no such memory in this conversation');
            return await sendMemories();
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
