/**
 * In-memory sessions for the all-in-one shape. Expiry is checked on read and swept once a minute,
 * so an idle process holds no stale entries.
 */
import type { SessionStore } from '../../core/stores.js';

interface Entry {
  value: unknown;
  expiresAt: number;
}

export class MemorySessionStore implements SessionStore {
  private readonly entries = new Map<string, Entry>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(sweepEveryMs = 60_000) {
    this.sweeper = setInterval(() => this.sweep(), sweepEveryMs);
    this.sweeper.unref();
  }

  async get<T = unknown>(key: string): Promise<T | undefined> {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.expiresAt <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return structuredClone(e.value) as T;
  }

  async set(key: string, value: unknown, ttlMs?: number): Promise<void> {
    this.entries.set(key, { value: structuredClone(value), expiresAt: ttlMs ? Date.now() + ttlMs : Infinity });
  }

  async setIfAbsent(key: string, value: unknown, ttlMs?: number): Promise<boolean> {
    // Check and set in one synchronous step: concurrent callers (locks, dedupe) must see one winner.
    const e = this.entries.get(key);
    if (e && e.expiresAt > Date.now()) return false;
    this.entries.set(key, { value: structuredClone(value), expiresAt: ttlMs ? Date.now() + ttlMs : Infinity });
    return true;
  }

  async increment(key: string, by: number, ttlMs?: number): Promise<number> {
    // Read and write in one synchronous step: parallel reservations must never lose an update.
    const e = this.entries.get(key);
    const live = e && e.expiresAt > Date.now() ? e : undefined;
    const value = (typeof live?.value === 'number' ? live.value : 0) + by;
    this.entries.set(key, { value, expiresAt: live ? live.expiresAt : ttlMs ? Date.now() + ttlMs : Infinity });
    return value;
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.entries.clear();
  }

  private sweep(): void {
    const now = Date.now();
    for (const [k, e] of this.entries) if (e.expiresAt <= now) this.entries.delete(k);
  }
}
