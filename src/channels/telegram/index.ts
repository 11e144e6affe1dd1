/**
 * The Telegram channel on grammY: long polling or a webhook in, Bot API calls out. Inbound
 * payloads become `Message`s (inbound.ts), media land in the BlobStore (media.ts), replies stream
 * back by editing a message (outbound.ts). Nothing here throws out of a handler: a bad update is
 * logged and skipped, an unreachable API is retried with backoff.
 */
import { Bot, GrammyError } from 'grammy';
import { ErrorCode, HearthError } from '../../core/errors.js';
import type { Update } from 'grammy/types';
import type { FastifyInstance } from 'fastify';
import type { Channel, ChannelContext, ChannelStatus } from '../../core/channel.js';
import type { ReplyEvent, ReplyTarget } from '../../core/message.js';
import type { ChannelDeps } from '../deps.js';
import { Backoff, sleep } from '../shared/backoff.js';
import { grammySignal } from './grammy-signal.js';
import type { TelegramConfig } from './config.js';
import { acknowledgePress, pressedLabel, pressedValue } from './buttons.js';
import { pressToMessage, toMessage } from './inbound.js';
import { fetchMedia } from './media.js';
import { describe, TelegramReplies } from './outbound.js';
import { ALLOWED_UPDATES, Poller } from './polling.js';
import { retryAfter429 } from './retry-after.js';
import { StatusReporter } from '../shared/status.js';
import { registerWebhookRoute } from './webhook.js';

const CHANNEL = 'telegram';
/** Telegram keeps an unconfirmed update for 24 hours; its id is remembered as long. */
const SEEN_UPDATE_TTL_MS = 24 * 60 * 60 * 1000;

/** The gateway did not take the message (shutting down, the bus or a store failed): Telegram must send it again. */
class NotAccepted extends Error {
  constructor(readonly reason: unknown) {
    super('the gateway did not accept the message');
  }
}

/** Whether an error of `receive` means "not taken, try again" rather than a deliberate refusal (rate limit). */
function retryable(err: unknown): boolean {
  return !(err instanceof HearthError) || err.httpStatus >= 500;
}

/** Builds the Telegram channel from its channels.yml section. */
export function createChannel(config: TelegramConfig, deps: ChannelDeps): Channel {
  const log = deps.log.child({ channel: CHANNEL });
  const status = new StatusReporter(log, CHANNEL);
  const bot = new Bot(config.token, { client: { apiRoot: config.apiRoot } });
  bot.api.config.use(retryAfter429({ maxRetryAfterSeconds: config.maxRetryAfterSeconds, log }));
  const backoff = new Backoff(config.reconnect.initialDelayMs, config.reconnect.maxDelayMs);
  let ctx: ChannelContext | undefined;
  let poller: Poller | undefined;
  let stopping = new AbortController();
  let webhookSetup: Promise<void> | undefined;
  const replies = new TelegramReplies({
    api: bot.api,
    blobs: () => ctx?.blobs,
    sessions: () => ctx?.sessions,
    log,
    editIntervalMs: config.streamEditIntervalMs,
  });

  bot.on(['message', 'edited_message', 'channel_post', 'edited_channel_post'], async (tg) => {
    const kind = tg.editedMessage || tg.editedChannelPost ? 'edit' : 'message';
    const result = toMessage(tg.msg, {
      channel: CHANNEL,
      bot: { id: bot.botInfo.id, username: bot.botInfo.username },
      kind,
    });
    if (!result.ok) {
      log.warn({ updateId: tg.update.update_id, reason: result.reason }, 'telegram update skipped');
      return;
    }
    for (const item of result.media) {
      try {
        await fetchMedia(item, {
          api: bot.api,
          apiRoot: config.apiRoot,
          token: config.token,
          blobs: ctx!.blobs,
          maxBytes: config.maxMediaBytes,
        });
      } catch (err) {
        // The text still goes through; the model is told a file could not be read.
        log.warn({ updateId: tg.update.update_id, err: describe(err) }, 'telegram media download failed');
        item.attachment.description ??= 'A file that could not be downloaded';
      }
    }
    try {
      await ctx!.receive(result.message);
    } catch (err) {
      if (retryable(err)) throw new NotAccepted(err);
      log.warn({ updateId: tg.update.update_id, reason: describe(err) }, 'telegram message refused');
    }
  });
  // A press of an answer button. Telegram shows a spinner until the query is answered, so every
  // press is answered, also one that cannot be used.
  bot.on('callback_query:data', async (tg) => {
    const q = tg.callbackQuery;
    const value = await pressedValue(q.data, ctx!.sessions);
    const result =
      value === undefined
        ? { ok: false as const, reason: 'the button is too old (its value is gone)' }
        : pressToMessage(q, { channel: CHANNEL, value, label: pressedLabel(q) });
    if (!result.ok) {
      log.warn({ updateId: tg.update.update_id, reason: result.reason }, 'telegram button press skipped');
      await acknowledgePress(bot.api, q, { notice: 'This button no longer works.' }, log);
      return;
    }
    let receipt;
    try {
      receipt = await ctx!.receive(result.message);
    } catch (err) {
      if (retryable(err)) throw new NotAccepted(err);
      log.warn({ updateId: tg.update.update_id, reason: describe(err) }, 'telegram button press refused');
      await acknowledgePress(bot.api, q, { notice: err instanceof Error ? err.message : 'Not accepted.' }, log);
      return;
    }
    await acknowledgePress(bot.api, q, receipt ?? undefined, log);
  });
  bot.use((tg) => {
    log.debug({ updateId: tg.update.update_id }, 'telegram update of an unhandled type ignored');
  });

  /**
   * Runs one update through the middleware. Returns whether it was taken — accepted by the gateway,
   * already taken before (the same update id, seen again after a crash or a webhook retry), or
   * deliberately skipped (malformed) — so its offset may be confirmed. False means Telegram must
   * deliver it again.
   */
  async function handle(update: Update): Promise<boolean> {
    if (!update || typeof update !== 'object' || typeof update.update_id !== 'number') {
      log.warn({ reason: 'update_id missing' }, 'telegram update skipped');
      return true;
    }
    const seenKey = `telegram:update:${bot.botInfo.id}:${update.update_id}`;
    try {
      if (!(await ctx!.sessions.setIfAbsent(seenKey, 1, SEEN_UPDATE_TTL_MS))) {
        log.info({ updateId: update.update_id }, 'telegram update seen before; not handled twice');
        return true;
      }
    } catch (err) {
      log.warn(
        { updateId: update.update_id, reason: describe(err) },
        'telegram update not taken: the session store failed',
      );
      return false;
    }
    try {
      await bot.handleUpdate(update);
      return true;
    } catch (err) {
      const cause = err instanceof Error && 'error' in err ? (err as { error: unknown }).error : err;
      if (cause instanceof NotAccepted) {
        await ctx!.sessions.delete(seenKey).catch(() => undefined);
        log.warn(
          { updateId: update.update_id, reason: describe(cause.reason) },
          'telegram update not accepted; Telegram will deliver it again',
        );
        return false;
      }
      log.warn({ updateId: update.update_id, reason: describe(cause) }, 'telegram update skipped');
      return true;
    }
  }

  /** Webhook mode: learns who the bot is and registers the webhook, retrying until it works. */
  async function setUpWebhook(): Promise<void> {
    const webhook = config.webhook!;
    while (!stopping.signal.aborted) {
      try {
        status.connecting();
        if (!bot.isInited()) await bot.init(grammySignal(stopping.signal));
        await bot.api.setWebhook(
          webhook.url,
          { secret_token: webhook.secretToken, allowed_updates: [...ALLOWED_UPDATES] },
          grammySignal(stopping.signal),
        );
        status.set('ready');
        backoff.reset();
        return;
      } catch (err) {
        if (stopping.signal.aborted) return;
        if (err instanceof GrammyError && err.error_code === 401) {
          status.set('failed', 'Telegram rejected the bot token (401 Unauthorized)');
          return;
        }
        const delay = backoff.next();
        status.retrying(describe(err), delay);
        await sleep(delay, stopping.signal);
      }
    }
  }

  /** Opens the connection: polling, or the webhook registration (both retry in the background). */
  function connect(): void {
    if (config.mode === 'webhook') {
      webhookSetup = setUpWebhook();
      return;
    }
    poller = new Poller({ bot, status, timeoutSeconds: config.pollTimeoutSeconds, backoff, handle });
    poller.start();
  }

  return {
    name: CHANNEL,
    async routes(app: FastifyInstance) {
      if (config.mode !== 'webhook' || !config.webhook) return;
      await registerWebhookRoute(app, {
        secretToken: config.webhook.secretToken,
        log,
        ready: () => ctx !== undefined && bot.isInited(),
        handle,
      });
    },
    async start(context: ChannelContext) {
      ctx = context;
      connect();
    },
    async reconnect() {
      if (!ctx) throw new HearthError(ErrorCode.channel, 'the telegram channel has not started', 409);
      // Ends the polling loop (confirming the last offset) or the webhook setup, then starts over.
      stopping.abort();
      await poller?.stop();
      await webhookSetup;
      stopping = new AbortController();
      backoff.reset();
      status.set('stopped', 'reconnecting (requested by an admin)');
      connect();
    },
    deliver(target: ReplyTarget, event: ReplyEvent) {
      return replies.deliver(target, event);
    },
    status(): ChannelStatus {
      return status.get();
    },
    async stop() {
      stopping.abort();
      replies.close();
      await poller?.stop();
      await webhookSetup;
      status.set('stopped');
    },
  };
}
