/**
 * Built-in reminders and scheduled tasks: one-off ("at", "in N minutes") or recurring (cron).
 * Each reminder keeps the reply target it was set from and is delivered there. Reminders are
 * saved (reminder-list.ts: a file, or the shared session store when replicas share one) and
 * rescheduled after a restart; one that came due while Hearth was down is delivered at start.
 * Every firing first takes a lease keyed by reminder id and due time (SET NX PX in Redis), so
 * with several engine replicas, or a restart racing a delivery, each firing is delivered once.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Cron } from 'croner';
import type { PersonalDataSource } from '../../../core/personal-data.js';
import type { SessionStore } from '../../../core/stores.js';
import { parseManifest } from '../../manifest.js';
import { builtinDataDir, stringArg, type BuiltinDeps, type BuiltinSkill } from '../builtin-skill.js';
import { checkZone, formatInZone, parseWallClock } from '../clock/zoned-time.js';
import { JsonFile } from '../json-file.js';
import { SharedReminderList, type Reminder, type ReminderList, type ScheduledAction } from './reminder-list.js';

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

/** How long the lease of one firing is kept: longer than any replica keeps a stale copy of the list. */
const fireLeaseMs = 24 * 3_600_000;

/** One JsonFile per path in this process, so the scheduler and the privacy service queue their writes together. */
const openLists = new Map<string, JsonFile<Reminder[]>>();
function localList(dir: string): JsonFile<Reminder[]> {
  const path = join(dir, 'reminders.json');
  let f = openLists.get(path);
  if (!f) openLists.set(path, (f = new JsonFile<Reminder[]>(path, () => [])));
  return f;
}

/**
 * The reminders and scheduled actions of each user, for per-user export and deletion (`dataDir`:
 * Hearth's data folder). A deleted reminder never fires: a due one is checked against the list first.
 */
export function remindersData(dataDir: string, sessions: SessionStore): PersonalDataSource {
  const list = (): ReminderList =>
    sessions.shared ? new SharedReminderList(sessions) : localList(builtinDataDir(dataDir, 'reminders'));
  return {
    name: 'reminders',
    export: async (userId) => (await list().read()).filter((r) => r.userId === userId),
    delete: (userId) =>
      list().update((all) => {
        const before = all.length;
        const kept = all.filter((r) => r.userId !== userId);
        all.splice(0, all.length, ...kept);
        return before - kept.length;
      }),
  };
}

export interface SchedulerOptions {
  /** With a shared list: how often a replica picks up reminders set or cancelled on the others. */
  syncMs?: number;
}

/** Owns the timers; everything it schedules is stopped by `stopAll`. */
export class ReminderScheduler {
  /** Scheduled timers by reminder id (a past-due one-off firing now holds a no-op placeholder). */
  private readonly jobs = new Map<string, { stop(): void }>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly localFile: JsonFile<Reminder[]>;
  private readonly file: ReminderList;
  private syncTimer?: NodeJS.Timeout;

  constructor(
    private readonly deps: BuiltinDeps,
    private readonly options: SchedulerOptions = {},
  ) {
    this.localFile = localList(deps.dataDir);
    this.file = deps.sessions.shared ? new SharedReminderList(deps.sessions) : this.localFile;
  }

  async restore(): Promise<void> {
    if (this.file !== this.localFile) {
      // Switching to a shared store: reminders this replica kept in its file move into the shared list.
      const local = await this.localFile.read();
      if (local.length > 0) {
        await this.file.update((list) => {
          for (const r of local) if (!list.some((x) => x.id === r.id)) list.push(r);
        });
        await this.localFile.update((list) => void list.splice(0));
      }
      this.syncTimer = setInterval(() => void this.sync(), this.options.syncMs ?? 15_000);
      this.syncTimer.unref();
    }
    await this.sync();
  }

  /** Schedules the saved reminders not yet scheduled here and drops the ones gone from the list. */
  private async sync(): Promise<void> {
    let saved: Reminder[];
    try {
      saved = await this.file.read();
    } catch (err) {
      this.deps.log.warn({ skill: 'reminders', err: (err as Error).message }, 'reminders could not be read');
      return;
    }
    const ids = new Set(saved.map((r) => r.id));
    for (const [id, job] of this.jobs) {
      if (ids.has(id)) continue;
      job.stop();
      this.jobs.delete(id);
    }
    // One bad record (hand-edited file, older version) must not take every user's reminders down.
    for (const r of saved) {
      if (this.jobs.has(r.id)) continue;
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
    clearInterval(this.syncTimer);
    for (const job of this.jobs.values()) job.stop();
    this.jobs.clear();
    await Promise.allSettled([...this.inFlight]);
  }

  private schedule(r: Reminder): void {
    const fire = (job?: Cron) => {
      // Every replica computes the same due time (a cron run is on a whole second): the lease key.
      const due = r.cron ? Math.round((job?.currentRun()?.getTime() ?? Date.now()) / 1000) * 1000 : r.at!;
      // A failure here (the data folder gone) is logged; an unhandled rejection would take the process down.
      const run = this.leased(r, due).catch((err: unknown) =>
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
      if (r.at <= Date.now()) {
        // Past due (Hearth was down): fire now; the placeholder job keeps sync from firing it again here.
        this.jobs.set(r.id, { stop: () => undefined });
        return fire();
      }
      this.jobs.set(r.id, new Cron(new Date(r.at), { unref: true, catch: true }, fire));
    }
  }

  /** Fires a due reminder if this replica wins its lease and it is still saved (not cancelled meanwhile). */
  private async leased(r: Reminder, due: number): Promise<void> {
    const won = await this.deps.sessions.setIfAbsent(`reminders:fired:${r.id}:${due}`, Date.now(), fireLeaseMs);
    const log = { skill: 'reminders', reminder: r.id, due: new Date(due).toISOString() };
    if (!won) {
      this.deps.log.debug({ ...log, event: 'reminder_fired_elsewhere' }, 'reminder already fired (lease taken)');
      if (!r.cron) this.jobs.delete(r.id);
      return;
    }
    if (!(await this.file.read()).some((x) => x.id === r.id)) {
      this.deps.log.debug({ ...log, event: 'reminder_gone' }, 'reminder was cancelled before it fired');
      return;
    }
    await this.fire(r, due);
  }

  private async fire(r: Reminder, due: number): Promise<void> {
    if (r.action) return this.runAction(r, r.action);
    try {
      await this.deps.deliver(r.target, `⏰ Reminder: ${r.text}`);
      this.deps.log.info(
        {
          skill: 'reminders',
          reminder: r.id,
          channel: r.target.channel,
          due: new Date(due).toISOString(),
          event: 'reminder_delivered',
        },
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
