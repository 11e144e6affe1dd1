/**
 * Fixed-window rate limiting behind one small seam, with an in-process implementation for the
 * all-in-one shape (redis-rate-limiter.ts shares counts across replicas).
 */
export interface RateRule {
  limit: number;
  windowSec: number;
}

export interface RateDecision {
  allowed: boolean;
  remaining: number;
  /** Seconds until the window resets (at least 1 when refused). */
  retryAfterSec: number;
}

export interface RateLimiter {
  /** Counts one hit on `bucket` and says whether it is within `rule`. */
  hit(bucket: string, rule: RateRule): Promise<RateDecision>;
  close(): Promise<void>;
}

/** Decision for the `count`-th hit of a window that ends in `msLeft` ms. */
export function decide(count: number, msLeft: number, rule: RateRule): RateDecision {
  return {
    allowed: count <= rule.limit,
    remaining: Math.max(0, rule.limit - count),
    retryAfterSec: Math.max(1, Math.ceil(msLeft / 1000)),
  };
}

/** In-process counters, bounded in size so a flood of distinct keys cannot exhaust memory. */
export class MemoryRateLimiter implements RateLimiter {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly maxKeys = 100_000) {
    this.sweeper = setInterval(() => this.sweep(Date.now()), 30_000);
    this.sweeper.unref();
  }

  async hit(bucket: string, rule: RateRule): Promise<RateDecision> {
    const now = Date.now();
    let w = this.windows.get(bucket);
    if (!w || w.resetAt <= now) {
      if (!w && this.windows.size >= this.maxKeys) this.evict(now);
      w = { count: 0, resetAt: now + rule.windowSec * 1000 };
      this.windows.set(bucket, w);
    }
    w.count++;
    return decide(w.count, w.resetAt - now, rule);
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.windows.clear();
  }

  private sweep(now: number): void {
    for (const [k, w] of this.windows) if (w.resetAt <= now) this.windows.delete(k);
  }

  /** Drops expired windows, then the oldest ones, until a tenth of the room is free. */
  private evict(now: number): void {
    this.sweep(now);
    const target = Math.floor(this.maxKeys * 0.9);
    for (const k of this.windows.keys()) {
      if (this.windows.size <= target) break;
      this.windows.delete(k);
    }
  }
}
