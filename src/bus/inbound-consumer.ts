/**
 * The engine's side of the durable bus: reads the partitions this engine owns with
 * `XREADGROUP`, answers messages of one conversation one at a time and in stream order (different
 * conversations concurrently, up to a bound), and acknowledges (`XACK` + `XDEL`) each message only
 * after the handler finished — so a message whose engine died is still pending and is re-answered
 * by the partition's next owner, which first claims (`XAUTOCLAIM`) every unfinished message in
 * stream order before reading new ones.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { InboundHandler } from '../core/bus.js';
import { ErrorCode } from '../core/errors.js';
import { conversationKey } from '../core/message.js';
import { ENGINE_GROUP, type BusKeys } from './bus-keys.js';
import { ShardLeases } from './shard-leases.js';
import { decodeMessage, type StreamEntry } from './stream-codec.js';

export interface InboundConsumerOptions {
  consumerId: string;
  shards: number;
  leaseMs: number;
  concurrency: number;
  log: Logger;
}

export class InboundConsumer {
  private readonly chains = new Map<string, Promise<void>>();
  /** `<shard>/<entry id>` of every message dispatched and not finished. */
  private readonly dispatched = new Set<string>();
  private readonly perShard = new Map<number, number>();
  private readonly leases: ShardLeases;
  private inFlight = 0;
  /** Turns being answered now (≤ concurrency); `inFlight` also counts messages waiting their turn. */
  private answering = 0;
  private slotWaiters: Array<() => void> = [];
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly cmd: Redis,
    private readonly reader: Redis,
    private readonly keys: BusKeys,
    private readonly opts: InboundConsumerOptions,
    private readonly handler: InboundHandler,
  ) {
    this.leases = new ShardLeases(
      cmd,
      keys,
      { engineId: opts.consumerId, shards: opts.shards, leaseMs: opts.leaseMs },
      {
        acquired: (s) => this.recover(s),
        lost: () => undefined,
        inFlight: (s) => this.perShard.get(s) ?? 0,
      },
    );
  }

  start(): void {
    this.running = true;
    this.leases.start();
    this.loop = this.readLoop();
  }

  pending(): number {
    return this.inFlight;
  }

  drain(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops reading. With `release`, partitions are handed back at once (graceful shutdown after drain). */
  async stop(release: boolean): Promise<void> {
    this.running = false;
    this.wake?.();
    this.reader.disconnect();
    await this.loop;
    await this.leases.stop(release);
  }

  /** Stops everything at once, finishing nothing (crash simulation). */
  abandon(): void {
    this.running = false;
    this.wake?.();
    this.reader.disconnect();
    void this.leases.stop(false);
  }

  /** A partition became ours: wait for our own leftovers of it, then re-queue every unfinished message in order. */
  private async recover(shard: number): Promise<void> {
    const key = this.keys.inbound(shard);
    await this.cmd.xgroup('CREATE', key, ENGINE_GROUP, '0', 'MKSTREAM').catch((err: Error) => {
      if (!/BUSYGROUP/.test(err.message)) throw err;
    });
    while ((this.perShard.get(shard) ?? 0) > 0 && this.running) await sleep(20);
    let cursor = '0-0';
    let recovered = 0;
    do {
      const [next, entries] = (await this.cmd.xautoclaim(
        key,
        ENGINE_GROUP,
        this.opts.consumerId,
        0,
        cursor,
        'COUNT',
        200,
      )) as [string, StreamEntry[]];
      for (const [id, fields] of entries) {
        if (!fields) continue; // deleted meanwhile
        this.dispatch(shard, id, fields);
        recovered++;
      }
      cursor = next;
    } while (cursor !== '0-0');
    this.opts.log.info({ shard, recovered }, 'bus partition acquired');
  }

  private async readLoop(): Promise<void> {
    while (this.running) {
      const shards = this.leases.readable();
      const room = this.opts.concurrency - this.inFlight;
      if (shards.length === 0 || room <= 0) {
        await new Promise<void>((r) => {
          this.wake = r;
          setTimeout(r, 100);
        });
        continue;
      }
      try {
        // COUNT applies per stream, so a read may prefetch up to one message per partition beyond
        // the room; prefetched messages stay pending (safe) and wait for a turn slot below.
        const res = (await this.reader.xreadgroup(
          'GROUP',
          ENGINE_GROUP,
          this.opts.consumerId,
          'COUNT',
          Math.max(1, Math.floor(room / shards.length)),
          'BLOCK',
          500,
          'STREAMS',
          ...shards.map((s) => this.keys.inbound(s)),
          ...shards.map(() => '>'),
        )) as Array<[string, StreamEntry[]]> | null;
        for (const [key, entries] of res ?? []) {
          const shard = Number(key.slice(key.lastIndexOf(':') + 1));
          for (const [id, fields] of entries) if (fields) this.dispatch(shard, id, fields);
        }
      } catch (err) {
        if (!this.running) break;
        if (/NOGROUP/.test((err as Error).message)) {
          // Redis lost the group (restarted without persistence): recreate it; nothing else to recover.
          await Promise.allSettled(
            shards.map((s) => this.cmd.xgroup('CREATE', this.keys.inbound(s), ENGINE_GROUP, '0', 'MKSTREAM')),
          );
        } else await sleep(250);
      }
    }
  }

  private dispatch(shard: number, id: string, fields: string[]): void {
    const tag = `${shard}/${id}`;
    if (this.dispatched.has(tag)) return;
    const message = decodeMessage(fields);
    if (!message) {
      this.opts.log.error({ shard, entry: id, errorCode: ErrorCode.bus }, 'unreadable bus entry dropped');
      void this.ack(shard, id);
      return;
    }
    this.dispatched.add(tag);
    this.inFlight++;
    this.perShard.set(shard, (this.perShard.get(shard) ?? 0) + 1);
    const key = conversationKey(message);
    const previous = this.chains.get(key) ?? Promise.resolve();
    const next = previous
      .then(async () => {
        // A stale lease means another engine may own this partition now: leave the message pending for it.
        if (!this.running) return;
        if (!this.leases.mayStart(shard)) return this.leases.forfeit(shard);
        await this.turnSlot();
        try {
          await this.handler(message);
        } catch (err) {
          this.opts.log.error(
            { requestId: message.id, errorCode: ErrorCode.internal, err: { message: (err as Error).message } },
            'message handling failed',
          );
        } finally {
          this.answering--;
          this.slotWaiters.shift()?.();
        }
        await this.ack(shard, id);
      })
      .catch((err) =>
        this.opts.log.warn(
          { requestId: message.id, errorCode: ErrorCode.bus, err: { message: (err as Error).message } },
          'bus acknowledgement failed',
        ),
      )
      .finally(() => {
        if (this.chains.get(key) === next) this.chains.delete(key);
        this.dispatched.delete(tag);
        this.perShard.set(shard, (this.perShard.get(shard) ?? 1) - 1);
        this.wake?.();
        if (--this.inFlight === 0) {
          const waiters = this.idleWaiters;
          this.idleWaiters = [];
          for (const w of waiters) w();
        }
      });
    this.chains.set(key, next);
  }

  /** Waits until fewer than `concurrency` turns are being answered, then takes a slot. */
  private async turnSlot(): Promise<void> {
    while (this.answering >= this.opts.concurrency) await new Promise<void>((r) => this.slotWaiters.push(r));
    this.answering++;
  }

  private async ack(shard: number, id: string): Promise<void> {
    const key = this.keys.inbound(shard);
    await this.cmd.multi().xack(key, ENGINE_GROUP, id).xdel(key, id).exec();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
