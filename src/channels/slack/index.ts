/**
 * The Slack channel, on @slack/bolt. Socket Mode (a WebSocket opened via `apps.connections.open`)
 * or the Events API (signed POSTs to /webhooks/slack). Listens to `message` (message.im,
 * message.channels…), `app_mention` and button clicks; answers stream in by `chat.update`.
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { App, SocketModeReceiver, webApi, type Receiver } from '@slack/bolt';
import type { Channel, ChannelContext, ChannelStatus } from '../../core/channel.js';
import type { Message, ReplyEvent, ReplyTarget } from '../../core/message.js';
import { ErrorCode } from '../../core/errors.js';
import type { ChannelDeps } from '../deps.js';
import type { SlackConfig } from './config.js';
import { BackoffLoop } from './backoff.js';
import { boltLogger } from './bolt-logger.js';
import { storeSlackFile } from './files.js';
import { FastifySlackReceiver } from './http-receiver.js';
import { messageFromAction, messageFromEvent, type SlackBlockActions, type SlackFile, type SlackMessageEvent, type SlackSelf } from './inbound.js';
import { BUTTON_ACTION_PREFIX, SlackReplies, slackErrorText } from './replies.js';

/** Slack errors no retry can fix: the channel goes to `failed`. */
const FATAL_ERRORS = new Set(['invalid_auth', 'not_authed', 'account_inactive', 'token_revoked', 'token_expired', 'not_allowed_token_type']);

/** How long a message id is remembered to answer a mention (sent as `message` and `app_mention`) once. */
const SEEN_TTL_MS = 10 * 60_000;

/** Creates the Slack channel from its channels.yml section. */
export function createChannel(config: SlackConfig, deps: ChannelDeps): Channel {
  return new SlackChannel(config, deps.log.child({ channel: 'slack' }));
}

export class SlackChannel implements Channel {
  readonly name = 'slack';
  private state: ChannelStatus = { state: 'stopped', since: Date.now() };
  private ctx: ChannelContext | undefined;
  private bolt: App | undefined;
  private self: SlackSelf | undefined;
  private loop: BackoffLoop | undefined;
  private socketClient: SocketModeReceiver['client'] | undefined;
  private readonly httpReceiver: FastifySlackReceiver | undefined;
  private readonly web: InstanceType<typeof webApi.WebClient>;
  private readonly replies: SlackReplies;
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly config: SlackConfig,
    private readonly log: Logger,
  ) {
    this.web = new webApi.WebClient(config.botToken, {
      slackApiUrl: config.apiUrl,
      logger: boltLogger(log),
      retryConfig: { retries: 3, factor: 2, minTimeout: 200, maxTimeout: 2000 },
    });
    if (config.mode === 'events' && config.signingSecret) {
      this.httpReceiver = new FastifySlackReceiver(config.signingSecret, config.replayWindowSeconds, log);
    }
    this.replies = new SlackReplies(() => this.web, () => this.ctx?.blobs, log, config.streamEditIntervalMs);
  }

  routes(app: FastifyInstance): void {
    this.httpReceiver?.routes(app);
  }

  async start(ctx: ChannelContext): Promise<void> {
    this.ctx = ctx;
    this.setState('connecting');
    this.loop = new BackoffLoop(this.config.reconnect, {
      onRetry: (error, delayMs) => {
        this.setState('backing-off', slackErrorText(error));
        this.log.warn({ code: ErrorCode.channel, reason: slackErrorText(error), delayMs }, 'slack: connect failed; retrying');
      },
      isFatal: (error) => FATAL_ERRORS.has(slackErrorText(error)),
      onFatal: (error) => {
        this.setState('failed', slackErrorText(error));
        this.log.error({ code: ErrorCode.channel, reason: slackErrorText(error) }, 'slack: connect failed for good; check the tokens');
      },
    });
    // Connecting runs in the background: a Slack outage must not hold up the gateway's start.
    void this.loop.run(() => this.connect());
  }

  async deliver(target: ReplyTarget, event: ReplyEvent): Promise<void> {
    await this.replies.deliver(target, event);
  }

  status(): ChannelStatus {
    return { ...this.state };
  }

  async stop(): Promise<void> {
    this.loop?.cancel();
    this.replies.close();
    const bolt = this.bolt;
    this.bolt = undefined;
    quietCloseHandshake(this.socketClient);
    if (bolt) await bolt.stop().catch((error: unknown) => this.log.debug({ err: slackErrorText(error) }, 'slack: stop'));
    this.setState('stopped');
  }

  private async connect(): Promise<void> {
    this.setState('connecting');
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
    receiver.client.on('connected', () => this.setState('ready'));
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
      const message = messageFromAction(this.name, body as unknown as SlackBlockActions);
      if ('skip' in message) this.log.warn({ code: ErrorCode.badRequest, reason: message.skip }, 'slack: malformed action skipped');
      else await this.hand(message);
    });
    bolt.error(async (error) => {
      this.log.warn({ code: ErrorCode.channel, err: slackErrorText(error) }, 'slack: event handler error');
    });
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
          return await storeSlackFile(attachment, valid[i].id, { botToken: this.config.botToken, apiUrl: this.config.apiUrl, blobs });
        } catch (error) {
          this.log.warn({ code: ErrorCode.download, fileId: valid[i].id, reason: slackErrorText(error) }, 'slack: file download failed');
          return attachment;
        }
      }),
    );
  }

  private async hand(message: Message): Promise<void> {
    try {
      await this.ctx?.receive(message);
    } catch (error) {
      this.log.warn({ code: ErrorCode.internal, err: slackErrorText(error), messageId: message.id }, 'slack: receive failed');
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
    if (this.state.state === state && this.state.reason === reason) return;
    this.state = { state, reason, since: Date.now() };
  }
}

/**
 * @slack/socket-mode 3.1 calls `disconnect()` a second time when the socket reports an error during
 * our own close handshake; the second call overwrites its 30 s handshake timer without clearing the
 * first, which then keeps the process alive for 30 s after shutdown. Dropping the error listener
 * before a deliberate close avoids that double call.
 */
function quietCloseHandshake(client: SocketModeReceiver['client'] | undefined): void {
  const sws = (client as unknown as { websocket?: { websocket?: EventTarget | null; errorHandler?: ((event: Event) => void) | null } } | undefined)?.websocket;
  if (sws?.websocket && sws.errorHandler) sws.websocket.removeEventListener('error', sws.errorHandler);
}
