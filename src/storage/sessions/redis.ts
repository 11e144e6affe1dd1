/**
 * Sessions in Redis, shared by every gateway and engine replica. Values are JSON; expiry is Redis's
 * own (`PX`), so a key set with a TTL disappears on every replica at the same moment.
 */
import { Redis } from 'ioredis';
import type { SessionStore } from '../../core/stores.js';
import { ErrorCode, HearthError } from '../../core/errors.js';

export interface RedisSessionOptions {
  url: string;
  keyPrefix: string;
}

export class RedisSessionStore implements SessionStore {
  readonly shared = true;
  private readonly redis: Redis;

  constructor(private readonly options: RedisSessionOptions) {
    // Commands issued while Redis restarts wait in ioredis's offline queue instead of failing.
    this.redis = new Redis(options.url, { lazyConnect: true, maxRetriesPerRequest: 20 });
    this.redis.on('error', () => undefined);
  }

  /** Connects; fails fast with a storage error when Redis does not answer. */
  async open(): Promise<void> {
    try {
      await this.redis.connect();
    } catch (err) {
      this.redis.disconnect();
      throw new HearthError(ErrorCode.storage, `cannot reach Redis for sessions: ${(err as Error).message}`, 503, {
        cause: err,
      });
    }
  }

  private key(k: string): string {
    return this.options.keyPrefix + k;
  }

  async get<T = unknown>(key: string): Promise<T | undefined> {
    const raw = await this.redis.get(this.key(key));
    return raw === null ? undefined : (JSON.parse(raw) as T);
  }

  async set(key: string, value: unknown, ttlMs?: number): Promise<void> {
    const raw = JSON.stringify(value ?? null);
    if (ttlMs) await this.redis.set(this.key(key), raw, 'PX', Math.max(1, Math.round(ttlMs)));
    else await this.redis.set(this.key(key), raw);
  }

  async setIfAbsent(key: string, value: unknown, ttlMs?: number): Promise<boolean> {
    const raw = JSON.stringify(value ?? null);
    const r = ttlMs
      ? await this.redis.set(this.key(key), raw, 'PX', Math.max(1, Math.round(ttlMs)), 'NX')
      : await this.redis.set(this.key(key), raw, 'NX');
    return r === 'OK';
  }

  async increment(key: string, by: number, ttlMs?: number): Promise<number> {
    const k = this.key(key);
    const multi = this.redis.multi().incrby(k, Math.round(by));
    // NX: only a new counter gets the expiry; later increments keep the period's end.
    if (ttlMs) multi.pexpire(k, Math.max(1, Math.round(ttlMs)), 'NX');
    const results = await multi.exec();
    const [err, value] = results?.[0] ?? [new Error('no reply')];
    if (err) throw err;
    return Number(value);
  }

  async delete(key: string): Promise<void> {
    await this.redis.del(this.key(key));
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
