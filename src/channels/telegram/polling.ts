/**
 * Long polling with grammY's API client. A loop of our own rather than `bot.start()` so that the
 * channel can report connecting / ready / backing-off, back off exponentially, and stop promptly;
 * it mirrors `bot.start()` otherwise: deleteWebhook first, offsets confirm updates the gateway took, and
 * stopping confirms the last offset with one more `getUpdates {offset, limit: 1}`.
 */
import { GrammyError, type Bot } from 'grammy';
import type { Update } from 'grammy/types';
import { Backoff, sleep } from '../shared/backoff.js';
import { grammySignal } from './grammy-signal.js';
import { describe } from './outbound.js';
import type { StatusReporter } from '../shared/status.js';

export const ALLOWED_UPDATES = [
  'message',
  'edited_message',
  'channel_post',
  'edited_channel_post',
  'callback_query',
] as const;

export interface PollerOptions {
  bot: Bot;
  status: StatusReporter;
  timeoutSeconds: number;
  backoff: Backoff;
  /** Runs one update; must not throw. False: not taken, so its offset must not be confirmed. */
  handle(update: Update): Promise<boolean>;
}

/** Polls until stopped; survives any number of network failures. */
export class Poller {
  private readonly abort = new AbortController();
  private offset = 0;
  private running?: Promise<void>;

  constructor(private readonly opts: PollerOptions) {}

  start(): void {
    this.running ??= this.loop();
  }

  /** Cancels the pending getUpdates and confirms the last offset so no update is seen twice. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
    if (this.offset > 0) {
      await this.opts.bot.api
        .getUpdates({ offset: this.offset, limit: 1, timeout: 0 }, grammySignal(AbortSignal.timeout(5000)))
        .catch(() => undefined);
    }
  }

  private async loop(): Promise<void> {
    const { bot, status } = this.opts;
    const signal = this.abort.signal;
    while (!signal.aborted) {
      try {
        status.connecting();
        if (!bot.isInited()) await bot.init(grammySignal(signal));
        await bot.api.deleteWebhook({}, grammySignal(signal));
        status.set('ready'); // the API answers; a first long poll may take its whole timeout
        let first = true;
        while (!signal.aborted) {
          const updates = await bot.api.getUpdates(
            {
              offset: this.offset,
              timeout: this.opts.timeoutSeconds,
              ...(first ? { allowed_updates: [...ALLOWED_UPDATES] } : {}),
            },
            grammySignal(signal),
          );
          first = false;
          status.set('ready');
          this.opts.backoff.reset();
          // The offset moves past an update only once it was taken: one refused during shutdown, or
          // while the bus is down, is left unconfirmed and comes again (then de-duplicated by id).
          for (const update of updates) {
            if (!(await this.opts.handle(update))) throw new Error(`update ${update.update_id} was not accepted`);
            if (typeof update.update_id === 'number') this.offset = Math.max(this.offset, update.update_id + 1);
          }
        }
      } catch (err) {
        if (signal.aborted) return;
        if (err instanceof GrammyError && err.error_code === 401) {
          status.set('failed', 'Telegram rejected the bot token (401 Unauthorized)');
          return;
        }
        const retryAfter =
          err instanceof GrammyError && err.error_code === 429 ? err.parameters.retry_after : undefined;
        const delay = retryAfter !== undefined ? retryAfter * 1000 : this.opts.backoff.next();
        status.retrying(describe(err), delay);
        await sleep(delay, signal);
      }
    }
  }
}
