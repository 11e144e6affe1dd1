/**
 * The Slack channel, on @slack/bolt. Socket Mode (a WebSocket opened via `apps.connections.open`)
 * or the Events API (signed POSTs to /webhooks/slack). Listens to `message` (message.im,
 * message.channels…), `app_mention` and button clicks; answers stream in by `chat.update`.
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { App, SocketModeReceiver, webApi, type Receiver, type types } from '@slack/bolt';
import type { Channel, ChannelContext, ChannelStatus } from '../../core/channel.js';
import type { Message, ReplyEvent, ReplyTarget } from '../../core/message.js';
import { ErrorCode, HearthError } from '../../core/errors.js';
import type { ChannelDeps } from '../deps.js';
import type { SlackConfig } from './config.js';
import { Backoff, sleep } from '../shared/backoff.js';
import { StatusReporter } from '../shared/status.js';
import { boltLogger } from './bolt-logger.js';
import { blocksAfterChoice } from './button-choice.js';
import { storeSlackFile } from './files.js';
import { FastifySlackReceiver } from './http-receiver.js';
import {
  messageFromAction,
  messageFromEvent,
  type SlackBlockActions,
  type SlackFile,
  type SlackMessageEvent,
  type SlackSelf,
} from './inbound.js';
import { BUTTON_ACTION_PREFIX, SlackReplies, slackErrorText } from './replies.js';

/** Slack errors no retry can fix: the channel goes to `failed`. */
const FATAL_ERRORS = new Set([
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'not_allowed_token_type',
]);

/** How long a message id is remembered to answer a mention (sent as `message` and `app_mention`) once. */
const SEEN_TTL_MS = 10 * 60_000;

/** Creates the Slack channel from its channels.yml section. */
export function createChannel(config: SlackConfig, deps: ChannelDeps): Channel {
  return new SlackChannel(config, deps.log.child({ channel: 'slack' }));
}

export class SlackChannel implements Channel {
  readonly name = 'slack';
  private readonly statusReporter: StatusReporter;
  private readonly backoff: Backoff;
  private stopping = new AbortController();
  private ctx: ChannelContext | undefined;
  private bolt: App | undefined;
  private self: SlackSelf | undefined;
  private socketClient: SocketModeReceiver['client'] | undefined;
  private readonly httpReceiver: FastifySlackReceiver | undefined;
  private readonly web: InstanceType<typeof webApi.WebClient>;
  private readonly replies: SlackReplies;
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly config: SlackConfig,
    private readonly log: Logger,
  ) {
    this.statusReporter = new StatusReporter(log, 'slack');
    this.backoff = new Backoff(config.reconnect.initialDelayMs, config.reconnect.maxDelayMs);
    this.web = new webApi.WebClient(config.botToken, {
      slackApiUrl: config.apiUrl,
      logger: boltLogger(log),
      retryConfig: { retries: 3, factor: 2, minTimeout: 200, maxTimeout: 2000 },
    });
    if (config.mode === 'events' && config.signingSecret) {
      this.httpReceiver = new FastifySlackReceiver(config.signingSecret, config.replayWindowSeconds, log);
    }
    this.replies = new SlackReplies(
      () => this.web,
      () => this.ctx?.blobs,
      log,
      config.streamEditIntervalMs,
    );
  }

  routes(app: FastifyInstance): void {
    this.httpReceiver?.routes(app);
  }

  async start(ctx: ChannelContext): Promise<void> {
    this.ctx = ctx;
    this.stopping = new AbortController();
    this.setState('connecting');
    // Connecting runs in the background: a Slack outage must not hold up the gateway's start.
    void this.connectWithBackoff(this.stopping.signal);
  }

  async deliver(target: ReplyTarget, event: ReplyEvent): Promise<void> {
    await this.replies.deliver(target, event);
  }

  status(): ChannelStatus {
    return this.statusReporter.get();
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    this.replies.close();
    const bolt = this.bolt;
    this.bolt = undefined;
    quietCloseHandshake(this.socketClient);
    if (bolt)
      await bolt.stop().catch((error: unknown) => this.log.debug({ err: slackErrorText(error) }, 'slack: stop'));
    this.setState('stopped');
  }

  /** Drops the connection and connects again (an admin's Reconnect); reply delivery stays open. */
  async reconnect(): Promise<void> {
    if (!this.ctx) throw new HearthError(ErrorCode.channel, 'the slack channel has not started', 409);
    this.stopping.abort();
    const bolt = this.bolt;
    this.bolt = undefined;
    quietCloseHandshake(this.socketClient);
    if (bolt)
      await bolt.stop().catch((error: unknown) => this.log.debug({ err: slackErrorText(error) }, 'slack: stop'));
    this.backoff.reset();
    this.stopping = new AbortController();
    this.setState('connecting', 'reconnecting (requested by an admin)');
    void this.connectWithBackoff(this.stopping.signal);
  }

  /**
   * Connects, retrying with exponential backoff until it works, the channel stops, or Slack
   * answers with an error no retry can fix (revoked token…), which leaves the channel `failed`.
   * Never throws.
   */
  private async connectWithBackoff(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.connect(signal);
        this.backoff.reset();
        return;
      } catch (error) {
        if (signal.aborted) return;
        const reason = slackErrorText(error);
        if (FATAL_ERRORS.has(reason)) {
          this.setState('failed', reason);
          this.log.error({ code: ErrorCode.channel, reason }, 'slack: connect failed for good; check the tokens');
          return;
        }
        const delayMs = this.backoff.next();
        this.setState('backing-off', reason);
        this.log.warn({ code: ErrorCode.channel, reason, delayMs }, 'slack: connect failed; retrying');
        await sleep(delayMs, signal);
      }
    }
  }

  private async connect(signal: AbortSignal): Promise<void> {
    // While retrying, the state stays backing-off (with the last reason) until a connect works.
    if (this.statusReporter.get().state !== 'backing-off') this.setState('connecting');
    const auth = await this.web.auth.test();
    if (!auth.user_id) throw new Error('auth.test returned no user_id');
    this.self = { userId: auth.user_id, botId: auth.bot_id };
    const receiver = this.httpReceiver ?? this.socketReceiver();
    const bolt = new App({
      token: this.config.botToken,
      botId: auth.bot_id,
      botUserId: auth.user_id,
      tokenVerificationEnabled: false,
      receiver,
      logger: boltLogger(this.log),
      clientOptions: { slackApiUrl: this.config.apiUrl },
    });
    this.listen(bolt);
    try {
      await bolt.start();
    } catch (error) {
      await bolt.stop().catch(() => {});
      throw error;
    }
    if (signal.aborted) {
      // stop() ran while we were connecting: it could not see this app, so close it here.
      quietCloseHandshake(this.socketClient);
      await bolt.stop().catch(() => {});
      return;
    }
    this.bolt = bolt;
    this.setState('ready');
    this.log.info({ mode: this.config.mode, botUserId: auth.user_id }, 'slack: connected');
  }

  /**
   * Socket Mode: the API URL must be given in `installerOptions.clientOptions` too, or
   * `apps.connections.open` goes to the real Slack. Retries of that call are ours (backoff loop),
   * so the client's own 100-retry default is turned off.
   */
  private socketReceiver(): Receiver {
    const receiver = new SocketModeReceiver({
      appToken: this.config.appToken ?? '',
      logger: boltLogger(this.log),
      installerOptions: { clientOptions: { slackApiUrl: this.config.apiUrl, retryConfig: { retries: 0 } } },
      autoReconnectEnabled: true,
      // The client waits this long for a pong, and this long times the failure count before reconnecting.
      clientPingTimeout: Math.min(5000, Math.max(1000, this.config.reconnect.initialDelayMs)),
    });
    this.socketClient = receiver.client;
    receiver.client.on('connected', () => {
      if (!this.stopping.signal.aborted) this.setState('ready');
    });
    receiver.client.on('reconnecting', () => {
      this.setState('backing-off', 'socket closed; reconnecting');
      this.log.warn({ code: ErrorCode.channel }, 'slack: socket closed; reconnecting');
    });
    return receiver;
  }

  private listen(bolt: App): void {
    bolt.event('message', async ({ event }) => this.onEvent(event as unknown as SlackMessageEvent));
    bolt.event('app_mention', async ({ event }) => this.onEvent(event as unknown as SlackMessageEvent));
    bolt.action(new RegExp(`^${BUTTON_ACTION_PREFIX}`), async ({ ack, body }) => {
      await ack();
      const payload = body as unknown as SlackBlockActions;
      const message = messageFromAction(this.name, payload);
      if ('skip' in message) {
        this.log.warn({ code: ErrorCode.badRequest, reason: message.skip }, 'slack: malformed action skipped');
        return;
      }
      await this.showChoice(payload, message);
      await this.hand(message);
    });
    bolt.error(async (error) => {
      this.log.warn({ code: ErrorCode.channel, err: slackErrorText(error) }, 'slack: event handler error');
    });
  }

  /** Replaces the clicked message's buttons by "✅ @user chose X" (chat.update). A failure is only logged. */
  private async showChoice(payload: SlackBlockActions, click: Message): Promise<void> {
    if (payload.container?.is_ephemeral || !click.replyTo) return;
    try {
      await this.web.chat.update({
        channel: click.chatId,
        ts: click.replyTo,
        text: payload.message?.text ?? click.text,
        blocks: blocksAfterChoice(payload.message ?? {}, click.text, click.sender.id) as types.KnownBlock[],
      });
    } catch (error) {
      this.log.warn({ code: ErrorCode.channel, err: slackErrorText(error) }, 'slack: marking the chosen button failed');
    }
  }

  private async onEvent(event: SlackMessageEvent): Promise<void> {
    if (!this.self) return;
    const message = messageFromEvent(this.name, event, this.self);
    if ('skip' in message) {
      const benign = /^(own message|message from a bot|ignored subtype)/.test(message.skip);
      if (benign) this.log.debug({ reason: message.skip }, 'slack: event skipped');
      else this.log.warn({ code: ErrorCode.badRequest, reason: message.skip }, 'slack: malformed event skipped');
      return;
    }
    if (this.seenBefore(message.id)) return;
    const files = (event.subtype === 'message_changed' ? event.message?.files : event.files) ?? [];
    message.attachments = await this.storeFiles(message, files);
    await this.hand(message);
  }

  private async storeFiles(message: Message, files: SlackFile[]): Promise<Message['attachments']> {
    const blobs = this.ctx?.blobs;
    if (!blobs) return message.attachments;
    const valid = files.filter((f) => f && typeof f.id === 'string');
    return Promise.all(
      message.attachments.map(async (attachment, i) => {
        try {
          return await storeSlackFile(attachment, valid[i].id, {
            botToken: this.config.botToken,
            apiUrl: this.config.apiUrl,
            blobs,
            maxBytes: this.config.maxMediaBytes,
          });
        } catch (error) {
          this.log.warn(
            { code: ErrorCode.download, fileId: valid[i].id, reason: slackErrorText(error) },
            'slack: file download failed',
          );
          return attachment;
        }
      }),
    );
  }

  private async hand(message: Message): Promise<void> {
    try {
      await this.ctx?.receive(message);
    } catch (error) {
      this.log.warn(
        { code: ErrorCode.internal, err: slackErrorText(error), messageId: message.id },
        'slack: receive failed',
      );
    }
  }

  /** Remembers ids for a while; true when the id was already handed on. */
  private seenBefore(id: string): boolean {
    const now = Date.now();
    if (this.seen.size > 5000) for (const [k, at] of this.seen) if (now - at > SEEN_TTL_MS) this.seen.delete(k);
    if (this.seen.has(id)) return true;
    this.seen.set(id, now);
    return false;
  }

  private setState(state: ChannelStatus['state'], reason?: string): void {
    this.statusReporter.set(state, reason);
  }
}

/**
 * @slack/socket-mode 3.1 calls `disconnect()` a second time when the socket reports an error during
 * our own close handshake; the second call overwrites its 30 s handshake timer without clearing the
 * first, which then keeps the process alive for 30 s after shutdown. Dropping the error listener
 * before a deliberate close avoids that double call.
 */
function quietCloseHandshake(client: SocketModeReceiver['client'] | undefined): void {
  const sws = (
    client as unknown as
      { websocket?: { websocket?: EventTarget | null; errorHandler?: ((event: Event) => void) | null } } | undefined
  )?.websocket;
  if (sws?.websocket && sws.errorHandler) sws.websocket.removeEventListener('error', sws.errorHandler);
}
