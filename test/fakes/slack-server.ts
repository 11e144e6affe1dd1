/**
 * A protocol-faithful fake of the Slack platform for tests:
 * - Web API methods Hearth uses (`auth.test`, `apps.connections.open`, `chat.postMessage`,
 *   `chat.update`, `files.getUploadURLExternal`, `files.completeUploadExternal`), accepting form-encoded
 *   or JSON bodies with the token in `Authorization: Bearer`, answering `{ ok, … }` with HTTP 200
 *   (and HTTP 429 + `Retry-After` when a rate limit is armed);
 * - file hosting for `url_private_download` (bot token required) and the external upload URL;
 * - Socket Mode: `apps.connections.open` returns a ws:// URL; the socket sends `hello`, then
 *   `events_api` / `interactive` envelopes and expects `{ envelope_id }` acks;
 * - a driver for the Events API that posts signed requests (`X-Slack-Signature`, `X-Slack-Request-Timestamp`).
 */
import { createHmac, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface SlackCall {
  method: string;
  token: string | undefined;
  args: Record<string, unknown>;
  at: number;
  /** What the fake answered (successful calls). */
  result?: Record<string, unknown>;
}

export interface HostedFile {
  id: string;
  name: string;
  title: string;
  mimetype: string;
  filetype: string;
  size: number;
  url_private: string;
  url_private_download: string;
}

export interface UploadedFile {
  fileId: string;
  filename: string;
  length: number;
  bytes: Buffer;
  channelId?: string;
  threadTs?: string;
}

/** A message the bot posted, in its current state (edits applied), as Slack stores it. */
export interface PostedMessage {
  channel: string;
  ts: string;
  thread_ts?: string;
  text?: string;
  blocks?: Array<Record<string, unknown>>;
}

export interface SlackFakeOptions {
  botToken?: string;
  appToken?: string;
  botUserId?: string;
  botId?: string;
  teamId?: string;
  appId?: string;
}

export interface SlackFake {
  baseUrl: string;
  /** Web API base, ending in `/api/` like `https://slack.com/api/`. */
  apiUrl: string;
  calls: SlackCall[];
  uploads: UploadedFile[];
  botUserId: string;
  teamId: string;
  appId: string;
  /** Resolves with the first call of `method` (past or future) that satisfies `match`. */
  waitForCall(method: string, match?: (c: SlackCall) => boolean, timeoutMs?: number): Promise<SlackCall>;
  /** The next `count` calls of `method` answer HTTP 429 with `Retry-After: seconds`. */
  rateLimit(method: string, seconds: number, count?: number): void;
  /** Makes `auth.test` (and everything with the bot token) answer `invalid_auth`. */
  revokeBotToken(): void;
  /** Hosts a file; the returned object is what Slack puts in `event.files`. */
  hostFile(bytes: Buffer, name: string, mimetype: string): HostedFile;
  /** Number of open Socket Mode connections. */
  socketCount(): number;
  /** Resolves once a Socket Mode client is connected (hello sent). */
  waitForSocket(timeoutMs?: number): Promise<void>;
  /** Sends an envelope on the newest socket; resolves with the client's ack frame. */
  sendEnvelope(
    type: 'events_api' | 'interactive',
    payload: unknown,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  /** Sends `disconnect` (refresh_requested) and closes every socket, as Slack does when it recycles. */
  dropSockets(): void;
  /** The bot's message `ts` in `channel` as it stands now (chat.update applied), if it exists. */
  message(channel: string, ts: string): PostedMessage | undefined;
  /**
   * The `block_actions` payload Slack sends when `user` clicks button number `index` of the
   * actions block in the bot's message `ts` (the message is included in its current state).
   */
  blockActions(channel: string, ts: string, user: string, index?: number): Record<string, unknown>;
  /** Builds an `event_callback` body around an inner event, as the Events API delivers it. */
  eventCallback(event: Record<string, unknown>): Record<string, unknown>;
  close(): Promise<void>;
}

/** Signs and posts an Events API / interactivity request to `url` like Slack does. */
export async function postSignedToSlackWebhook(
  url: string,
  secret: string,
  body: Record<string, unknown>,
  opts: { form?: boolean; timestamp?: number; badSignature?: boolean; retryNum?: number } = {},
): Promise<Response> {
  const raw = opts.form ? new URLSearchParams({ payload: JSON.stringify(body) }).toString() : JSON.stringify(body);
  const timestamp = String(opts.timestamp ?? Math.floor(Date.now() / 1000));
  const signature =
    'v0=' +
    createHmac('sha256', opts.badSignature ? secret + 'x' : secret)
      .update(`v0:${timestamp}:${raw}`)
      .digest('hex');
  const headers: Record<string, string> = {
    'content-type': opts.form ? 'application/x-www-form-urlencoded' : 'application/json',
    'x-slack-signature': signature,
    'x-slack-request-timestamp': timestamp,
    'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
  };
  if (opts.retryNum !== undefined) {
    headers['x-slack-retry-num'] = String(opts.retryNum);
    headers['x-slack-retry-reason'] = 'http_timeout';
  }
  return fetch(url, { method: 'POST', headers, body: raw });
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Form-encoded values that carry JSON (blocks, files) are decoded, as Slack does. */
function parseArgs(raw: Buffer, contentType: string): Record<string, unknown> {
  if (raw.length === 0) return {};
  if (contentType.startsWith('application/json')) return JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
  const args: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(raw.toString('utf8'))) {
    args[k] = /^[[{]/.test(v) ? safeJson(v) : v;
  }
  return args;
}

function safeJson(v: string): unknown {
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

async function fileFromUpload(raw: Buffer, contentType: string): Promise<Buffer> {
  if (!contentType.startsWith('multipart/form-data')) return raw;
  const form = await new Request('http://upload.invalid/', {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: raw,
  }).formData();
  for (const value of form.values()) {
    if (typeof value !== 'string') return Buffer.from(await value.arrayBuffer());
  }
  return Buffer.alloc(0);
}

/** Starts the fake on 127.0.0.1 (free port). */
export async function startSlackFake(options: SlackFakeOptions = {}): Promise<SlackFake> {
  const botToken = options.botToken ?? 'xoxb-test-bot-token';
  const appToken = options.appToken ?? 'xapp-test-app-token';
  const botUserId = options.botUserId ?? 'UBOT0001';
  const botId = options.botId ?? 'BBOT0001';
  const teamId = options.teamId ?? 'T0TEAM001';
  const appId = options.appId ?? 'A0APP0001';
  const calls: SlackCall[] = [];
  const uploads: UploadedFile[] = [];
  const files = new Map<string, { bytes: Buffer; mimetype: string }>();
  const pendingUploads = new Map<string, { filename: string; length: number; bytes?: Buffer }>();
  const limits = new Map<string, { seconds: number; count: number }>();
  const waiters: Array<{ method: string; match: (c: SlackCall) => boolean; resolve: (c: SlackCall) => void }> = [];
  const sockets: WebSocket[] = [];
  const acks = new Map<string, (frame: Record<string, unknown>) => void>();
  const socketWaiters: Array<() => void> = [];
  const posted = new Map<string, PostedMessage>();
  let botTokenValid = true;
  let ts = 1_700_000_000;
  const nextTs = () => `${++ts}.000100`;
  let baseUrl = '';

  const respond = (method: string, args: Record<string, unknown>): Record<string, unknown> => {
    switch (method) {
      case 'auth.test':
        return {
          ok: true,
          url: 'https://hearth-test.slack.com/',
          team: 'Hearth Test',
          user: 'hearth',
          team_id: teamId,
          user_id: botUserId,
          bot_id: botId,
          is_enterprise_install: false,
        };
      case 'apps.connections.open':
        return { ok: true, url: `${baseUrl.replace('http', 'ws')}/link/?ticket=${randomUUID()}&app_id=${appId}` };
      case 'chat.postMessage': {
        if (!args.channel) return { ok: false, error: 'channel_not_found' };
        if (!args.text && !args.blocks && !args.attachments) return { ok: false, error: 'no_text' };
        const at = nextTs();
        posted.set(`${args.channel}/${at}`, {
          channel: String(args.channel),
          ts: at,
          thread_ts: args.thread_ts as string | undefined,
          text: args.text as string | undefined,
          blocks: args.blocks as PostedMessage['blocks'],
        });
        return {
          ok: true,
          channel: args.channel,
          ts: at,
          message: {
            type: 'message',
            bot_id: botId,
            user: botUserId,
            text: args.text,
            ts: at,
            thread_ts: args.thread_ts,
            blocks: args.blocks,
          },
        };
      }
      case 'chat.update': {
        const message = posted.get(`${args.channel}/${args.ts}`);
        if (!message) return { ok: false, error: 'message_not_found' };
        if (!args.text && !args.blocks && !args.attachments) return { ok: false, error: 'no_text' };
        // As documented: fields left out keep their value; `blocks: []` removes the blocks.
        if (args.text !== undefined) message.text = args.text as string;
        if (args.blocks !== undefined) message.blocks = args.blocks as PostedMessage['blocks'];
        return {
          ok: true,
          channel: args.channel,
          ts: args.ts,
          text: message.text,
          message: { text: message.text, user: botUserId, bot_id: botId, blocks: message.blocks },
        };
      }
      case 'files.getUploadURLExternal': {
        const length = Number(args.length);
        if (!args.filename || !Number.isFinite(length)) return { ok: false, error: 'invalid_arguments' };
        const fileId = `F${randomUUID().slice(0, 10).toUpperCase()}`;
        pendingUploads.set(fileId, { filename: String(args.filename), length });
        return { ok: true, upload_url: `${baseUrl}/upload/v1/${fileId}`, file_id: fileId };
      }
      case 'files.completeUploadExternal': {
        const list = (Array.isArray(args.files) ? args.files : []) as Array<{ id: string; title?: string }>;
        const done = [];
        for (const f of list) {
          const pending = pendingUploads.get(f.id);
          if (!pending?.bytes) return { ok: false, error: 'file_not_found' };
          uploads.push({
            fileId: f.id,
            filename: pending.filename,
            length: pending.length,
            bytes: pending.bytes,
            channelId: args.channel_id as string | undefined,
            threadTs: args.thread_ts as string | undefined,
          });
          done.push({ id: f.id, title: f.title ?? pending.filename });
        }
        return { ok: true, files: done };
      }
      default:
        return { ok: false, error: 'unknown_method' };
    }
  };

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', baseUrl);
    const raw = await readBody(req);
    const contentType = req.headers['content-type'] ?? '';
    const auth = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (url.pathname.startsWith('/files-pri/')) {
      const file = files.get(url.pathname.split('/')[2]);
      if (!file || auth !== botToken || !botTokenValid) {
        // Slack serves its login page, not a 401, to unauthenticated downloads.
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<html>Sign in to Slack</html>');
        return;
      }
      res.writeHead(200, { 'content-type': file.mimetype, 'content-length': file.bytes.length }).end(file.bytes);
      return;
    }
    if (url.pathname.startsWith('/upload/v1/')) {
      const pending = pendingUploads.get(url.pathname.split('/')[3]);
      if (!pending) return void res.writeHead(404).end();
      pending.bytes = await fileFromUpload(raw, contentType);
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`OK - ${pending.bytes.length}`);
      return;
    }
    if (!url.pathname.startsWith('/api/')) return void res.writeHead(404).end();
    const method = url.pathname.slice('/api/'.length);
    let args: Record<string, unknown>;
    try {
      args = parseArgs(raw, contentType);
    } catch {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ ok: false, error: 'invalid_json' }));
      return;
    }
    const token = auth ?? (typeof args.token === 'string' ? args.token : undefined);
    const call: SlackCall = { method, token, args, at: Date.now() };
    const limit = limits.get(method);
    if (limit && limit.count > 0) {
      limit.count--;
      calls.push({ ...call, method: `${method}#429` });
      res
        .writeHead(429, { 'retry-after': String(limit.seconds), 'content-type': 'application/json' })
        .end(JSON.stringify({ ok: false, error: 'ratelimited' }));
      return;
    }
    const needs = method === 'apps.connections.open' ? appToken : botToken;
    let body: Record<string, unknown>;
    if (!token) body = { ok: false, error: 'not_authed' };
    else if (token !== needs)
      body = { ok: false, error: method === 'apps.connections.open' ? 'not_allowed_token_type' : 'invalid_auth' };
    else if (!botTokenValid && needs === botToken) body = { ok: false, error: 'invalid_auth' };
    else body = respond(method, args);
    if (body.ok) {
      call.result = body;
      calls.push(call);
      for (const w of [...waiters]) {
        if (w.method === method && w.match(call)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(call);
        }
      }
    }
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
  });

  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    if (!(req.url ?? '').startsWith('/link/')) return void socket.destroy();
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.push(ws);
      ws.on('message', (data) => {
        const frame = JSON.parse(String(data)) as Record<string, unknown>;
        const resolve = acks.get(String(frame.envelope_id));
        if (resolve) {
          acks.delete(String(frame.envelope_id));
          resolve(frame);
        }
      });
      ws.on('close', () => sockets.splice(sockets.indexOf(ws), 1));
      ws.send(
        JSON.stringify({
          type: 'hello',
          num_connections: sockets.length,
          debug_info: { host: 'applink-fake-1', build_number: 1, approximate_connection_time: 18060 },
          connection_info: { app_id: appId },
        }),
      );
      for (const w of socketWaiters.splice(0)) w();
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    baseUrl,
    apiUrl: `${baseUrl}/api/`,
    calls,
    uploads,
    botUserId,
    teamId,
    appId,
    waitForCall(method, match = () => true, timeoutMs = 5000) {
      const found = calls.find((c) => c.method === method && match(c));
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const waiter = { method, match, resolve: (c: SlackCall) => (clearTimeout(timer), resolve(c)) };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(
            new Error(`no ${method} call within ${timeoutMs} ms; calls: ${calls.map((c) => c.method).join(', ')}`),
          );
        }, timeoutMs);
        waiters.push(waiter);
      });
    },
    rateLimit(method, seconds, count = 1) {
      limits.set(method, { seconds, count });
    },
    revokeBotToken() {
      botTokenValid = false;
    },
    hostFile(bytes, name, mimetype) {
      const id = `F${randomUUID().slice(0, 10).toUpperCase()}`;
      files.set(id, { bytes, mimetype });
      const url = `${baseUrl}/files-pri/${id}/${encodeURIComponent(name)}`;
      return {
        id,
        name,
        title: name,
        mimetype,
        filetype: name.split('.').pop() ?? 'binary',
        size: bytes.length,
        url_private: url,
        url_private_download: `${url}?download=1`,
      };
    },
    socketCount: () => sockets.length,
    waitForSocket(timeoutMs = 5000) {
      if (sockets.length > 0) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no Socket Mode connection')), timeoutMs);
        socketWaiters.push(() => (clearTimeout(timer), resolve()));
      });
    },
    sendEnvelope(type, payload, timeoutMs = 5000) {
      const ws = sockets[sockets.length - 1];
      if (!ws) return Promise.reject(new Error('no Socket Mode connection'));
      const envelopeId = randomUUID();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`envelope ${type} not acked`)), timeoutMs);
        acks.set(envelopeId, (frame) => (clearTimeout(timer), resolve(frame)));
        const envelope: Record<string, unknown> = {
          envelope_id: envelopeId,
          payload,
          type,
          accepts_response_payload: type === 'interactive',
        };
        if (type === 'events_api') Object.assign(envelope, { retry_attempt: 0, retry_reason: '' });
        ws.send(JSON.stringify(envelope));
      });
    },
    dropSockets() {
      for (const ws of [...sockets]) {
        ws.send(
          JSON.stringify({ type: 'disconnect', reason: 'refresh_requested', debug_info: { host: 'applink-fake-1' } }),
        );
        ws.close();
      }
    },
    message(channel, ts) {
      return posted.get(`${channel}/${ts}`);
    },
    blockActions(channel, ts, user, index = 0) {
      const message = posted.get(`${channel}/${ts}`);
      if (!message) throw new Error(`no bot message ${ts} in ${channel}`);
      const actions = (message.blocks ?? []).find((b) => b.type === 'actions') as
        | { block_id: string; elements: Array<{ action_id: string; text: unknown; value?: string; type: string }> }
        | undefined;
      const element = actions?.elements[index];
      if (!actions || !element) throw new Error(`message ${ts} has no button ${index}`);
      const actionTs = `${Math.floor(Date.now() / 1000)}.${String(Date.now() % 1000).padStart(3, '0')}100`;
      // Field for field as in Slack's block_actions reference (interaction payloads).
      return {
        type: 'block_actions',
        user: { id: user, username: user.toLowerCase(), name: user.toLowerCase(), team_id: teamId },
        api_app_id: appId,
        token: 'verification-token-unused',
        container: {
          type: 'message',
          message_ts: ts,
          channel_id: channel,
          is_ephemeral: false,
          ...(message.thread_ts ? { thread_ts: message.thread_ts } : {}),
        },
        trigger_id: `${Date.now()}.${teamId}.${randomUUID().replace(/-/g, '')}`,
        team: { id: teamId, domain: 'hearth-test' },
        enterprise: null,
        is_enterprise_install: false,
        channel: { id: channel, name: channel.startsWith('D') ? 'directmessage' : 'general' },
        message: {
          type: 'message',
          text: message.text,
          ts,
          ...(message.thread_ts ? { thread_ts: message.thread_ts } : {}),
          bot_id: botId,
          user: botUserId,
          team: teamId,
          blocks: message.blocks,
        },
        state: { values: {} },
        response_url: `${baseUrl}/actions/${teamId}/${randomUUID()}`,
        actions: [
          {
            action_id: element.action_id,
            block_id: actions.block_id,
            text: element.text,
            value: element.value,
            type: element.type,
            action_ts: actionTs,
          },
        ],
      };
    },
    eventCallback(event) {
      return {
        token: 'verification-token-unused',
        team_id: teamId,
        api_app_id: appId,
        event: { event_ts: event.ts, ...event },
        type: 'event_callback',
        event_id: `Ev${randomUUID().slice(0, 10).toUpperCase()}`,
        event_time: Math.floor(Date.now() / 1000),
        authorizations: [
          { enterprise_id: null, team_id: teamId, user_id: botUserId, is_bot: true, is_enterprise_install: false },
        ],
        is_ext_shared_channel: false,
        event_context: `4-${randomUUID()}`,
      };
    },
    async close() {
      for (const ws of sockets) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * The `slack:` section of a channels.yml for a Socket Mode channel against `fake` (the test tokens
 * the fake accepts); `streamEditIntervalMs` when the test watches answers being edited in.
 */
export function slackSocketChannels(fake: Pick<SlackFake, 'apiUrl'>, streamEditIntervalMs?: number): string {
  return [
    'slack:',
    '  mode: socket',
    '  botToken: xoxb-test-bot-token',
    '  appToken: xapp-test-app-token',
    `  apiUrl: ${fake.apiUrl}`,
    '  allowFrom: ["*"]',
    ...(streamEditIntervalMs !== undefined ? [`  streamEditIntervalMs: ${streamEditIntervalMs}`] : []),
    '',
  ].join('\n');
}
