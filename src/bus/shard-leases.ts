/**
 * Partition ownership for engines. Each partition has a lease key (`SET NX PX`) naming its owner;
 * the owner renews it a few times per lease period. Engines heartbeat into a sorted set so each can
 * compute its fair share (`ceil(partitions / live engines)`): a newcomer takes free partitions, an
 * engine above its share hands extras back once their in-flight messages are finished, and a dead
 * engine's partitions become free when its lease runs out.
 *
 * Fencing is by the owner's clock: an engine that could not renew for most of a lease period stops
 * starting new messages on that partition before anyone else can take it over.
 */
import type { Redis } from 'ioredis';
import type { BusKeys } from './bus-keys.js';

const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

export interface LeaseEvents {
  /** A partition became ours: recover its unfinished messages, then read it. */
  acquired(shard: number): Promise<void>;
  /** A partition is no longer ours (lost or handed back): stop reading it. */
  lost(shard: number): void;
  /** Messages of this partition still being answered (a partition is handed back at zero). */
  inFlight(shard: number): number;
}

export class ShardLeases {
  /** Partition → the time (local clock) until which we may start messages on it. */
  private readonly owned = new Map<number, number>();
  private readonly releasing = new Set<number>();
  /** Just acquired: not readable until the previous owner's unfinished messages are re-queued. */
  private readonly recovering = new Set<number>();
  private timer?: NodeJS.Timeout;
  private ticking = false;
  private stopped = false;

  constructor(
    private readonly redis: Redis,
    private readonly keys: BusKeys,
    private readonly opts: { engineId: string; shards: number; leaseMs: number },
    private readonly events: LeaseEvents,
  ) {}

  start(): void {
    void this.tick();
    this.timer = setInterval(() => void this.tick(), Math.max(50, Math.floor(this.opts.leaseMs / 4)));
  }

  /** Partitions we may start messages on now. */
  readable(): number[] {
    const now = Date.now();
    return [...this.owned]
      .filter(([s, until]) => until > now && !this.releasing.has(s) && !this.recovering.has(s))
      .map(([s]) => s);
  }

  /** Whether a message of this partition may start now (the lease is held and fresh). */
  mayStart(shard: number): boolean {
    const until = this.owned.get(shard);
    return until !== undefined && until > Date.now();
  }

  /**
   * Gives a partition up after its lease went stale under a message: whoever owns it next (maybe
   * this engine again) re-queues its unfinished messages in order.
   */
  forfeit(shard: number): void {
    if (!this.owned.has(shard)) return;
    this.drop(shard);
    void this.redis.eval(RELEASE, 1, this.keys.lease(shard), this.opts.engineId).catch(() => undefined);
  }

  /** One round: heartbeat, renew, then grow to or shrink towards the fair share. */
  private async tick(): Promise<void> {
    if (this.ticking || this.stopped) return;
    this.ticking = true;
    try {
      const { engineId, leaseMs, shards } = this.opts;
      const sentAt = Date.now();
      const safeUntil = sentAt + leaseMs - Math.floor(leaseMs / 5);
      const [, , live] = (await this.redis
        .multi()
        .zadd(this.keys.engines, sentAt, engineId)
        .zremrangebyscore(this.keys.engines, '-inf', sentAt - leaseMs)
        .zcard(this.keys.engines)
        .exec())!.map(([err, v]) => (err ? 0 : v)) as [unknown, unknown, number];
      for (const s of [...this.owned.keys()]) {
        const ok = await this.redis.eval(RENEW, 1, this.keys.lease(s), engineId, leaseMs);
        if (ok === 1) this.owned.set(s, safeUntil);
        else this.drop(s);
      }
      const share = Math.ceil(shards / Math.max(1, live));
      await this.handBack(share);
      if (this.owned.size < share) await this.grow(share, safeUntil);
    } catch {
      // Redis is unreachable: leases age on our clock and stop admitting work when stale.
    } finally {
      this.ticking = false;
    }
  }

  private async grow(share: number, safeUntil: number): Promise<void> {
    const { engineId, leaseMs, shards } = this.opts;
    // Start at an engine-specific offset so engines joining together do not race for the same partitions.
    const offset = hashOf(engineId) % shards;
    for (let i = 0; i < shards && this.owned.size < share && !this.stopped; i++) {
      const s = (offset + i) % shards;
      if (this.owned.has(s)) continue;
      const ok = await this.redis.set(this.keys.lease(s), engineId, 'PX', leaseMs, 'NX');
      if (ok !== 'OK') continue;
      this.owned.set(s, safeUntil);
      this.recovering.add(s);
      try {
        await this.events.acquired(s);
        this.recovering.delete(s);
      } catch {
        this.recovering.delete(s);
        this.drop(s);
        await this.redis.eval(RELEASE, 1, this.keys.lease(s), engineId).catch(() => undefined);
      }
    }
  }

  private async handBack(share: number): Promise<void> {
    const extra = this.owned.size - share;
    if (extra > 0) {
      const candidates = [...this.owned.keys()]
        .filter((s) => !this.releasing.has(s))
        .slice(0, extra - this.releasing.size);
      for (const s of candidates) this.releasing.add(s);
    }
    for (const s of [...this.releasing]) {
      if (!this.owned.has(s) || this.events.inFlight(s) > 0) continue;
      if (this.owned.size - 1 < share) {
        this.releasing.delete(s); // the share grew back meanwhile: keep it
        continue;
      }
      await this.redis.eval(RELEASE, 1, this.keys.lease(s), this.opts.engineId);
      this.drop(s);
    }
  }

  private drop(s: number): void {
    if (!this.owned.delete(s)) return;
    this.releasing.delete(s);
    this.events.lost(s);
  }

  /** Stops renewing; hands every partition back and leaves the engine set (graceful shutdown). */
  async stop(release: boolean): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    if (!release) return;
    const owned = [...this.owned.keys()];
    for (const s of owned) this.drop(s);
    await Promise.allSettled([
      ...owned.map((s) => this.redis.eval(RELEASE, 1, this.keys.lease(s), this.opts.engineId)),
      this.redis.zrem(this.keys.engines, this.opts.engineId),
    ]);
  }
}

function hashOf(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) >>> 0;
  return h;
}
