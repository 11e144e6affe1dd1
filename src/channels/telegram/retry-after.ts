/**
 * A grammY API transformer that honours Telegram's flood control: on `429 Too Many Requests` it
 * waits the `parameters.retry_after` seconds Telegram asks for and repeats the call, as the Bot API
 * documentation requires, instead of failing the reply.
 */
import type { Transformer } from 'grammy';
import type { Logger } from 'pino';
import { sleep } from '../shared/backoff.js';

/** Builds the transformer; waits longer than `maxRetryAfterSeconds` are not worth it and fail the call. */
export function retryAfter429(opts: { maxRetryAfterSeconds: number; maxAttempts?: number; log: Logger }): Transformer {
  const maxAttempts = opts.maxAttempts ?? 3;
  return async (prev, method, payload, signal) => {
    for (let attempt = 1; ; attempt++) {
      const result = await prev(method, payload, signal);
      const retryAfter = result.ok ? undefined : result.parameters?.retry_after;
      // getUpdates has its own loop (with backoff and stop handling); leave its 429s to it.
      if (result.ok || result.error_code !== 429 || retryAfter === undefined || method === 'getUpdates') return result;
      if (attempt >= maxAttempts || retryAfter > opts.maxRetryAfterSeconds || signal?.aborted) return result;
      opts.log.warn({ method, retryAfter, attempt }, 'telegram flood control: waiting retry_after');
      await sleep(retryAfter * 1000, signal as AbortSignal | undefined);
    }
  };
}
