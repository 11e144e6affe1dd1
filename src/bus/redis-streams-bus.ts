/**
 * The durable bus between gateway and engine replicas, on Redis Streams.
 *
 * Why Redis Streams rather than NATS JetStream (both run here): the guarantees Hearth needs are
 * at-least-once delivery, one consumer per message, and strict order per conversation across many
 * engines. Streams give the first two with consumer groups (`XREADGROUP`/`XACK`, pending entries
 * that survive a consumer's death and can be claimed), and the third by partitioning
 * conversations over N streams, each owned by one engine through a Redis lease — plain
 * `SET NX PX`, in the same server. JetStream would need the same partitioning plus a separate lock
 * service (its KV) for ownership, and a second piece of infrastructure: scaled Hearth already needs
 * Redis for sessions, rate limits and reply fan-out, so one server carries all of it. Durability
 * across a Redis restart is Redis's own: run it with `appendonly yes` (`appendfsync always` to lose
 * nothing even on a power cut), as deploy/ does.
 *
 * Back-pressure: gateways keep accepting while the queued depth (entries accepted and not yet
 * answered, over all partitions) is below `bus.maxQueueDepth`; beyond it they answer busy
 * (HEARTH_E_BUSY, HTTP 503) instead of queueing without bound.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type {
  Bus,
  ControlHandler,
  ControlMessage,
  InboundHandler,
  OutboundHandler,
  TopicHandler,
} from '../core/bus.js';
import { ErrorCode, HearthError } from '../core/errors.js';
import { conversationKey, type Message, type Outbound } from '../core/message.js';
import { busKeys, type BusKeys } from './bus-keys.js';
import { InboundConsumer } from './inbound-consumer.js';
import { OutboundFanout } from './outbound-fanout.js';
import { shardOf } from './shard-of.js';

/** Reply events kept in the outbound stream: far more than any gateway lags behind. */
const OUTBOUND_MAXLEN = 100_000;
const DEPTH_REFRESH_MS = 200;

export interface RedisStreamBusOptions {
  url: string;
  prefix: string;
  shards: number;
  maxQueueDepth: number;
  engineConcurrency: number;
  leaseMs: number;
  fanOutChannels: readonly string[];
  log: Logger;
}

export class RedisStreamBus implements Bus {
  /** Unique per process: names this replica as a consumer, a lease owner and a delivery claimant. */
  readonly id = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  private readonly keys: BusKeys;
  private readonly cmd: Redis;
  private consumer?: InboundConsumer;
  private fanout?: OutboundFanout;
  private publishing = 0;
  private depth = 0;
  private depthTimer?: NodeJS.Timeout;
  private publishIdle: Array<() => void> = [];
  private closed = false;
  private controlSub?: Redis;
  private controlChain: Promise<void> = Promise.resolve();
  private readonly controlHandlers = new Set<ControlHandler>();
  /** Topic broadcasts (canvas rooms) ride plain Redis pub/sub on their own connection. */
  private topicSub?: Redis;
  private readonly topics = new Map<string, Set<TopicHandler>>();

  private constructor(private readonly opts: RedisStreamBusOptions) {
    this.keys = busKeys(opts.prefix);
    this.cmd = this.connection();
  }

  /** Connects and checks Redis answers. */
  static async open(opts: RedisStreamBusOptions): Promise<RedisStreamBus> {
    const bus = new RedisStreamBus(opts);
    try {
      await bus.cmd.connect();
      await bus.cmd.ping();
    } catch (err) {
      bus.cmd.disconnect();
      throw new HearthError(ErrorCode.bus, `cannot reach Redis for the bus: ${(err as Error).message}`, 503, {
        cause: err,
      });
    }
    return bus;
  }

  /** Commands wait through a Redis restart (offline queue, unlimited retries) instead of failing. */
  private connection(): Redis {
    const r = new Redis(this.opts.url, {
      lazyConnect: true,
      maxRetriesPerRequest: null,
      retryStrategy: (n) => Math.min(50 * n, 500),
    });
    r.on('error', () => undefined);
    return r;
  }

  async publishInbound(message: Message): Promise<void> {
    if (this.closed) throw new HearthError(ErrorCode.shuttingDown, 'Hearth is shutting down', 503);
    this.watchDepth();
    if (this.depth + this.publishing >= this.opts.maxQueueDepth) {
      throw new HearthError(ErrorCode.busy, 'Hearth is busy right now; please try again in a moment', 503);
    }
    this.publishing++;
    try {
      const shard = shardOf(conversationKey(message), this.opts.shards);
      await this.cmd.xadd(this.keys.inbound(shard), '*', 'm', JSON.stringify(message));
    } finally {
      if (--this.publishing === 0) for (const w of this.publishIdle.splice(0)) w();
    }
  }

  consumeInbound(handler: InboundHandler): void {
    if (this.consumer) throw new Error('only one inbound consumer per process');
    const reader = this.connection();
    this.consumer = new InboundConsumer(
      this.cmd,
      reader,
      this.keys,
      {
        consumerId: this.id,
        shards: this.opts.shards,
        leaseMs: this.opts.leaseMs,
        concurrency: this.opts.engineConcurrency,
        log: this.opts.log,
      },
      handler,
    );
    this.consumer.start();
  }

  async publishOutbound(out: Outbound): Promise<void> {
    await this.cmd.xadd(this.keys.outbound, 'MAXLEN', '~', OUTBOUND_MAXLEN, '*', 'o', JSON.stringify(out));
  }

  subscribeOutbound(channel: string, handler: OutboundHandler): () => void {
    this.fanout ??= new OutboundFanout(this.cmd, this.connection(), this.keys, {
      gatewayId: this.id,
      fanOutChannels: new Set(this.opts.fanOutChannels),
      log: this.opts.log,
    });
    return this.fanout.subscribe(channel, handler);
  }

  async publishControl(message: ControlMessage): Promise<void> {
    const json = JSON.stringify(message);
    await this.cmd.multi().hset(this.keys.control, message.type, json).publish(this.keys.control, json).exec();
  }

  subscribeControl(handler: ControlHandler): () => void {
    this.controlHandlers.add(handler);
    if (!this.controlSub) {
      const sub = (this.controlSub = this.connection());
      const deliver = (json: string) => {
        let message: ControlMessage;
        try {
          message = JSON.parse(json) as ControlMessage;
        } catch {
          return this.opts.log.warn({ errorCode: ErrorCode.bus }, 'malformed control message ignored');
        }
        // One at a time, in the order announced: a switch to a model must not overtake the
        // message that added it.
        for (const h of this.controlHandlers) {
          this.controlChain = this.controlChain
            .then(() => h(message))
            .catch((err: unknown) =>
              this.opts.log.error(
                { errorCode: ErrorCode.bus, err: { message: (err as Error).message } },
                'control message failed',
              ),
            );
        }
      };
      sub.on('message', (_channel: string, json: string) => deliver(json));
      // Subscribe first, then replay the stored latest values: nothing announced in between is missed.
      void sub
        .subscribe(this.keys.control)
        .then(() => this.cmd.hgetall(this.keys.control))
        .then((latest) => Object.values(latest).forEach(deliver))
        .catch((err: unknown) =>
          this.opts.log.error(
            { errorCode: ErrorCode.bus, err: { message: (err as Error).message } },
            'control subscription failed',
          ),
        );
    }
    return () => this.controlHandlers.delete(handler);
  }

  async publishTopic(topic: string, data: Uint8Array): Promise<void> {
    await this.cmd.publish(this.keys.topic(topic), Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  }

  async subscribeTopic(topic: string, handler: TopicHandler): Promise<() => void> {
    if (!this.topicSub) {
      const sub = (this.topicSub = this.connection());
      sub.on('messageBuffer', (channel: Buffer, message: Buffer) => {
        for (const h of this.topics.get(channel.toString()) ?? []) {
          try {
            h(new Uint8Array(message.buffer, message.byteOffset, message.byteLength));
          } catch (err) {
            this.opts.log.error(
              { errorCode: ErrorCode.bus, err: { message: (err as Error).message } },
              'topic subscriber failed',
            );
          }
        }
      });
    }
    const key = this.keys.topic(topic);
    let set = this.topics.get(key);
    if (!set) {
      this.topics.set(key, (set = new Set()));
      // ioredis re-subscribes by itself after a reconnect (autoResubscribe).
      await this.topicSub.subscribe(key);
    }
    set.add(handler);
    return () => {
      set.delete(handler);
      if (set.size > 0 || this.topics.get(key) !== set) return;
      this.topics.delete(key);
      void this.topicSub?.unsubscribe(key).catch(() => undefined);
    };
  }

  pending(): number {
    return this.publishing + (this.consumer?.pending() ?? 0);
  }

  async drain(): Promise<void> {
    if (this.publishing > 0) await new Promise<void>((r) => this.publishIdle.push(r));
    await this.consumer?.drain();
  }

  /** Inbound messages queued or being answered, over all partitions (the queue-depth metric). */
  async queueDepth(): Promise<number> {
    const p = this.cmd.pipeline();
    for (let s = 0; s < this.opts.shards; s++) p.xlen(this.keys.inbound(s));
    const res = (await p.exec()) ?? [];
    return res.reduce((sum, [err, n]) => sum + (err ? 0 : Number(n)), 0);
  }

  /** Keeps `depth` fresh in the background once this process publishes (gateways only). */
  private watchDepth(): void {
    if (this.depthTimer) return;
    const refresh = () =>
      void this.queueDepth().then(
        (d) => (this.depth = d),
        () => undefined,
      );
    refresh();
    this.depthTimer = setInterval(refresh, DEPTH_REFRESH_MS);
    this.depthTimer.unref();
  }

  /**
   * Stops at once without finishing or handing anything back, as a crashed process would: leases
   * run out and unacknowledged messages stay pending for other engines. For failure tests.
   */
  abandon(): void {
    this.closed = true;
    clearInterval(this.depthTimer);
    this.consumer?.abandon();
    this.fanout?.abandon();
    this.controlSub?.disconnect();
    this.topicSub?.disconnect();
    this.cmd.disconnect();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.depthTimer);
    await this.consumer?.stop(true);
    await this.fanout?.stop();
    await this.controlSub?.quit().catch(() => this.controlSub?.disconnect());
    await this.topicSub?.quit().catch(() => this.topicSub?.disconnect());
    await this.cmd.quit().catch(() => this.cmd.disconnect());
  }
}
