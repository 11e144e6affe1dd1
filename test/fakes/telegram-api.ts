/**
 * A protocol-faithful fake of the Telegram Bot API (https://core.telegram.org/bots/api) for tests.
 * Payloads use the official type definitions (@grammyjs/types mirrors the Bot API docs field for
 * field). It serves `POST /bot<token>/<method>` with JSON, form or multipart bodies and
 * `GET /file/bot<token>/<file_path>`, answers `{ ok, result }` / `{ ok: false, error_code,
 * description, parameters }`, long-polls getUpdates with offsets, pushes updates to a webhook
 * with the secret-token header, and can inject failures (429 with retry_after, dropped sockets).
 * Inline keyboards: `reply_markup` on sendMessage / editMessageText (1–64 bytes of callback_data),
 * editMessageReplyMarkup, `callback_query` updates for a press (`pressButton`) and
 * answerCallbackQuery, which accepts each query id once.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type {
  CallbackQuery,
  Chat,
  File as TgFile,
  InlineKeyboardMarkup,
  Message,
  Update,
  UserFromGetMe,
} from 'grammy/types';
import { parseTelegramHtml } from './telegram-html.js';
import { parseMultipart } from './multipart.js';

export interface RecordedCall {
  method: string;
  params: Record<string, unknown>;
  /** When the request arrived (ms since the epoch), to check waits such as retry_after. */
  at: number;
  /** Uploaded files of a multipart call, by field name. */
  files: Record<string, { bytes: Buffer; fileName: string; mimeType: string }>;
}

interface ApiError {
  error_code: number;
  description: string;
  parameters?: { retry_after?: number; migrate_to_chat_id?: number };
}

interface StoredFile {
  file: TgFile;
  bytes: Buffer;
}

type Params = Record<string, unknown>;

class ApiFailure extends Error {
  constructor(readonly body: ApiError) {
    super(body.description);
  }
}

const MESSAGE_LIMIT = 4096;
const CAPTION_LIMIT = 1024;

/** The fake server; create with `startTelegramFake()`. */
export class TelegramFake {
  readonly token: string;
  readonly bot: UserFromGetMe;
  readonly calls: RecordedCall[] = [];
  /** Messages the bot sent, as they stand now (edits applied), by `chatId:messageId`. */
  readonly botMessages = new Map<string, Message>();
  /** Answers given to button presses, by callback query id (`text` as shown to the presser). */
  readonly callbackAnswers = new Map<string, { text?: string; show_alert?: boolean }>();
  /** Webhook deliveries: the HTTP status Hearth answered with. */
  readonly webhookResponses: number[] = [];
  baseUrl = '';
  webhook: { url: string; secret_token?: string } | undefined;

  private readonly server = createServer((req, res) => void this.route(req, res));
  private readonly sockets = new Set<Socket>();
  private readonly updates: Update[] = [];
  private nextUpdateId = 100_000;
  private readonly chats = new Map<string, Chat>();
  private readonly messageCounters = new Map<string, number>();
  private readonly files = new Map<string, StoredFile>();
  private readonly failures: Array<{ method: string; error: ApiError; remaining: number }> = [];
  private readonly pollers = new Set<() => void>();
  private readonly callWaiters = new Set<() => void>();
  /** Callback queries sent and not answered yet. */
  private readonly openQueries = new Set<string>();
  private nextQueryId = 4_000_000_000_000_000_000n;

  constructor(opts: { token?: string; username?: string } = {}) {
    this.token = opts.token ?? `123456:${randomBytes(12).toString('hex')}`;
    this.bot = {
      id: Number(this.token.split(':')[0]),
      is_bot: true,
      first_name: 'Hearth',
      username: opts.username ?? 'hearth_test_bot',
      can_join_groups: true,
      can_read_all_group_messages: false,
      supports_inline_queries: false,
      can_connect_to_business: false,
      has_main_web_app: false,
      has_topics_enabled: false,
      allows_users_to_create_topics: false,
      can_manage_bots: false,
    } as UserFromGetMe;
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const wake of this.pollers) wake();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Makes the next `times` calls of `method` fail with this Bot API error. */
  failNext(method: string, error: ApiError, times = 1): void {
    this.failures.push({ method, error, remaining: times });
  }

  /** Forgets injected failures (of one method, or all): the API is healthy again. */
  clearFailures(method?: string): void {
    for (let i = this.failures.length - 1; i >= 0; i--) {
      if (!method || this.failures[i].method.toLowerCase() === method.toLowerCase()) this.failures.splice(i, 1);
    }
  }

  /** Cuts every open connection (a pending getUpdates included), like a network drop. */
  dropConnections(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  /** Registers a chat so messages can be sent to it. */
  addChat(chat: Chat): Chat {
    this.chats.set(String(chat.id), chat);
    return chat;
  }

  /** Stores a file Hearth can fetch with getFile; returns its ids and size. */
  addFile(bytes: Buffer, filePath: string): { file_id: string; file_unique_id: string; file_size: number } {
    const file_id = `F${randomBytes(10).toString('hex')}`;
    const file_unique_id = `U${randomBytes(5).toString('hex')}`;
    this.files.set(file_id, { file: { file_id, file_unique_id, file_size: bytes.length, file_path: filePath }, bytes });
    return { file_id, file_unique_id, file_size: bytes.length };
  }

  /** The next message id in a chat (Telegram numbers messages per chat). */
  nextMessageId(chatId: number | string): number {
    const next = (this.messageCounters.get(String(chatId)) ?? 0) + 1;
    this.messageCounters.set(String(chatId), next);
    return next;
  }

  /** Queues an update (or pushes it to the webhook when one is set). Returns it with its update_id. */
  pushUpdate(update: Omit<Update, 'update_id'> | Record<string, unknown>): Update {
    const full = { update_id: this.nextUpdateId++, ...update } as Update;
    if (this.webhook) void this.postToWebhook(full);
    else {
      this.updates.push(full);
      for (const wake of this.pollers) wake();
    }
    return full;
  }

  /** A user writes in a chat: builds a `message` update the way Telegram does and queues it. */
  userMessage(opts: {
    chat: Chat;
    from: { id: number; first_name: string; username?: string };
    extra?: Partial<Message> & Record<string, unknown>;
    text?: string;
  }): { update: Update; message: Message } {
    this.addChat(opts.chat);
    const message = {
      message_id: this.nextMessageId(opts.chat.id),
      from: { is_bot: false, language_code: 'en', ...opts.from },
      chat: opts.chat,
      date: Math.floor(Date.now() / 1000),
      ...(opts.text !== undefined ? { text: opts.text } : {}),
      ...opts.extra,
    } as Message;
    return { update: this.pushUpdate({ message }), message };
  }

  /**
   * A user presses an inline keyboard button under one of the bot's messages: queues a
   * `callback_query` update carrying the message as it stands now and the button's data, as
   * Telegram does. Throws when the message has no such button (a client could not press it).
   */
  pressButton(opts: {
    chatId: number;
    messageId: number;
    from: { id: number; first_name: string; username?: string };
    /** The button's label, or its callback_data. */
    button: string;
  }): { update: Update; query: CallbackQuery } {
    const message = this.botMessages.get(`${opts.chatId}:${opts.messageId}`);
    if (!message) throw new Error(`no bot message ${opts.chatId}:${opts.messageId}`);
    const keys = (message.reply_markup?.inline_keyboard ?? []).flat();
    const key =
      keys.find((k) => k.text === opts.button) ??
      keys.find((k) => 'callback_data' in k && k.callback_data === opts.button);
    if (!key || !('callback_data' in key)) throw new Error(`message ${opts.messageId} has no button ${opts.button}`);
    const query: CallbackQuery = {
      id: String(this.nextQueryId++),
      from: { is_bot: false, language_code: 'en', ...opts.from },
      message,
      chat_instance: `-${String(message.chat.id).replace('-', '')}77`,
      data: key.callback_data,
    };
    this.openQueries.add(query.id);
    return { update: this.pushUpdate({ callback_query: query }), query };
  }

  /** The inline keyboard of a bot message as it stands now (labels by row), if it has one. */
  keyboardOf(chatId: number, messageId: number): string[][] | undefined {
    return this.botMessages
      .get(`${chatId}:${messageId}`)
      ?.reply_markup?.inline_keyboard.map((r) => r.map((k) => k.text));
  }

  /** Resolves with the first recorded call of `method` (from index `from`) matching `test`. */
  async waitForCall(
    method: string,
    test: (call: RecordedCall) => boolean = () => true,
    timeoutMs = 5000,
    from = 0,
  ): Promise<RecordedCall> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.calls.slice(from).find((c) => c.method === method && test(c));
      if (found) return found;
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${method}; calls so far: ${this.calls.map((c) => c.method).join(', ')}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, 50);
        this.callWaiters.add(done);
        function done(): void {
          clearTimeout(timer);
          resolve();
        }
      });
    }
  }

  private async postToWebhook(update: Update): Promise<void> {
    const hook = this.webhook!;
    try {
      const res = await fetch(hook.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(hook.secret_token ? { 'x-telegram-bot-api-secret-token': hook.secret_token } : {}),
        },
        body: JSON.stringify(update),
      });
      this.webhookResponses.push(res.status);
      await res.arrayBuffer();
    } catch {
      this.webhookResponses.push(0);
    }
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const fileMatch = /^\/file\/bot([^/]+)\/(.+)$/.exec(url.pathname);
    if (req.method === 'GET' && fileMatch) return this.serveFile(fileMatch[1], decodeURIComponent(fileMatch[2]), res);
    const match = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname);
    if (!match) return this.reply(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
    if (match[1] !== this.token)
      return this.reply(res, 401, { ok: false, error_code: 401, description: 'Unauthorized' });
    let call: RecordedCall;
    const at = Date.now();
    try {
      call = { method: match[2], at, ...(await readParams(req, url)) };
    } catch {
      return this.reply(res, 400, { ok: false, error_code: 400, description: 'Bad Request: invalid request body' });
    }
    this.calls.push(call);
    for (const wake of this.callWaiters) wake();
    this.callWaiters.clear();
    const failure = this.failures.find((f) => f.method.toLowerCase() === call.method.toLowerCase() && f.remaining > 0);
    if (failure) {
      failure.remaining--;
      return this.reply(res, failure.error.error_code, { ok: false, ...failure.error });
    }
    try {
      const result = await this.dispatch(call, req);
      if (!res.destroyed) this.reply(res, 200, { ok: true, result });
    } catch (err) {
      if (err instanceof ApiFailure) return this.reply(res, err.body.error_code, { ok: false, ...err.body });
      this.reply(res, 500, { ok: false, error_code: 500, description: `Internal Server Error: ${String(err)}` });
    }
  }

  private reply(res: ServerResponse, status: number, body: unknown): void {
    if (res.destroyed) return;
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  private serveFile(token: string, path: string, res: ServerResponse): void {
    const stored = token === this.token ? [...this.files.values()].find((f) => f.file.file_path === path) : undefined;
    if (!stored) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': stored.bytes.length });
    res.end(stored.bytes);
  }

  private async dispatch(call: RecordedCall, req: IncomingMessage): Promise<unknown> {
    const p = call.params;
    switch (call.method.toLowerCase()) {
      case 'getme':
        return this.bot;
      case 'getupdates':
        return this.getUpdates(p, req);
      case 'setwebhook':
        if (typeof p.url !== 'string') throw bad('url is empty');
        this.webhook =
          p.url === ''
            ? undefined
            : { url: p.url, ...(typeof p.secret_token === 'string' ? { secret_token: p.secret_token } : {}) };
        return true;
      case 'deletewebhook':
        this.webhook = undefined;
        return true;
      case 'getwebhookinfo':
        return {
          url: this.webhook?.url ?? '',
          has_custom_certificate: false,
          pending_update_count: this.updates.length,
        };
      case 'sendchataction':
        this.chat(p.chat_id);
        if (typeof p.action !== 'string') throw bad('action is empty');
        return true;
      case 'sendmessage':
        return this.storeBotMessage(p, {
          text: this.formatted(p.text, p.parse_mode, MESSAGE_LIMIT, 'message text'),
          ...markupOf(p.reply_markup),
        });
      case 'editmessagetext':
        return this.editText(p);
      case 'editmessagereplymarkup':
        return this.editMarkup(p);
      case 'answercallbackquery': {
        const id = String(p.callback_query_id ?? '');
        if (!this.openQueries.delete(id))
          throw bad('query is too old and response timeout expired or query ID is invalid');
        if (typeof p.text === 'string' && p.text.length > 200) throw bad('MESSAGE_TOO_LONG');
        this.callbackAnswers.set(id, {
          ...(typeof p.text === 'string' ? { text: p.text } : {}),
          ...(typeof p.show_alert === 'boolean' ? { show_alert: p.show_alert } : {}),
        });
        return true;
      }
      case 'sendphoto':
        return this.sendMedia(call, 'photo');
      case 'senddocument':
        return this.sendMedia(call, 'document');
      case 'sendsticker':
        return this.sendMedia(call, 'sticker');
      case 'sendvoice':
        return this.sendMedia(call, 'voice');
      case 'sendaudio':
        return this.sendMedia(call, 'audio');
      case 'sendvideo':
        return this.sendMedia(call, 'video');
      case 'getfile': {
        const stored = typeof p.file_id === 'string' ? this.files.get(p.file_id) : undefined;
        if (!stored) throw bad('invalid file_id');
        return stored.file;
      }
      default:
        throw new ApiFailure({ error_code: 404, description: 'Not Found: method not found' });
    }
  }

  private async getUpdates(p: Params, req: IncomingMessage): Promise<Update[]> {
    if (this.webhook)
      throw new ApiFailure({
        error_code: 409,
        description:
          "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
      });
    const offset = Number(p.offset ?? 0);
    const limit = Math.min(100, Math.max(1, Number(p.limit ?? 100)));
    const timeout = Math.max(0, Number(p.timeout ?? 0));
    // Calling getUpdates with an offset confirms every update before it: they are gone for good.
    if (offset > 0) while (this.updates.length > 0 && this.updates[0].update_id < offset) this.updates.shift();
    const pick = (): Update[] => this.updates.filter((u) => u.update_id >= offset).slice(0, limit);
    if (pick().length > 0 || timeout === 0) return pick();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, timeout * 1000);
      const pollers = this.pollers;
      pollers.add(done);
      const socket = req.socket;
      socket.once('close', done);
      function done(): void {
        clearTimeout(timer);
        pollers.delete(done);
        // The socket is kept alive across polls: one listener per poll would pile up on it.
        socket.off('close', done);
        resolve();
      }
    });
    return pick();
  }

  private chat(chatId: unknown): Chat {
    const chat = this.chats.get(String(chatId));
    if (!chat) throw bad('chat not found');
    return chat;
  }

  /** Validates text (entities, length, emptiness) the way the Bot API does; returns the visible text. */
  private formatted(text: unknown, parseMode: unknown, limit: number, what: string): string {
    if (typeof text !== 'string' || text.length === 0) throw bad(`${what} is empty`);
    let visible = text;
    if (parseMode === 'HTML') {
      const parsed = parseTelegramHtml(text);
      if (!parsed.ok) throw bad(parsed.error);
      visible = parsed.text;
    } else if (parseMode !== undefined) throw bad(`unsupported parse_mode in this fake: ${String(parseMode)}`);
    if (visible.trim().length === 0) throw bad(`${what} is empty`);
    if (visible.length > limit)
      throw bad(what === 'message text' ? 'message is too long' : 'message caption is too long');
    return visible;
  }

  private storeBotMessage(p: Params, content: Partial<Message>): Message {
    const chat = this.chat(p.chat_id);
    const replyTo = (p.reply_parameters as { message_id?: number } | undefined)?.message_id;
    const message = {
      message_id: this.nextMessageId(chat.id),
      from: { id: this.bot.id, is_bot: true, first_name: this.bot.first_name, username: this.bot.username },
      chat,
      date: Math.floor(Date.now() / 1000),
      ...(typeof p.message_thread_id === 'number'
        ? { message_thread_id: p.message_thread_id, is_topic_message: true }
        : {}),
      ...(replyTo ? { reply_to_message: { message_id: replyTo, chat, date: Math.floor(Date.now() / 1000) } } : {}),
      ...content,
    } as Message;
    this.botMessages.set(`${chat.id}:${message.message_id}`, message);
    return message;
  }

  private editText(p: Params): Message {
    const chat = this.chat(p.chat_id);
    const current = this.botMessages.get(`${chat.id}:${String(p.message_id)}`);
    if (!current) throw bad('message to edit not found');
    const text = this.formatted(p.text, p.parse_mode, MESSAGE_LIMIT, 'message text');
    // An edit without reply_markup removes the inline keyboard (the Bot API keeps only what is sent).
    const markup = markupOf(p.reply_markup);
    if (current.text === text && sameMarkup(current.reply_markup, markup.reply_markup)) throw notModified();
    const { reply_markup: _dropped, ...rest } = current;
    const edited = {
      ...rest,
      text,
      ...(Array.isArray(p.entities) ? { entities: p.entities } : {}),
      ...markup,
      edit_date: Math.floor(Date.now() / 1000),
    } as Message;
    this.botMessages.set(`${chat.id}:${current.message_id}`, edited);
    return edited;
  }

  private editMarkup(p: Params): Message {
    const chat = this.chat(p.chat_id);
    const current = this.botMessages.get(`${chat.id}:${String(p.message_id)}`);
    if (!current) throw bad('message to edit not found');
    const markup = markupOf(p.reply_markup);
    if (sameMarkup(current.reply_markup, markup.reply_markup)) throw notModified();
    const { reply_markup: _dropped, ...rest } = current;
    const edited = { ...rest, ...markup, edit_date: Math.floor(Date.now() / 1000) } as Message;
    this.botMessages.set(`${chat.id}:${current.message_id}`, edited);
    return edited;
  }

  private sendMedia(
    call: RecordedCall,
    field: 'photo' | 'document' | 'sticker' | 'voice' | 'audio' | 'video',
  ): Message {
    const p = call.params;
    const upload = call.files[field];
    const reference = p[field];
    let bytes: Buffer;
    if (upload) bytes = upload.bytes;
    else if (typeof reference === 'string' && this.files.has(reference)) bytes = this.files.get(reference)!.bytes;
    else if (typeof reference === 'string' && /^https?:\/\//.test(reference)) bytes = Buffer.alloc(0);
    else throw bad(`there is no ${field} in the request`);
    const caption =
      p.caption === undefined ? undefined : this.formatted(p.caption, p.parse_mode, CAPTION_LIMIT, 'caption');
    const stored = this.addFile(bytes, `${field}s/file_${this.files.size}`);
    const media: Record<string, unknown> = {
      photo: [{ ...stored, width: 800, height: 600 }],
      document: { ...stored, file_name: upload?.fileName, mime_type: upload?.mimeType },
      sticker: { ...stored, type: 'regular', width: 512, height: 512, is_animated: false, is_video: false },
      voice: { ...stored, duration: 1, mime_type: 'audio/ogg' },
      audio: { ...stored, duration: 1, file_name: upload?.fileName, mime_type: upload?.mimeType },
      video: { ...stored, width: 640, height: 480, duration: 1, file_name: upload?.fileName },
    };
    return this.storeBotMessage(p, { [field]: media[field], ...(caption ? { caption } : {}) } as Partial<Message>);
  }
}

function notModified(): ApiFailure {
  return bad(
    'message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message',
  );
}

/**
 * Validates a `reply_markup` the way the Bot API does for inline keyboards; returns it as the
 * message will carry it (an empty keyboard is no keyboard).
 */
function markupOf(raw: unknown): { reply_markup?: InlineKeyboardMarkup } {
  if (raw === undefined) return {};
  const markup = (typeof raw === 'string' ? JSON.parse(raw) : raw) as { inline_keyboard?: unknown };
  if (!markup || !Array.isArray(markup.inline_keyboard)) throw bad("can't parse reply keyboard markup JSON object");
  const rows = markup.inline_keyboard as unknown[];
  for (const row of rows) {
    if (!Array.isArray(row))
      throw bad('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays');
    for (const key of row as Array<Record<string, unknown>>) {
      if (typeof key.text !== 'string' || key.text === '')
        throw bad('text buttons are unallowed in the inline keyboard');
      const data = key.callback_data;
      if (typeof data !== 'string' || Buffer.byteLength(data) < 1 || Buffer.byteLength(data) > 64)
        throw bad('BUTTON_DATA_INVALID');
    }
  }
  const kept = rows.filter((r) => (r as unknown[]).length > 0);
  return kept.length ? { reply_markup: { inline_keyboard: kept as InlineKeyboardMarkup['inline_keyboard'] } } : {};
}

function sameMarkup(a: InlineKeyboardMarkup | undefined, b: InlineKeyboardMarkup | undefined): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

function bad(description: string): ApiFailure {
  return new ApiFailure({ error_code: 400, description: `Bad Request: ${description}` });
}

/** Reads a Bot API request's parameters: query string, JSON, urlencoded or multipart/form-data. */
async function readParams(req: IncomingMessage, url: URL): Promise<Omit<RecordedCall, 'method' | 'at'>> {
  const params: Params = Object.fromEntries(url.searchParams);
  const files: RecordedCall['files'] = {};
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  const type = req.headers['content-type'] ?? '';
  if (body.length === 0) return { params, files };
  if (type.startsWith('application/json'))
    return { params: { ...params, ...(JSON.parse(body.toString('utf8')) as Params) }, files };
  if (type.startsWith('application/x-www-form-urlencoded')) {
    for (const [key, value] of new URLSearchParams(body.toString('utf8'))) params[key] = parseFormValue(value);
    return { params, files };
  }
  if (type.startsWith('multipart/form-data')) {
    for (const part of parseMultipart(body, type)) {
      if (part.fileName === undefined) params[part.name] = parseFormValue(part.body.toString('utf8'));
      else {
        files[part.name] = {
          bytes: part.body,
          fileName: part.fileName,
          mimeType: part.contentType ?? 'application/octet-stream',
        };
        params[part.name] ??= `attach://${part.name}`;
      }
    }
    // Multipart uploads may reference a part as attach://<name>.
    for (const [key, value] of Object.entries(params)) {
      if (typeof value === 'string' && value.startsWith('attach://') && files[value.slice(9)] && !files[key])
        files[key] = files[value.slice(9)];
    }
    return { params, files };
  }
  throw new Error(`unsupported content-type ${type}`);
}

/** Form fields carry JSON-serialized objects and numbers as text (as the Bot API accepts them). */
function parseFormValue(value: string): unknown {
  if (/^[[{]/.test(value) || /^-?\d+$/.test(value) || value === 'true' || value === 'false') {
    try {
      return JSON.parse(value);
    } catch {
      return value;
    }
  }
  return value;
}

/** Starts a fake Bot API on 127.0.0.1 (free port). Point the channel's `apiRoot` at `fake.baseUrl`. */
export async function startTelegramFake(opts: { token?: string; username?: string } = {}): Promise<TelegramFake> {
  const fake = new TelegramFake(opts);
  await fake.listen();
  return fake;
}
