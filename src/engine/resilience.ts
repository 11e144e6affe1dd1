/**
 * What keeps a turn alive when a model misbehaves: a circuit breaker per model, retries with
 * exponential backoff (honouring Retry-After) and a per-call timeout.
 */
import { ProviderError } from '../core/model-provider.js';

export type BreakerState = 'closed' | 'open' | 'half-open';

/**
 * Opens after `failures` consecutive failures; after `cooldownMs` it lets one trial call through
 * (half-open) and closes again on its success.
 */
export class CircuitBreaker {
  private consecutive = 0;
  private openedAt = 0;
  private trialInFlight = false;

  constructor(
    private readonly failures: number,
    private readonly cooldownMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get state(): BreakerState {
    if (this.consecutive < this.failures) return 'closed';
    return this.now() - this.openedAt >= this.cooldownMs ? 'half-open' : 'open';
  }

  /** Whether a call may go through now. A half-open breaker admits one trial at a time. */
  tryAcquire(): boolean {
    const s = this.state;
    if (s === 'closed') return true;
    if (s === 'open' || this.trialInFlight) return false;
    this.trialInFlight = true;
    return true;
  }

  success(): void {
    this.consecutive = 0;
    this.trialInFlight = false;
  }

  failure(): void {
    this.trialInFlight = false;
    this.consecutive++;
    if (this.consecutive >= this.failures) this.openedAt = this.now();
  }
}

/** Delay before retry `attempt` (1-based): the server's Retry-After if given, else 250 ms × 2^n with jitter, capped. */
export function backoffMs(attempt: number, err: unknown, capMs = 8_000): number {
  if (err instanceof ProviderError && err.retryAfter !== undefined) return Math.min(err.retryAfter * 1000, capMs * 4);
  const base = Math.min(250 * 2 ** (attempt - 1), capMs);
  return base / 2 + Math.random() * (base / 2);
}

export function isRetryable(err: unknown): boolean {
  return err instanceof ProviderError ? err.retryable : !(err instanceof Error && err.name === 'AbortError');
}

/** Sleeps, waking early (and rejecting) when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
