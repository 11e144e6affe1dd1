/**
 * Runs a job on a cron schedule (croner computes the times) with an injectable clock, so the
 * schedule is tested by moving a fake clock instead of waiting for 03:00.
 */
import { Cron } from 'croner';

export interface Clock {
  now(): Date;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => new Date(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref(); // a pending backup never keeps a stopping process alive
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** Longest single timer Node accepts; a later run is reached by re-arming. */
const MAX_DELAY = 2 ** 31 - 1;

export class CronSchedule {
  private readonly cron: Cron;
  private timer: unknown;
  private running?: Promise<void>;
  private stopped = false;

  /** Throws on an invalid cron expression. */
  constructor(
    pattern: string,
    private readonly job: () => Promise<void>,
    private readonly clock: Clock = systemClock,
  ) {
    this.cron = new Cron(pattern, { paused: true });
  }

  /** The next time the job runs after `from`. */
  nextRun(from: Date = this.clock.now()): Date | undefined {
    return this.cron.nextRun(from) ?? undefined;
  }

  start(): void {
    this.stopped = false;
    this.arm();
  }

  private arm(): void {
    if (this.stopped) return;
    const next = this.nextRun();
    if (!next) return;
    const delay = Math.max(0, next.getTime() - this.clock.now().getTime());
    this.timer = this.clock.setTimeout(
      () => {
        if (this.clock.now().getTime() < next.getTime()) return this.arm(); // a re-arm step of a long wait
        this.running = this.job()
          .catch(() => undefined) // the job reports its own failures
          .finally(() => {
            this.running = undefined;
            this.arm();
          });
      },
      Math.min(delay, MAX_DELAY),
    );
  }

  /** Stops future runs and waits for one in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    await this.running;
  }
}
