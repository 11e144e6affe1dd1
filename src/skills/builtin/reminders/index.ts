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
  /** A scheduled device action: the tool call run when due (approved when it was scheduled). */
  action?: ScheduledAction;
}

interface ScheduledAction {
  tool: string;
  arguments: Record<string, unknown>;
  agent: string;
  conversationId: string;
}

/** Tools a scheduled action may run: device control only, whose approval is asked when scheduling. */
export const SCHEDULABLE_TOOLS = ['mqtt_publish', 'ha_call_service'];

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
  private readonly inFlight = new Set<Promise<void>>();
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
        this.deps.log.error(
          { skill: 'reminders', reminder: r.id, err: (err as Error).message },
          'reminder could not be rescheduled',
        );
      }
    }
  }

  async add(r: Reminder): Promise<void> {
    await this.file.update((list) => {
      if (list.filter((x) => x.userId === r.userId).length >= maxPerUser)
        throw new Error(`at most ${maxPerUser} reminders per user`);
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

  /** Stops the timers and waits for deliveries under way (their file update must not outlive the host). */
  async stopAll(): Promise<void> {
    for (const job of this.jobs.values()) job.stop();
    this.jobs.clear();
    await Promise.allSettled([...this.inFlight]);
  }

  private schedule(r: Reminder): void {
    const fire = () => {
      // A failure here (the data folder gone) is logged; an unhandled rejection would take the process down.
      const run = this.fire(r).catch((err: unknown) =>
        this.deps.log.error(
          { skill: 'reminders', reminder: r.id, err: (err as Error).message },
          'reminder could not be completed',
        ),
      );
      this.inFlight.add(run);
      void run.finally(() => this.inFlight.delete(run));
    };
    if (r.cron) {
      this.jobs.set(r.id, new Cron(r.cron, { timezone: r.timezone, unref: true, catch: true }, fire));
    } else if (r.at !== undefined) {
      if (r.at <= Date.now()) return fire();
      this.jobs.set(r.id, new Cron(new Date(r.at), { unref: true, catch: true }, fire));
    }
  }

  private async fire(r: Reminder): Promise<void> {
    if (r.action) return this.runAction(r, r.action);
    try {
      await this.deps.deliver(r.target, `⏰ Reminder: ${r.text}`);
      this.deps.log.info(
        { skill: 'reminders', reminder: r.id, channel: r.target.channel, event: 'reminder_delivered' },
        'reminder delivered',
      );
    } catch (err) {
      this.deps.log.warn(
        { skill: 'reminders', reminder: r.id, err: (err as Error).message },
        'reminder delivery failed',
      );
    }
    if (!r.cron) {
      this.jobs.delete(r.id);
      await this.file.update((list) => {
        const i = list.findIndex((x) => x.id === r.id);
        if (i >= 0) list.splice(i, 1);
      });
    }
  }

  /** Runs a due device action at most once (removed before it runs), then reports the outcome in the chat. */
  private async runAction(r: Reminder, action: ScheduledAction): Promise<void> {
    if (!r.cron) {
      this.jobs.delete(r.id);
      await this.file.update((list) => {
        const i = list.findIndex((x) => x.id === r.id);
        if (i >= 0) list.splice(i, 1);
      });
    }
    const log = { skill: 'reminders', reminder: r.id, tool: action.tool };
    let outcome: string;
    if (!this.deps.runTool) {
      outcome = 'tools cannot be run here';
    } else {
      const call = {
        id: `scheduled_${r.id}_${Date.now()}`,
        name: action.tool,
        arguments: JSON.stringify(action.arguments),
      };
      const ctx = {
        conversationId: action.conversationId,
        userId: r.userId,
        agent: action.agent,
        target: r.target,
        signal: AbortSignal.timeout(60_000),
      };
      const result = await this.deps
        .runTool(call, ctx)
        .catch((err: unknown) => ({ content: (err as Error).message, isError: true }));
      outcome = result.isError ? `failed: ${result.content}` : result.content;
      this.deps.log[result.isError ? 'warn' : 'info'](
        { ...log, event: 'scheduled_action_run', ok: !result.isError },
        'scheduled action run',
      );
    }
    try {
      await this.deps.deliver(r.target, `⏰ Scheduled: ${r.text} — ${outcome}`);
    } catch (err) {
      this.deps.log.warn({ ...log, err: (err as Error).message }, 'scheduled action report failed');
    }
  }
}

/** The tool call a scheduled action runs, checked when it is scheduled. */
function actionOf(args: Record<string, unknown>): Pick<ScheduledAction, 'tool' | 'arguments'> {
  const tool = stringArg(args, 'tool');
  if (!SCHEDULABLE_TOOLS.includes(tool))
    throw new Error(
      `only device actions can be scheduled (${SCHEDULABLE_TOOLS.join(', ')}); use reminder_set for a message`,
    );
  const a = args.arguments;
  if (!a || typeof a !== 'object' || Array.isArray(a))
    throw new Error('"arguments" must be the object of arguments of that tool');
  if (JSON.stringify(a).length > 4_000) throw new Error('"arguments" is too long');
  return { tool, arguments: a as Record<string, unknown> };
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
  if (typeof args.in_minutes === 'number' && args.in_minutes > 0)
    return { at: checkDue(Date.now() + args.in_minutes * 60_000) };
  if (typeof args.at === 'string' && args.at.trim()) {
    const iso = Date.parse(args.at);
    const at = /[zZ]|[+-]\d\d:\d\d$/.test(args.at) && !Number.isNaN(iso) ? iso : parseWallClock(args.at, zone);
    return { at: checkDue(at) };
  }
  throw new Error('give "at", "in_minutes" or "cron"');
}

const reminderTriggers = [
  'remind',
  'reminder',
  'schedul',
  'alarm',
  'every',
  'later',
  'tomorrow',
  'cron',
  'timer',
  'in an hour',
  'minutes',
  '提醒',
  '闹钟',
  '定时',
];

export const reminders: BuiltinSkill = {
  manifest: parseManifest({
    name: 'reminders',
    version: '1.0.0',
    description: 'Reminders and scheduled messages',
    runtime: 'in-process',
    entry: '(built-in)',
    triggers: reminderTriggers,
    tools: [
      {
        name: 'reminder_set',
        description:
          'Remind the user in this chat: once (at local "YYYY-MM-DD HH:MM", or in_minutes) or recurring (cron)',
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
      {
        name: 'schedule_action',
        description:
          'Schedule a device action to run later in this chat, e.g. turn off the heater at 23:00: tool (mqtt_publish or ha_call_service) and its arguments, when as at / in_minutes / cron like reminder_set',
        parameters: {
          type: 'object',
          properties: {
            text: { type: 'string', description: "What it does, in the user's words" },
            tool: { type: 'string', enum: SCHEDULABLE_TOOLS },
            arguments: { type: 'object' },
            at: { type: 'string' },
            in_minutes: { type: 'number' },
            cron: { type: 'string' },
            timezone: { type: 'string' },
          },
          required: ['text', 'tool', 'arguments'],
        },
        // Approved once, when scheduled: the action then runs when due without asking again.
        sensitive: true,
        triggers: [
          ...reminderTriggers,
          'turn on',
          'turn off',
          'switch',
          'light',
          'heater',
          'thermostat',
          '/\\bat \\d{1,2}([:.]\\d{2})?\\b/',
        ],
      },
      {
        name: 'reminder_list',
        description: "List the user's reminders and scheduled actions",
        parameters: { type: 'object', properties: {} },
      },
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
          return r.cron
            ? `Reminder ${r.id} set: "${r.cron}" (${zone}).`
            : `Reminder ${r.id} set for ${formatInZone(r.at!, zone)}.`;
        }
        if (tool === 'schedule_action') {
          const zone = checkZone(typeof args.timezone === 'string' && args.timezone ? args.timezone : 'UTC');
          const r: Reminder = {
            id: randomUUID().slice(0, 8),
            userId: context.userId,
            text: stringArg(args, 'text').slice(0, 500),
            target: context.target,
            timezone: zone,
            createdAt: Date.now(),
            action: { ...actionOf(args), agent: context.agent, conversationId: context.conversationId },
            ...timing(args, zone),
          };
          await scheduler.add(r);
          return r.cron
            ? `Action ${r.id} scheduled: "${r.cron}" (${zone}).`
            : `Action ${r.id} scheduled for ${formatInZone(r.at!, zone)}.`;
        }
        if (tool === 'reminder_cancel') {
          const id = stringArg(args, 'id');
          return (await scheduler.cancel(context.userId, id))
            ? `Cancelled ${id}.`
            : { content: `No reminder ${id}.`, isError: true };
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
        return list
          .map((r) => `[${r.id}] ${when(r)}: ${r.text}${r.action ? ` (runs ${r.action.tool})` : ''}`)
          .join('\n');
      },
    };
  },
};
