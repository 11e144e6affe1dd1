/**
 * Retention: messages (and the files attached to them) older than a channel's
 * `retentionDays` (channels.yml), or `privacy.retentionDays` for every other channel, are
 * deleted once at start and then daily. Each pass that deletes is written to the audit log
 * (`retention.prune`, one entry per policy) so an operator can show what went and when.
 */
import type { Logger } from 'pino';
import type { BlobStore, HistoryStore, PruneResult } from '../core/stores.js';

const DAY_MS = 86_400_000;

export interface RetentionPolicy {
  /** Days kept on channels without their own setting; absent: kept until deleted. */
  defaultDays?: number;
  /** Days kept per channel name (`telegram`, `slack`, …). */
  channels: Record<string, number>;
}

/** What one pass removed under one policy (`*`: the default for the other channels). */
export interface RetentionPassEntry extends PruneResult {
  channel: string;
  days: number;
  blobsDeleted: number;
}

export interface RetentionDeps {
  history: HistoryStore;
  blobs: BlobStore;
  /** Records one audit entry (the security module's audit log). */
  audit: (entry: {
    actor: string;
    action: string;
    target: string;
    result: 'ok' | 'error';
    detail: Record<string, unknown>;
  }) => Promise<unknown>;
  log: Logger;
  /** The policy now (read on every pass, so a config reload applies from the next one). */
  policy: () => RetentionPolicy;
  now?: () => number;
  /** How often a pass runs after the first one (default daily). */
  intervalMs?: number;
}

/** The retention policy of a config: `privacy.retentionDays` and each channel's `retentionDays`. */
export function retentionPolicy(
  defaultDays: number | undefined,
  channels: Record<string, { retentionDays?: number } | undefined>,
): RetentionPolicy {
  const own: Record<string, number> = {};
  for (const [name, section] of Object.entries(channels))
    if (section?.retentionDays !== undefined) own[name] = section.retentionDays;
  return { defaultDays, channels: own };
}

export class Retention {
  private timer?: NodeJS.Timeout;
  private running?: Promise<RetentionPassEntry[]>;

  constructor(private readonly deps: RetentionDeps) {}

  /** Runs a pass now and then every `intervalMs`. */
  start(): void {
    void this.runOnce();
    this.timer = setInterval(() => void this.runOnce(), this.deps.intervalMs ?? DAY_MS);
    this.timer.unref();
  }

  /** Stops the schedule and waits for a pass under way. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One pass over every policy; a pass already running is joined, not doubled. Never rejects. */
  runOnce(): Promise<RetentionPassEntry[]> {
    this.running ??= this.pass()
      .catch((err: unknown) => {
        this.deps.log.error({ err: (err as Error).message, event: 'retention_failed' }, 'retention pass failed');
        return [];
      })
      .finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(): Promise<RetentionPassEntry[]> {
    const policy = this.deps.policy();
    const now = (this.deps.now ?? Date.now)();
    const jobs: Array<{ channel: string; days: number; filter: Parameters<HistoryStore['pruneMessages']>[0] }> = [];
    for (const [channel, days] of Object.entries(policy.channels))
      jobs.push({ channel, days, filter: { before: now - days * DAY_MS, channels: [channel] } });
    if (policy.defaultDays !== undefined) {
      jobs.push({
        channel: '*',
        days: policy.defaultDays,
        filter: { before: now - policy.defaultDays * DAY_MS, exceptChannels: Object.keys(policy.channels) },
      });
    }
    const done: RetentionPassEntry[] = [];
    for (const job of jobs) {
      const pruned = await this.deps.history.pruneMessages(job.filter);
      let blobsDeleted = 0;
      for (const key of new Set(pruned.blobKeys)) {
        await this.deps.blobs.delete(key);
        blobsDeleted++;
      }
      const entry = { channel: job.channel, days: job.days, ...pruned, blobsDeleted };
      done.push(entry);
      if (pruned.messages === 0 && pruned.conversations === 0) continue;
      await this.deps.audit({
        actor: 'system',
        action: 'retention.prune',
        target: job.channel,
        result: 'ok',
        detail: {
          days: job.days,
          before: new Date(job.filter.before).toISOString(),
          messages: pruned.messages,
          conversations: pruned.conversations,
          blobs: blobsDeleted,
        },
      });
      this.deps.log.info(
        { channel: job.channel, days: job.days, messages: pruned.messages, blobs: blobsDeleted, event: 'retention' },
        'old messages deleted',
      );
    }
    return done;
  }
}
