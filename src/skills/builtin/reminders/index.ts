/**
 * Built-in reminders and scheduled tasks: one-off ("at", "in N minutes") or recurring (cron).
 * Each reminder keeps the reply target it was set from and is delivered there. Reminders are
 * saved to disk and rescheduled after a restart; one that came due while Hearth was down is
 * delivered at start.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Cron } from 'croner';
import type { ReplyTarget } from '../../../core/message.js';
import { parseManifest } from '../../manifest.js';
import { stringArg, type BuiltinDeps, type BuiltinSkill } from '../builtin-skill.js';
import { checkZone, formatInZone, parseWallClock } from '../clock/zoned-time.js';
import { JsonFile } from '../json-file.js';

interface Reminder {
  id: string;
  userId: string;
  text: string;
  target: ReplyTarget;
  /** One-off: due time (ms epoch). */
  at?: number;
  /** Recurring: cron pattern (5 or 6 fields) evaluated in `timezone`. */
  cron?: string;
  timezone: string;
  createdAt: number;
}

const maxPerUser = 100;
/** How far ahead a one-off may be set: beyond this a Date (and the timer) cannot represent it. */
const maxAheadMs = 100 * 365 * 24 * 3_600_000;

/** Checks a due time computed from the model's arguments. */
function checkDue(at: number): number {
  if (!Number.isFinite(at)) throw new Error('cannot read that time');
  if (at <= Date.now()) throw new Error('that time has passed');
  if (at > Date.now() + maxAheadMs) throw new Error('that time is more than 100 years ahead');
  return at;
}

/** Owns the timers; everything it schedules is stopped by `stopAll`. */
class ReminderScheduler {
  private readonly jobs = new Map<string, Cron>();
  private readonly file: JsonFile<Reminder[]>;

  constructor(private readonly deps: BuiltinDeps) {
    this.file = new JsonFile<Reminder[]>(join(deps.dataDir, 'reminders.json'), () => []);
  }

  async restore(): Promise<void> {
    // One bad record (hand-edited file, older version) must not take every user's reminders down.
    for (const r of await this.file.read()) {
      try {
        this.schedule(r);
      } catch (err) {
        this.deps.log.error({ skill: 'reminders', reminder: r.id, err: (err as Error).message }, 'reminder could not be rescheduled');
      }
    }
  }

  async add(r: Reminder): Promise<void> {
    await this.file.update((list) => {
      if (list.filter((x) => x.userId === r.userId).length >= maxPerUser) throw new Error(`at most ${maxPerUser} reminders per user`);
      list.push(r);
    });
    this.schedule(r);
  }

  async list(userId: string): Promise<Reminder[]> {
    return (await this.file.read()).filter((r) => r.userId === userId);
  }

  async cancel(userId: string, id: string): Promise<boolean> {
    const removed = await this.file.update((list) => {
      const i = list.findIndex((r) => r.id === id && r.userId === userId);
      if (i >= 0) list.splice(i, 1);
      return i >= 0;
    });
    this.jobs.get(id)?.stop();
    this.jobs.delete(id);
    return removed;
  }

  stopAll(): void {
    for (const job of this.jobs.values()) job.stop();
    this.jobs.clear();
  }

  private schedule(r: Reminder): void {
    const fire = () => void this.fire(r);
    if (r.cron) {
      this.jobs.set(r.id, new Cron(r.cron, { timezone: r.timezone, unref: true, catch: true }, fire));
    } else if (r.at !== undefined) {
      if (r.at <= Date.now()) return fire();
      this.jobs.set(r.id, new Cron(new Date(r.at), { unref: true, catch: true }, fire));
    }
  }

  private async fire(r: Reminder): Promise<void> {
    try {
      await this.deps.deliver(r.target, `⏰ Reminder: ${r.text}`);
      this.deps.log.info({ skill: 'reminders', reminder: r.id, channel: r.target.channel, event: 'reminder_delivered' }, 'reminder delivered');
    } catch (err) {
      this.deps.log.warn({ skill: 'reminders', reminder: r.id, err: (err as Error).message }, 'reminder delivery failed');
    }
    if (!r.cron) {
      this.jobs.delete(r.id);
      await this.file.update((list) => {
        const i = list.findIndex((x) => x.id === r.id);
        if (i >= 0) list.splice(i, 1);
      });
    }
  }
}

/** Works out when a new reminder is due from the tool arguments. */
function timing(args: Record<string, unknown>, zone: string): { at?: number; cron?: string } {
  if (typeof args.cron === 'string' && args.cron.trim()) {
    const cron = args.cron.trim();
    try {
      const probe = new Cron(cron, { timezone: zone, paused: true });
      if (!probe.nextRun()) throw new Error('never fires');
      probe.stop();
    } catch (err) {
      throw new Error(`invalid cron "${cron}": ${(err as Error).message}`, { cause: err });
    }
    return { cron };
  }
  if (typeof args.in_minutes === 'number' && args.in_minutes > 0) return { at: checkDue(Date.now() + args.in_minutes * 60_000) };
  if (typeof args.at === 'string' && args.at.trim()) {
    const iso = Date.parse(args.at);
    const at = /[zZ]|[+-]\d\d:\d\d$/.test(args.at) && !Number.isNaN(iso) ? iso : parseWallClock(args.at, zone);
    return { at: checkDue(at) };
  }
  throw new Error('give "at", "in_minutes" or "cron"');
}

export const reminders: BuiltinSkill = {
  manifest: parseManifest({
    name: 'reminders',
    version: '1.0.0',
    description: 'Reminders and scheduled messages',
    runtime: 'in-process',
    entry: '(built-in)',
    triggers: ['remind', 'reminder', 'schedul', 'alarm', 'every', 'later', 'tomorrow', 'cron', 'timer', 'in an hour', 'minutes', '提醒', '闹钟', '定时'],
    tools: [
      {
        name: 'reminder_set',
        description: 'Remind the user in this chat: once (at local "YYYY-MM-DD HH:MM", or in_minutes) or recurring (cron)',
        parameters: {
          type: 'object',
          properties: {
            text: { type: 'string' },
            at: { type: 'string' },
            in_minutes: { type: 'number' },
            cron: { type: 'string', description: '5-field cron, e.g. "0 9 * * 1-5"' },
            timezone: { type: 'string', description: 'IANA zone, default UTC' },
          },
          required: ['text'],
        },
      },
      { name: 'reminder_list', description: "List the user's reminders", parameters: { type: 'object', properties: {} } },
      {
        name: 'reminder_cancel',
        description: 'Cancel a reminder by id',
        parameters: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] },
      },
    ],
  }),
  create: (deps) => {
    const scheduler = new ReminderScheduler(deps);
    return {
      init: () => scheduler.restore(),
      destroy: () => scheduler.stopAll(),
      execute: async ({ tool, arguments: args, context }) => {
        if (tool === 'reminder_set') {
          const zone = checkZone(typeof args.timezone === 'string' && args.timezone ? args.timezone : 'UTC');
          const r: Reminder = {
            id: randomUUID().slice(0, 8),
            userId: context.userId,
            text: stringArg(args, 'text').slice(0, 500),
            target: context.target,
            timezone: zone,
            createdAt: Date.now(),
            ...timing(args, zone),
          };
          await scheduler.add(r);
          return r.cron ? `Reminder ${r.id} set: "${r.cron}" (${zone}).` : `Reminder ${r.id} set for ${formatInZone(r.at!, zone)}.`;
        }
        if (tool === 'reminder_cancel') {
          const id = stringArg(args, 'id');
          return (await scheduler.cancel(context.userId, id)) ? `Cancelled ${id}.` : { content: `No reminder ${id}.`, isError: true };
        }
        const list = await scheduler.list(context.userId);
        if (list.length === 0) return 'No reminders.';
        const when = (r: Reminder) => {
          if (r.cron) return `cron "${r.cron}" ${r.timezone}`;
          try {
            return formatInZone(r.at!, r.timezone);
          } catch {
            return '(unreadable time)';
          }
        };
        return list.map((r) => `[${r.id}] ${when(r)}: ${r.text}`).join('\n');
      },
    };
  },
};
