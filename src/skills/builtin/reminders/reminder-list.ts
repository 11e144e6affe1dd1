/**
 * Where the reminders are kept. One process (the default shape, a per-process session store):
 * a JSON file in the built-in's data folder. Several replicas with a shared session store (Redis):
 * one list in that store, changed under a short lock, so every engine replica schedules the same
 * reminders and a restart of any of them loses none.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ReplyTarget } from '../../../core/message.js';
import type { SessionStore } from '../../../core/stores.js';

export interface Reminder {
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

export interface ScheduledAction {
  tool: string;
  arguments: Record<string, unknown>;
  agent: string;
  conversationId: string;
}

/** The shape JsonFile already has: read, and serialized read-modify-write. */
export interface ReminderList {
  read(): Promise<Reminder[]>;
  update<R>(change: (list: Reminder[]) => R): Promise<R>;
}

const listKey = 'reminders:list';
const lockKey = 'reminders:lock';
/** A lock holder that died frees the list after this long. */
const lockTtlMs = 5_000;

/** The reminders of every replica, as one value in the shared session store. */
export class SharedReminderList implements ReminderList {
  constructor(private readonly sessions: SessionStore) {}

  async read(): Promise<Reminder[]> {
    return (await this.sessions.get<Reminder[]>(listKey)) ?? [];
  }

  /** Read-modify-write under the store-wide lock (SET NX PX in Redis), so no replica's change is lost. */
  async update<R>(change: (list: Reminder[]) => R): Promise<R> {
    const token = randomUUID();
    const deadline = Date.now() + 2 * lockTtlMs;
    while (!(await this.sessions.setIfAbsent(lockKey, token, lockTtlMs))) {
      if (Date.now() > deadline) throw new Error('the reminder list is locked by another replica; try again');
      await sleep(20);
    }
    try {
      const list = await this.read();
      const result = change(list);
      await this.sessions.set(listKey, list);
      return result;
    } finally {
      if ((await this.sessions.get(lockKey)) === token) await this.sessions.delete(lockKey);
    }
  }
}
