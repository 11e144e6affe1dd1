/** Reconnect timing shared by the chat channels (poll loops, logins, webhook registration). */

/** Exponential backoff with jitter for reconnect loops: 1 s, 2 s, 4 s … capped, reset on success. */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly initialMs: number,
    private readonly maxMs: number,
  ) {}

  /** The delay before the next retry; each call doubles it up to the cap. */
  next(): number {
    const base = Math.min(this.maxMs, this.initialMs * 2 ** this.attempt);
    this.attempt++;
    // ±20 % jitter so many instances do not retry in lockstep.
    return Math.round(base * (0.8 + Math.random() * 0.4));
  }

  /** Back to the initial delay, after a success. */
  reset(): void {
    this.attempt = 0;
  }
}

/** Resolves after `ms`, or early (without throwing) when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
