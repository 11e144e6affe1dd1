/**
 * The gateway's side of reply delivery. Engines append reply events to one stream; every gateway
 * reads all of it (`XREAD`, each from where it left off, so a Redis restart or a slow gateway loses
 * nothing the stream still holds). Then:
 * - fan-out channels (web chat, the HTTP API) hand every event to the local channel, which
 *   delivers it only if it holds that chat's socket or request;
 * - every other channel (Telegram, Slack, …) must be delivered exactly once: the first gateway to
 *   see a reply claims it (`SET NX`) and delivers all its events, in order; if the claimant dies
 *   mid-reply, a live gateway steals the claim for the final event so the answer still arrives.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { OutboundHandler } from '../core/bus.js';
import type { Outbound } from '../core/message.js';
import { ErrorCode } from '../core/errors.js';
import type { BusKeys } from './bus-keys.js';
import { decodeOutbound, type StreamEntry } from './stream-codec.js';

const CLAIM_MS = 10 * 60_000;
const ALIVE_MS = 6_000;
const STEAL = `if redis.call('get', KEYS[1]) == ARGV[1] then redis.call('set', KEYS[1], ARGV[2], 'PX', ARGV[3]) return 1 else return 0 end`;

export interface OutboundFanoutOptions {
  gatewayId: string;
  fanOutChannels: ReadonlySet<string>;
  log: Logger;
  /** How long a claim lives (in Redis and in memory) without a final event; default 10 minutes. */
  claimTtlMs?: number;
}

export class OutboundFanout {
  private readonly subscribers = new Map<string, Set<OutboundHandler>>();
  /** One delivery chain per chat, so events of a reply reach the platform in order. */
  private readonly chains = new Map<string, Promise<void>>();
  /**
   * Replies in progress on exactly-once channels: whether this gateway delivers them, and when the
   * reply was last seen. An entry whose final event never comes is dropped after the claim's lifetime.
   */
  private readonly claims = new Map<string, { mine: boolean; seenAt: number }>();
  private running = false;
  private loop?: Promise<void>;
  private alive?: NodeJS.Timeout;

  constructor(
    private readonly cmd: Redis,
    private readonly reader: Redis,
    private readonly keys: BusKeys,
    private readonly opts: OutboundFanoutOptions,
  ) {}

  /** Registers a channel's delivery; the stream reader starts with the first subscriber. */
  subscribe(channel: string, handler: OutboundHandler): () => void {
    let set = this.subscribers.get(channel);
    if (!set) this.subscribers.set(channel, (set = new Set()));
    set.add(handler);
    if (!this.running) this.start();
    return () => set.delete(handler);
  }

  private start(): void {
    this.running = true;
    const beat = () => {
      void this.cmd.set(this.keys.gatewayAlive(this.opts.gatewayId), '1', 'PX', ALIVE_MS).catch(() => undefined);
      this.forgetStaleClaims();
    };
    beat();
    this.alive = setInterval(beat, ALIVE_MS / 3);
    this.loop = this.readLoop();
  }

  private async readLoop(): Promise<void> {
    let last = '$';
    while (this.running) {
      try {
        if (last === '$') {
          // Start after the newest event now in the stream; from then on, resume exactly where we were.
          const newest = (await this.cmd.xrevrange(this.keys.outbound, '+', '-', 'COUNT', 1)) as StreamEntry[];
          last = newest[0]?.[0] ?? '0-0';
        }
        const res = (await this.reader.xread(
          'COUNT',
          500,
          'BLOCK',
          1000,
          'STREAMS',
          this.keys.outbound,
          last,
        )) as Array<[string, StreamEntry[]]> | null;
        for (const [, entries] of res ?? []) {
          for (const [id, fields] of entries) {
            last = id;
            const out = fields && decodeOutbound(fields);
            if (out) this.route(out);
          }
        }
      } catch {
        if (!this.running) break;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }

  private route(out: Outbound): void {
    const handlers = this.subscribers.get(out.target.channel);
    if (!handlers?.size) return;
    const key = `${out.target.channel}\u0000${out.target.chatId}\u0000${out.target.threadId ?? ''}`;
    const previous = this.chains.get(key) ?? Promise.resolve();
    const next = previous
      .then(async () => {
        if (!this.opts.fanOutChannels.has(out.target.channel) && !(await this.mayDeliver(out))) return;
        for (const h of handlers) await h(out);
      })
      .catch((err) =>
        this.opts.log.warn(
          {
            channel: out.target.channel,
            requestId: out.event.inReplyTo,
            errorCode: ErrorCode.bus,
            err: { message: (err as Error).message },
          },
          'reply routing failed',
        ),
      )
      .finally(() => {
        if (this.chains.get(key) === next) this.chains.delete(key);
      });
    this.chains.set(key, next);
  }

  /** Exactly-once channels: whether this gateway delivers this reply (claims it on first sight). */
  private async mayDeliver(out: Outbound): Promise<boolean> {
    const { replyId, type } = out.event;
    const claimKey = this.keys.deliveryClaim(replyId);
    const me = this.opts.gatewayId;
    const terminal = type === 'done' || type === 'error';
    let mine = this.claims.get(replyId)?.mine;
    if (mine === undefined) {
      mine =
        (await this.cmd.set(claimKey, me, 'PX', this.opts.claimTtlMs ?? CLAIM_MS, 'NX')) === 'OK' ||
        (await this.cmd.get(claimKey)) === me;
    }
    if (!mine && terminal) {
      const holder = await this.cmd.get(claimKey);
      if (holder && !(await this.cmd.exists(this.keys.gatewayAlive(holder)))) {
        mine = (await this.cmd.eval(STEAL, 1, claimKey, holder, me, this.opts.claimTtlMs ?? CLAIM_MS)) === 1;
        if (mine)
          this.opts.log.info(
            { requestId: out.event.inReplyTo, channel: out.target.channel },
            'reply taken over from a gateway that died',
          );
      }
    }
    if (terminal) this.claims.delete(replyId);
    else this.claims.set(replyId, { mine, seenAt: Date.now() });
    return mine;
  }

  /** Replies not heard of for a claim's lifetime lost their final event: forget them. */
  private forgetStaleClaims(): void {
    const before = Date.now() - (this.opts.claimTtlMs ?? CLAIM_MS);
    for (const [replyId, claim] of this.claims) if (claim.seenAt < before) this.claims.delete(replyId);
  }

  /** Replies in progress this gateway keeps track of (for tests and metrics). */
  pendingClaims(): number {
    return this.claims.size;
  }

  /** Stops reading at once; the liveness key is left to expire (crash simulation). */
  abandon(): void {
    this.running = false;
    clearInterval(this.alive);
    this.reader.disconnect();
  }

  /** Stops reading and waits for deliveries already started. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    clearInterval(this.alive);
    this.reader.disconnect();
    await this.loop;
    await Promise.allSettled([...this.chains.values()]);
    await this.cmd.del(this.keys.gatewayAlive(this.opts.gatewayId)).catch(() => undefined);
  }
}
