/**
 * A protocol-faithful fake of Discord (API v10, https://discord.com/developers/docs) for tests:
 * REST under `/api/v10` (GET /gateway/bot, channel messages create/edit, typing, own reactions,
 * a CDN path for attachments, 429s with Discord's rate-limit headers) and a Gateway WebSocket
 * that speaks the documented opcodes: HELLO (10) → IDENTIFY (2) → READY + GUILD_CREATE,
 * HEARTBEAT (1) → HEARTBEAT_ACK (11), RESUME (6) → replay + RESUMED, INVALID_SESSION (9).
 * Payload shapes were checked field for field against Discord's own documentation
 * (discord/discord-api-docs: events/gateway-events — Hello, Ready, Resumed, Invalid Session,
 * Guild Create, Message Create with its extra fields incl. `channel_type`; events/gateway —
 * Heartbeat ACK `{op: 11}`; resources/guild, message, user; topics/permissions role `colors`;
 * topics/rate-limits for the 429). READY carries only the documented fields.
 * Message components: action rows of buttons on messages (components/reference limits: 5 a row,
 * custom_id ≤ 100, label ≤ 80), a press as INTERACTION_CREATE (interactions/receiving-and-responding:
 * the Interaction object, type 3, `data.custom_id` + `component_type` 2, `member` in a guild, `user`
 * in a DM, the message), and the callback `POST /interactions/<id>/<token>/callback` (no bot token;
 * types 4, 6, 7; 204 unless `with_response`; answered once, 10062 / 40060 otherwise).
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { parseMultipart } from './multipart.js';

export interface DiscordCall {
  method: string;
  path: string;
  /** When the request arrived (ms since the epoch), to check waits such as retry_after. */
  at: number;
  body: Record<string, unknown>;
  files: Array<{ field: string; fileName: string; bytes: Buffer; contentType?: string }>;
}

interface Dispatch {
  op: 0;
  s: number;
  t: string;
  d: unknown;
}

interface Session {
  id: string;
  seq: number;
  events: Dispatch[];
  socket?: WebSocket;
}

let snowflakeCounter = 0n;
/** A snowflake-shaped id (timestamp since the Discord epoch << 22, plus a counter). */
export function snowflake(): string {
  return (((BigInt(Date.now()) - 1420070400000n) << 22n) | (snowflakeCounter++ & 0xfffn)).toString();
}

export interface FakeUser {
  id: string;
  username: string;
  global_name?: string | null;
  bot?: boolean;
}

function apiUser(u: FakeUser): Record<string, unknown> {
  return {
    id: u.id,
    username: u.username,
    discriminator: '0',
    global_name: u.global_name ?? null,
    avatar: null,
    ...(u.bot ? { bot: true } : {}),
  };
}

/** One press the bot was sent, and how (if at all) it was answered. */
export interface FakeInteraction {
  id: string;
  token: string;
  messageId: string;
  user: FakeUser;
  /** The interaction response type it was answered with (4, 6, 7…), once answered. */
  responseType?: number;
  /** The response's `data` (content, components, flags). */
  response?: Record<string, unknown>;
}

/** Why a `components` field is invalid, per Discord's component limits; undefined when valid. */
function componentsProblem(components: unknown): string | undefined {
  if (!Array.isArray(components)) return 'components is not an array';
  if (components.length > 5) return 'at most 5 action rows';
  for (const row of components as Array<Record<string, unknown>>) {
    if (row?.type !== 1 || !Array.isArray(row.components)) return 'a top-level component is not an action row';
    if (row.components.length < 1 || row.components.length > 5) return 'an action row holds 1 to 5 buttons';
    for (const b of row.components as Array<Record<string, unknown>>) {
      if (b?.type !== 2) return 'a component is not a button';
      if (typeof b.style !== 'number' || b.style < 1 || b.style > 6) return 'button style is invalid';
      if (b.style !== 5 && (typeof b.custom_id !== 'string' || b.custom_id.length < 1 || b.custom_id.length > 100))
        return 'custom_id must be 1 to 100 characters';
      if (typeof b.label === 'string' && b.label.length > 80) return 'label must be 80 or fewer in length';
    }
  }
  return undefined;
}

export class DiscordFake {
  readonly token = `${Buffer.from(snowflake()).toString('base64')}.fake.${randomBytes(8).toString('hex')}`;
  readonly bot: FakeUser = { id: snowflake(), username: 'hearth', bot: true };
  readonly applicationId = snowflake();
  readonly guild = { id: snowflake(), name: 'Test Guild' };
  readonly textChannel = { id: snowflake(), name: 'general' };
  readonly thread = { id: snowflake(), name: 'a-thread' };
  readonly calls: DiscordCall[] = [];
  /** Messages the bot created, as they stand now (edits applied). */
  readonly botMessages = new Map<string, Record<string, unknown>>();
  readonly gatewayLog: Array<{ dir: 'in' | 'out'; op: number; t?: string | null }> = [];
  /** Button presses dispatched, by interaction id, with their responses. */
  readonly interactions = new Map<string, FakeInteraction>();
  heartbeatIntervalMs = 1000;
  baseUrl = '';
  gatewayUrl = '';
  identifies = 0;
  resumes = 0;

  private readonly server = createServer((req, res) => void this.route(req, res));
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly sockets = new Set<Socket>();
  private readonly sessions = new Map<string, Session>();
  private readonly failures: Array<{ match: RegExp; status: number; retryAfter: number; remaining: number }> = [];
  private readonly cdn = new Map<string, { bytes: Buffer; contentType: string }>();
  private readonly dmChannels = new Map<string, string>();

  constructor() {
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.server.on('upgrade', (req, socket, head) =>
      this.wss.handleUpgrade(req, socket, head, (ws) => this.onGateway(ws, req)),
    );
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const port = (this.server.address() as AddressInfo).port;
    this.baseUrl = `http://127.0.0.1:${port}/api`;
    this.gatewayUrl = `ws://127.0.0.1:${port}`;
  }

  async close(): Promise<void> {
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Makes the next `times` REST calls whose "METHOD path" matches answer 429. */
  rateLimitNext(match: RegExp, retryAfterSeconds: number, times = 1): void {
    this.failures.push({ match, status: 429, retryAfter: retryAfterSeconds, remaining: times });
  }

  /** Closes every Gateway connection abnormally (like a network drop); sessions stay resumable. */
  dropGateway(): void {
    for (const ws of this.wss.clients) ws.terminate();
  }

  /**
   * Forgets every session and drops the connections: the client's RESUME is refused with
   * INVALID_SESSION (op 9, `d: false`), and it must IDENTIFY again.
   */
  invalidateSessions(): void {
    this.sessions.clear();
    this.dropGateway();
  }

  /** Serves bytes on the fake CDN; returns the URL to put in an attachment. */
  addCdnFile(name: string, bytes: Buffer, contentType: string): string {
    const path = `/attachments/${snowflake()}/${name}`;
    this.cdn.set(path, { bytes, contentType });
    return `${this.baseUrl.replace(/\/api$/, '')}${path}`;
  }

  /** The DM channel id between the bot and a user (created on first use). */
  dmChannelId(userId: string): string {
    let id = this.dmChannels.get(userId);
    if (!id) this.dmChannels.set(userId, (id = snowflake()));
    return id;
  }

  /** A user posts a message: dispatches MESSAGE_CREATE with the documented Message object. */
  userMessage(opts: {
    author: FakeUser;
    content: string;
    where: 'guild' | 'thread' | 'dm';
    mentionBot?: boolean;
    attachments?: Array<{ filename: string; url: string; size: number; content_type: string }>;
    replyTo?: { id: string; author: FakeUser };
  }): Record<string, unknown> {
    const channelId =
      opts.where === 'dm'
        ? this.dmChannelId(opts.author.id)
        : opts.where === 'thread'
          ? this.thread.id
          : this.textChannel.id;
    const content = opts.mentionBot ? `<@${this.bot.id}> ${opts.content}` : opts.content;
    const message: Record<string, unknown> = {
      id: snowflake(),
      channel_id: channelId,
      // MESSAGE_CREATE extra field: the channel's type (1 = DM, 0 = guild text, 11 = public thread).
      channel_type: opts.where === 'dm' ? 1 : opts.where === 'thread' ? 11 : 0,
      author: apiUser(opts.author),
      content,
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      tts: false,
      mention_everyone: false,
      mentions: [
        ...(opts.mentionBot ? [apiUser(this.bot)] : []),
        ...(opts.replyTo ? [apiUser(opts.replyTo.author)] : []),
      ],
      mention_roles: [],
      attachments: (opts.attachments ?? []).map((a) => ({
        id: snowflake(),
        filename: a.filename,
        size: a.size,
        url: a.url,
        proxy_url: a.url,
        content_type: a.content_type,
      })),
      embeds: [],
      pinned: false,
      type: opts.replyTo ? 19 : 0,
      flags: 0,
      components: [],
      ...(opts.replyTo
        ? {
            message_reference: {
              type: 0,
              message_id: opts.replyTo.id,
              channel_id: channelId,
              ...(opts.where !== 'dm' ? { guild_id: this.guild.id } : {}),
            },
            referenced_message: {
              id: opts.replyTo.id,
              channel_id: channelId,
              author: apiUser(opts.replyTo.author),
              content: '',
              timestamp: new Date().toISOString(),
              edited_timestamp: null,
              tts: false,
              mention_everyone: false,
              mentions: [],
              mention_roles: [],
              attachments: [],
              embeds: [],
              pinned: false,
              type: 0,
            },
          }
        : {}),
      ...(opts.where !== 'dm'
        ? {
            guild_id: this.guild.id,
            member: { roles: [], joined_at: new Date().toISOString(), deaf: false, mute: false, flags: 0 },
          }
        : {}),
    };
    this.dispatch('MESSAGE_CREATE', message);
    return message;
  }

  /**
   * A user presses a button under one of the bot's messages: dispatches INTERACTION_CREATE with
   * the documented Interaction object (type 3, MESSAGE_COMPONENT). Throws when the message has no
   * such button (a client could not press it). Resolves to the interaction, answered or not.
   */
  pressButton(opts: { messageId: string; user: FakeUser; button: string }): FakeInteraction {
    const message = this.botMessages.get(opts.messageId);
    if (!message) throw new Error(`no bot message ${opts.messageId}`);
    const rows = (message.components ?? []) as Array<{ components: Array<Record<string, unknown>> }>;
    const button = rows
      .flatMap((r) => r.components)
      .find((b) => b.label === opts.button || b.custom_id === opts.button);
    if (!button) throw new Error(`message ${opts.messageId} has no button ${opts.button}`);
    const channelId = String(message.channel_id);
    const where = channelId === this.thread.id ? 'thread' : channelId === this.textChannel.id ? 'guild' : 'dm';
    const interaction: FakeInteraction = {
      id: snowflake(),
      token: `aW50ZXJhY3Rpb246${randomBytes(24).toString('base64url')}`,
      messageId: opts.messageId,
      user: opts.user,
    };
    this.interactions.set(interaction.id, interaction);
    const now = new Date().toISOString();
    const channel =
      where === 'dm'
        ? { id: channelId, type: 1, last_message_id: opts.messageId, flags: 0, recipients: [apiUser(opts.user)] }
        : where === 'thread'
          ? {
              id: channelId,
              type: 11,
              guild_id: this.guild.id,
              parent_id: this.textChannel.id,
              name: this.thread.name,
              flags: 0,
              thread_metadata: { archived: false, auto_archive_duration: 1440, archive_timestamp: now, locked: false },
            }
          : { id: channelId, type: 0, guild_id: this.guild.id, name: this.textChannel.name, flags: 0, nsfw: false };
    this.dispatch('INTERACTION_CREATE', {
      id: interaction.id,
      application_id: this.applicationId,
      type: 3,
      data: { custom_id: button.custom_id, component_type: 2 },
      channel,
      channel_id: channelId,
      ...(where === 'dm'
        ? { user: apiUser(opts.user), context: 1, authorizing_integration_owners: { '1': opts.user.id } }
        : {
            guild: { id: this.guild.id, locale: 'en-US', features: [] },
            guild_id: this.guild.id,
            guild_locale: 'en-US',
            member: {
              user: apiUser(opts.user),
              roles: [],
              joined_at: now,
              deaf: false,
              mute: false,
              flags: 0,
              permissions: '2248473465835073',
            },
            context: 0,
            authorizing_integration_owners: { '0': this.guild.id },
          }),
      token: interaction.token,
      version: 1,
      message,
      app_permissions: '2248473465835073',
      locale: 'en-US',
      entitlements: [],
      attachment_size_limit: 10_485_760,
    });
    return interaction;
  }

  /** Resolves once the interaction was answered (its callback came). */
  async waitForResponse(interaction: FakeInteraction, timeoutMs = 5000): Promise<FakeInteraction> {
    const deadline = Date.now() + timeoutMs;
    while (interaction.responseType === undefined) {
      if (Date.now() > deadline) throw new Error(`interaction ${interaction.id} was never answered`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return interaction;
  }

  /** Sends a raw dispatch to every session (for malformed-payload tests too). */
  dispatch(t: string, d: unknown): void {
    for (const session of this.sessions.values()) {
      const event: Dispatch = { op: 0, s: ++session.seq, t, d };
      session.events.push(event);
      if (session.socket?.readyState === 1) this.send(session.socket, { ...event });
    }
  }

  async waitForCall(test: (c: DiscordCall) => boolean, timeoutMs = 5000, from = 0): Promise<DiscordCall> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.calls.slice(from).find(test);
      if (found) return found;
      if (Date.now() > deadline)
        throw new Error(`timed out; calls: ${this.calls.map((c) => `${c.method} ${c.path}`).join(', ')}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  private send(ws: WebSocket, payload: Record<string, unknown>): void {
    this.gatewayLog.push({ dir: 'out', op: payload.op as number, t: (payload.t as string | null | undefined) ?? null });
    ws.send(JSON.stringify({ s: null, t: null, ...payload }));
  }

  private onGateway(ws: WebSocket, req: IncomingMessage): void {
    const url = new URL(req.url ?? '/', 'http://fake');
    if (url.searchParams.get('v') !== '10' || url.searchParams.get('encoding') !== 'json') {
      ws.close(4012, 'Invalid API version');
      return;
    }
    let session: Session | undefined;
    this.send(ws, { op: 10, d: { heartbeat_interval: this.heartbeatIntervalMs } });
    ws.on('message', (raw) => {
      let payload: { op: number; d: Record<string, unknown> | null };
      try {
        payload = JSON.parse(String(raw)) as typeof payload;
      } catch {
        ws.close(4002, 'Decode error');
        return;
      }
      this.gatewayLog.push({ dir: 'in', op: payload.op });
      switch (payload.op) {
        case 1:
          this.send(ws, { op: 11 });
          return;
        case 2: {
          const d = payload.d ?? {};
          if (d.token !== this.token) return ws.close(4004, 'Authentication failed');
          if (typeof d.intents !== 'number') return ws.close(4013, 'Invalid intent(s)');
          this.identifies++;
          session = { id: randomBytes(16).toString('hex'), seq: 0, events: [], socket: ws };
          this.sessions.set(session.id, session);
          this.sendReady(session, Array.isArray(d.shard) ? d.shard : undefined);
          return;
        }
        case 6: {
          const d = payload.d ?? {};
          const known = this.sessions.get(String(d.session_id));
          if (d.token !== this.token || !known) {
            this.send(ws, { op: 9, d: false });
            return;
          }
          this.resumes++;
          session = known;
          session.socket = ws;
          for (const event of session.events.filter((e) => e.s > Number(d.seq ?? 0))) this.send(ws, { ...event });
          const resumed: Dispatch = { op: 0, s: ++session.seq, t: 'RESUMED', d: {} };
          session.events.push(resumed);
          this.send(ws, { ...resumed });
          return;
        }
        default:
          return;
      }
    });
  }

  private sendReady(session: Session, shard: unknown): void {
    // Exactly the documented Ready fields (gateway-events#ready); `shard` only when IDENTIFY sent one.
    const ready = {
      v: 10,
      user: { ...apiUser(this.bot), verified: true, mfa_enabled: false, email: null, flags: 0 },
      guilds: [{ id: this.guild.id, unavailable: true }],
      session_id: session.id,
      resume_gateway_url: this.gatewayUrl,
      ...(shard ? { shard } : {}),
      application: { id: this.applicationId, flags: 0 },
    };
    this.dispatchTo(session, 'READY', ready);
    const now = new Date().toISOString();
    this.dispatchTo(session, 'GUILD_CREATE', {
      id: this.guild.id,
      name: this.guild.name,
      icon: null,
      splash: null,
      discovery_splash: null,
      owner_id: snowflake(),
      afk_channel_id: null,
      afk_timeout: 300,
      verification_level: 0,
      default_message_notifications: 0,
      explicit_content_filter: 0,
      roles: [
        {
          id: this.guild.id,
          name: '@everyone',
          color: 0,
          colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
          hoist: false,
          position: 0,
          permissions: '68608',
          managed: false,
          mentionable: false,
          flags: 0,
        },
      ],
      emojis: [],
      features: [],
      mfa_level: 0,
      application_id: null,
      system_channel_id: null,
      system_channel_flags: 0,
      rules_channel_id: null,
      vanity_url_code: null,
      description: null,
      banner: null,
      premium_tier: 0,
      preferred_locale: 'en-US',
      public_updates_channel_id: null,
      nsfw_level: 0,
      stickers: [],
      premium_progress_bar_enabled: false,
      safety_alerts_channel_id: null,
      incidents_data: null,
      joined_at: now,
      large: false,
      unavailable: false,
      member_count: 2,
      voice_states: [],
      members: [{ user: apiUser(this.bot), roles: [], joined_at: now, deaf: false, mute: false, flags: 0 }],
      channels: [
        {
          id: this.textChannel.id,
          type: 0,
          guild_id: this.guild.id,
          name: this.textChannel.name,
          position: 0,
          permission_overwrites: [],
          nsfw: false,
          parent_id: null,
          topic: null,
          last_message_id: null,
          rate_limit_per_user: 0,
        },
      ],
      threads: [
        {
          id: this.thread.id,
          type: 11,
          guild_id: this.guild.id,
          parent_id: this.textChannel.id,
          name: this.thread.name,
          owner_id: snowflake(),
          message_count: 0,
          member_count: 1,
          last_message_id: null,
          rate_limit_per_user: 0,
          thread_metadata: { archived: false, auto_archive_duration: 1440, archive_timestamp: now, locked: false },
        },
      ],
      presences: [],
      stage_instances: [],
      guild_scheduled_events: [],
      soundboard_sounds: [],
    });
  }

  private dispatchTo(session: Session, t: string, d: unknown): void {
    const event: Dispatch = { op: 0, s: ++session.seq, t, d };
    session.events.push(event);
    if (session.socket?.readyState === 1) this.send(session.socket, { ...event });
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    if (req.method === 'GET' && this.cdn.has(url.pathname)) {
      const file = this.cdn.get(url.pathname)!;
      res.writeHead(200, { 'content-type': file.contentType, 'content-length': file.bytes.length }).end(file.bytes);
      return;
    }
    const path = url.pathname.replace(/^\/api\/v10/, '');
    if (path === url.pathname) return this.json(res, 404, { message: '404: Not Found', code: 0 });
    const callback = /^\/interactions\/(\d+)\/([^/]+)\/callback$/.exec(path);
    // Interaction callbacks are authorized by the interaction's token, not the bot token.
    if (req.method === 'POST' && callback) return this.interactionCallback(callback[1], callback[2], url, req, res);
    if (req.headers.authorization !== `Bot ${this.token}`)
      return this.json(res, 401, { message: '401: Unauthorized', code: 0 });
    const at = Date.now();
    const call = { method: req.method ?? 'GET', path, at, ...(await readBody(req)) };
    this.calls.push(call);
    const failure = this.failures.find((f) => f.remaining > 0 && f.match.test(`${call.method} ${path}`));
    if (failure) {
      failure.remaining--;
      res.writeHead(429, {
        'content-type': 'application/json',
        'retry-after': String(failure.retryAfter),
        'x-ratelimit-limit': '5',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': String(Date.now() / 1000 + failure.retryAfter),
        'x-ratelimit-reset-after': String(failure.retryAfter),
        'x-ratelimit-bucket': 'fakebucket',
        'x-ratelimit-scope': 'user',
      });
      res.end(
        JSON.stringify({ message: 'You are being rate limited.', retry_after: failure.retryAfter, global: false }),
      );
      return;
    }
    const rateHeaders = {
      'x-ratelimit-limit': '5',
      'x-ratelimit-remaining': '4',
      'x-ratelimit-reset': String(Date.now() / 1000 + 1),
      'x-ratelimit-reset-after': '1',
      'x-ratelimit-bucket': 'fakebucket',
    };
    let m: RegExpExecArray | null;
    if (req.method === 'GET' && path === '/gateway/bot') {
      return this.json(
        res,
        200,
        {
          url: this.gatewayUrl,
          shards: 1,
          session_start_limit: { total: 1000, remaining: 999, reset_after: 14_400_000, max_concurrency: 1 },
        },
        rateHeaders,
      );
    }
    if (req.method === 'POST' && /^\/channels\/(\d+)\/typing$/.test(path)) return this.empty(res, rateHeaders);
    if (req.method === 'PUT' && /^\/channels\/(\d+)\/messages\/(\d+)\/reactions\/([^/]+)\/@me$/.test(path))
      return this.empty(res, rateHeaders);
    if (req.method === 'POST' && (m = /^\/channels\/(\d+)\/messages$/.exec(path))) {
      const content = typeof call.body.content === 'string' ? call.body.content : '';
      if (content.length > 2000)
        return this.json(res, 400, {
          message: 'Invalid Form Body',
          code: 50035,
          errors: {
            content: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 2000 or fewer in length.' }] },
          },
        });
      if (!content && !call.body.embeds && call.files.length === 0)
        return this.json(res, 400, { message: 'Cannot send an empty message', code: 50006 });
      if (call.body.components !== undefined && componentsProblem(call.body.components))
        return this.json(res, 400, {
          message: 'Invalid Form Body',
          code: 50035,
          errors: {
            components: { _errors: [{ code: 'COMPONENT_INVALID', message: componentsProblem(call.body.components) }] },
          },
        });
      const message = this.botMessage(m[1], call);
      return this.json(res, 200, message, rateHeaders);
    }
    if (req.method === 'PATCH' && (m = /^\/channels\/(\d+)\/messages\/(\d+)$/.exec(path))) {
      const current = this.botMessages.get(m[2]);
      if (!current) return this.json(res, 404, { message: 'Unknown Message', code: 10008 });
      if (typeof call.body.content === 'string' && call.body.content.length > 2000)
        return this.json(res, 400, { message: 'Invalid Form Body', code: 50035 });
      if (call.body.components !== undefined && componentsProblem(call.body.components))
        return this.json(res, 400, { message: 'Invalid Form Body', code: 50035 });
      // Fields left out of an edit keep their value (components included).
      const edited = {
        ...current,
        ...(call.body.content !== undefined ? { content: call.body.content } : {}),
        ...(call.body.components !== undefined ? { components: call.body.components } : {}),
        edited_timestamp: new Date().toISOString(),
      };
      this.botMessages.set(m[2], edited);
      return this.json(res, 200, edited, rateHeaders);
    }
    return this.json(res, 404, { message: '404: Not Found', code: 0 });
  }

  /** `POST /interactions/<id>/<token>/callback`: answers a press once (types 4, 6 and 7 are what buttons get). */
  private async interactionCallback(
    id: string,
    token: string,
    url: URL,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    const { body } = await readBody(req);
    this.calls.push({ method: 'POST', path: `/interactions/${id}/${token}/callback`, at: Date.now(), body, files: [] });
    const interaction = this.interactions.get(id);
    if (!interaction || interaction.token !== token)
      return this.json(res, 404, { message: 'Unknown interaction', code: 10062 });
    if (interaction.responseType !== undefined)
      return this.json(res, 400, { message: 'Interaction has already been acknowledged.', code: 40060 });
    const type = Number(body.type);
    const data = (body.data ?? {}) as Record<string, unknown>;
    if (![4, 5, 6, 7].includes(type)) return this.json(res, 400, { message: 'Invalid Form Body', code: 50035 });
    if (data.components !== undefined && componentsProblem(data.components))
      return this.json(res, 400, { message: 'Invalid Form Body', code: 50035 });
    if (type === 4 && !data.content && !data.embeds)
      return this.json(res, 400, { message: 'Cannot send an empty message', code: 50006 });
    interaction.responseType = type;
    interaction.response = data;
    if (type === 7) {
      const current = this.botMessages.get(interaction.messageId)!;
      this.botMessages.set(interaction.messageId, {
        ...current,
        ...(data.content !== undefined ? { content: data.content } : {}),
        ...(data.components !== undefined ? { components: data.components } : {}),
        edited_timestamp: new Date().toISOString(),
      });
    }
    if (url.searchParams.get('with_response') !== 'true') {
      res.writeHead(204).end();
      return;
    }
    return this.json(res, 200, {
      interaction: {
        id,
        type: 3,
        activity_instance_id: null,
        response_message_id: null,
        response_message_loading: false,
        response_message_ephemeral: false,
      },
    });
  }

  private botMessage(channelId: string, call: DiscordCall): Record<string, unknown> {
    const id = snowflake();
    const message = {
      id,
      channel_id: channelId,
      author: apiUser(this.bot),
      content: call.body.content ?? '',
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      tts: false,
      mention_everyone: false,
      mentions: [],
      mention_roles: [],
      attachments: call.files.map((f) => {
        const url = this.addCdnFile(f.fileName, f.bytes, f.contentType ?? 'application/octet-stream');
        return {
          id: snowflake(),
          filename: f.fileName,
          size: f.bytes.length,
          url,
          proxy_url: url,
          ...(f.contentType ? { content_type: f.contentType } : {}),
        };
      }),
      embeds: call.body.embeds ?? [],
      components: call.body.components ?? [],
      pinned: false,
      type: call.body.message_reference ? 19 : 0,
      ...(call.body.message_reference ? { message_reference: call.body.message_reference } : {}),
    };
    this.botMessages.set(id, message);
    return message;
  }

  private json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
  }

  private empty(res: ServerResponse, headers: Record<string, string>): void {
    res.writeHead(204, headers).end();
  }
}

/** Reads a JSON or multipart (payload_json + files[n]) request body. */
async function readBody(req: IncomingMessage): Promise<Pick<DiscordCall, 'body' | 'files'>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks);
  const type = req.headers['content-type'] ?? '';
  if (raw.length === 0) return { body: {}, files: [] };
  if (type.startsWith('application/json'))
    return { body: JSON.parse(raw.toString('utf8')) as Record<string, unknown>, files: [] };
  if (type.startsWith('multipart/form-data')) {
    let body: Record<string, unknown> = {};
    const files: DiscordCall['files'] = [];
    for (const part of parseMultipart(raw, type)) {
      if (part.name === 'payload_json') body = JSON.parse(part.body.toString('utf8')) as Record<string, unknown>;
      else if (part.fileName !== undefined)
        files.push({ field: part.name, fileName: part.fileName, bytes: part.body, contentType: part.contentType });
    }
    return { body, files };
  }
  return { body: {}, files: [] };
}

/** Starts the fake on 127.0.0.1 (free port). Point the channel's `apiBase` at `fake.baseUrl`. */
export async function startDiscordFake(): Promise<DiscordFake> {
  const fake = new DiscordFake();
  await fake.listen();
  return fake;
}
