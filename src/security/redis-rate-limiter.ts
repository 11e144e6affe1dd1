/**
 * Rate limits shared by every replica through Redis: one atomic INCR + PEXPIRE per hit (a Lua
 * script, so the window starts exactly once). When Redis is unreachable the limiter falls back
 * to per-process counters rather than refusing or admitting everything.
 */
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { decide, MemoryRateLimiter, type RateDecision, type RateLimiter, type RateRule } from './rate-limiter.js';

const HIT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {count, ttl}
`;

export class RedisRateLimiter implements RateLimiter {
  private readonly redis: Redis;
  private readonly fallback = new MemoryRateLimiter();
  private lastWarning = 0;

  constructor(
    url: string,
    private readonly log: Logger,
    private readonly prefix = 'hearth:rl:',
  ) {
    this.redis = new Redis(url, {
      lazyConnect: false,
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      connectTimeout: 2000,
    });
    // Connection errors are handled per hit (fallback); without a listener ioredis would print them.
    this.redis.on('error', () => {});
  }

  async hit(bucket: string, rule: RateRule): Promise<RateDecision> {
    // Bucket names embed caller-controlled ids; hashing bounds the key size.
    const key = this.prefix + (bucket.length > 120 ? createHash('sha256').update(bucket).digest('hex') : bucket);
    try {
      const [count, ttl] = (await this.redis.eval(HIT_SCRIPT, 1, key, String(rule.windowSec * 1000))) as [
        number,
        number,
      ];
      return decide(count, ttl, rule);
    } catch (err) {
      const now = Date.now();
      if (now - this.lastWarning > 60_000) {
        this.lastWarning = now;
        this.log.warn({ err: (err as Error).message }, 'Redis rate limiter unavailable; counting per process');
      }
      return this.fallback.hit(bucket, rule);
    }
  }

  async close(): Promise<void> {
    await this.fallback.close();
    this.redis.disconnect();
  }
}
