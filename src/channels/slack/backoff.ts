/**
 * Retries a connect step with exponential backoff (doubling, capped), reporting each failure so the
 * channel's status can say why it is waiting. A failure classed as fatal stops the loop.
 */

export interface BackoffOptions {
  initialDelayMs: number;
  maxDelayMs: number;
}

export interface BackoffHooks {
  /** Called before each wait with the failure and the delay about to be waited. */
  onRetry(error: unknown, delayMs: number): void;
  /** Whether retrying cannot help (revoked token…): the loop ends and `onFatal` is called. */
  isFatal(error: unknown): boolean;
  onFatal(error: unknown): void;
}

/** Owns one pending retry timer; `cancel()` ends the loop (used on stop). */
export class BackoffLoop {
  private timer: NodeJS.Timeout | undefined;
  private cancelled = false;

  constructor(
    private readonly options: BackoffOptions,
    private readonly hooks: BackoffHooks,
  ) {}

  /** Runs `attempt` until it succeeds, the error is fatal, or the loop is cancelled. Never throws. */
  async run(attempt: () => Promise<void>): Promise<void> {
    let delay = this.options.initialDelayMs;
    while (!this.cancelled) {
      try {
        await attempt();
        return;
      } catch (error) {
        if (this.cancelled) return;
        if (this.hooks.isFatal(error)) {
          this.hooks.onFatal(error);
          return;
        }
        this.hooks.onRetry(error, delay);
        await new Promise<void>((resolve) => {
          this.timer = setTimeout(resolve, delay);
        });
        this.timer = undefined;
        delay = Math.min(delay * 2, this.options.maxDelayMs);
      }
    }
  }

  cancel(): void {
    this.cancelled = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
