/**
 * Reminders with several engine replicas sharing the real Redis at 127.0.0.1:6379 (a fresh key
 * prefix per test): both replicas schedule every reminder from the shared list, and the lease of
 * each firing (SET NX PX on reminder id + due time) lets exactly one deliver it — for a one-off, for
 * every run of a cron, and for a one-off that came due while both replicas were down.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { afterEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { configSchema } from '../../../src/core/config.js';
import type { ReplyTarget } from '../../../src/core/message.js';
import { ReminderScheduler } from '../../../src/skills/builtin/reminders/index.js';
import { SharedReminderList, type Reminder } from '../../../src/skills/builtin/reminders/reminder-list.js';
import { RedisSessionStore } from '../../../src/storage/sessions/redis.js';
import { memoryLogger, tempDir } from '../example-skills.js';

interface Replica {
  scheduler: ReminderScheduler;
  sessions: RedisSessionStore;
  lines: Array<Record<string, unknown>>;
  dataDir: string;
}

const delivered: Array<{ replica: string; text: string }> = [];
const open: Replica[] = [];

/** One engine replica's reminders built-in: its own data folder and Redis connection, a shared prefix. */
async function replica(name: string, prefix: string): Promise<Replica> {
  const sessions = new RedisSessionStore({ url: 'redis://127.0.0.1:6379', keyPrefix: prefix });
  await sessions.open();
  const { log, lines } = memoryLogger();
  const dataDir = tempDir('hearth-reminders-');
  const scheduler = new ReminderScheduler(
    {
      dataDir,
      log,
      sessions,
      settings: configSchema.parse({}).skills,
      deliver: async (_target: ReplyTarget, text: string) => void delivered.push({ replica: name, text }),
    },
    { syncMs: 100 },
  );
  const r = { scheduler, sessions, lines, dataDir };
  open.push(r);
  return r;
}

async function stop(r: Replica): Promise<void> {
  await r.scheduler.stopAll();
  await r.sessions.close();
  rmSync(r.dataDir, { recursive: true, force: true });
  open.splice(open.indexOf(r), 1);
}

function reminder(fields: Partial<Reminder>): Reminder {
  return {
    id: randomUUID().slice(0, 8),
    userId: 'u1',
    text: 'stretch',
    target: { channel: 'telegram', chatId: '42', messageId: '7' },
    timezone: 'UTC',
    createdAt: Date.now(),
    ...fields,
  };
}

async function until(what: string, ok: () => boolean, timeoutMs = 8_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

const events = (rs: Replica[], event: string) => rs.flatMap((r) => r.lines.filter((l) => l.event === event));

describe('reminders with several replicas', () => {
  afterEach(async () => {
    for (const r of [...open]) await stop(r);
    delivered.length = 0;
  });

  it('a one-off set on one replica is delivered exactly once', async () => {
    const prefix = `test:${randomUUID()}:`;
    const a = await replica('a', prefix);
    const b = await replica('b', prefix);
    await Promise.all([a.scheduler.restore(), b.scheduler.restore()]);
    await a.scheduler.add(reminder({ text: 'one-off', at: Date.now() + 1_200 }));
    await until('the delivery', () => delivered.length > 0);
    // Both replicas had it scheduled: the other one lost the lease rather than not trying.
    await until('the other replica to lose the lease', () => events([a, b], 'reminder_fired_elsewhere').length > 0);
    await sleep(300);
    assert.deepEqual(
      delivered.map((d) => d.text),
      ['⏰ Reminder: one-off'],
    );
    assert.deepEqual(await new SharedReminderList(a.sessions).read(), [], 'a delivered one-off is removed');
  });

  it('every run of a cron is delivered once, by one replica or the other', async () => {
    const prefix = `test:${randomUUID()}:`;
    const a = await replica('a', prefix);
    const b = await replica('b', prefix);
    await Promise.all([a.scheduler.restore(), b.scheduler.restore()]);
    await a.scheduler.add(reminder({ text: 'tick', cron: '* * * * * *' }));
    await until('three runs', () => events([a, b], 'reminder_delivered').length >= 3);
    await a.scheduler.stopAll();
    await b.scheduler.stopAll();
    const dues = events([a, b], 'reminder_delivered').map((l) => String(l.due));
    assert.equal(new Set(dues).size, dues.length, `a run delivered twice: ${dues.join(', ')}`);
    assert.equal(delivered.length, dues.length);
    assert.ok(events([a, b], 'reminder_fired_elsewhere').length > 0, 'both replicas ran the cron');
  });

  it('a one-off that came due while every replica was down is delivered once after the restart', async () => {
    const prefix = `test:${randomUUID()}:`;
    const a = await replica('a', prefix);
    const b = await replica('b', prefix);
    await Promise.all([a.scheduler.restore(), b.scheduler.restore()]);
    await a.scheduler.add(reminder({ text: 'while down', at: Date.now() + 500 }));
    await stop(a);
    await stop(b);
    await sleep(800);
    assert.equal(delivered.length, 0);

    const a2 = await replica('a2', prefix);
    const b2 = await replica('b2', prefix);
    await Promise.all([a2.scheduler.restore(), b2.scheduler.restore()]);
    await until('the delivery', () => delivered.length > 0);
    await sleep(500);
    assert.deepEqual(
      delivered.map((d) => d.text),
      ['⏰ Reminder: while down'],
    );
    assert.deepEqual(await new SharedReminderList(a2.sessions).read(), []);
  });
});
