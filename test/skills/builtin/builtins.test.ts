/** Built-in skills through the host: clock, calculator, notes per user, reminders, http_fetch. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BUILTIN_SKILLS } from '../../../src/skills/index.js';
import { call, ctx, startTestHost, type TestHost } from '../host-fixture.js';
import { tempDir } from '../example-skills.js';

describe('built-in skills', () => {
  let t: TestHost;
  let web: Server;
  let port: number;

  before(async () => {
    web = createServer((req, res) => {
      if (req.url === '/hop') return res.writeHead(302, { location: 'http://example.invalid/' }).end();
      if (req.url === '/big') return res.end('y'.repeat(100_000));
      res.setHeader('content-type', 'text/html');
      res.end('<html><script>evil()</script><p>Hello &amp; welcome</p></html>');
    });
    await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
    port = (web.address() as AddressInfo).port;
    t = await startTestHost({ httpFetch: { allowedHosts: [`127.0.0.1:${port}`], maxBytes: 1000 } });
  });

  after(async () => {
    await t?.close();
    web.close();
  });

  it('exports the built-in names', () => {
    assert.deepEqual(
      [...BUILTIN_SKILLS],
      ['clock', 'calculator', 'notes', 'memory', 'reminders', 'http-fetch', 'canvas', 'mqtt', 'home-assistant'],
    );
  });

  it('clock: now in a zone, and conversion across zones', async () => {
    const now = await t.host.execute(call('time_now', { timezone: 'Asia/Tokyo' }), ctx());
    assert.match(now.content, /GMT\+9|JST/);
    const conv = await t.host.execute(
      call('time_convert', { time: '2026-01-15 09:00', from: 'Europe/Paris', to: 'America/New_York' }),
      ctx(),
    );
    assert.match(conv.content, /09:00:00 CET = Thursday, 15 January 2026 at 03:00:00 (EST|GMT-5)/);
    const bad = await t.host.execute(call('time_now', { timezone: 'Mars/Olympus' }), ctx());
    assert.equal(bad.isError, true);
    assert.match(bad.content, /unknown time zone/);
  });

  it('calculator: through the tool', async () => {
    assert.equal((await t.host.execute(call('calculate', { expression: '(2+3)*4' }), ctx())).content, '(2+3)*4 = 20');
  });

  it('notes: saved per user', async () => {
    await t.host.execute(call('note_save', { text: 'buy oat milk' }), ctx({ userId: 'alice' }));
    await t.host.execute(call('note_save', { text: 'call mum' }), ctx({ userId: 'alice' }));
    await t.host.execute(call('note_save', { text: 'bob secret' }), ctx({ userId: 'bob' }));
    const alice = (await t.host.execute(call('note_list'), ctx({ userId: 'alice' }))).content;
    assert.match(alice, /buy oat milk/);
    assert.match(alice, /call mum/);
    assert.doesNotMatch(alice, /bob secret/);
    const id = /\[(\w+)\] \S+ call mum/.exec(alice)![1]!;
    assert.match((await t.host.execute(call('note_delete', { id }), ctx({ userId: 'bob' }))).content, /No note/);
    await t.host.execute(call('note_delete', { id }), ctx({ userId: 'alice' }));
    assert.doesNotMatch((await t.host.execute(call('note_list'), ctx({ userId: 'alice' }))).content, /call mum/);
    assert.match(
      (await t.host.execute(call('note_list', { query: 'OAT' }), ctx({ userId: 'alice' }))).content,
      /oat milk/,
    );
  });

  it('reminders: delivered on the channel they were set from', async () => {
    const target = { channel: 'telegram', chatId: '42', messageId: 'tg:7' };
    const set = await t.host.execute(
      call('reminder_set', { text: 'stretch', in_minutes: 0.01 }),
      ctx({ userId: 'carol', target }),
    );
    assert.match(set.content, /^Reminder \w+ set for/);
    for (let i = 0; i < 40 && t.delivered.length === 0; i++) await sleep(50);
    assert.deepEqual(t.delivered, [{ target, text: '⏰ Reminder: stretch' }]);
    // A one-off reminder is removed once it was delivered (after, so a crash mid-delivery repeats rather than loses it).
    let listed = '';
    for (let i = 0; i < 40 && listed !== 'No reminders.'; i++) {
      listed = (await t.host.execute(call('reminder_list'), ctx({ userId: 'carol' }))).content;
      if (listed !== 'No reminders.') await sleep(50);
    }
    assert.equal(listed, 'No reminders.');
  });

  it('reminders: cron schedules are listed, validated and cancelled', async () => {
    const bad = await t.host.execute(call('reminder_set', { text: 'x', cron: 'every tuesday' }), ctx());
    assert.equal(bad.isError, true);
    assert.match(bad.content, /invalid cron/);
    const set = await t.host.execute(
      call('reminder_set', { text: 'standup', cron: '0 9 * * 1-5', timezone: 'Europe/Berlin' }),
      ctx({ userId: 'dan' }),
    );
    const id = /Reminder (\w+)/.exec(set.content)![1]!;
    assert.match(
      (await t.host.execute(call('reminder_list'), ctx({ userId: 'dan' }))).content,
      /cron "0 9 \* \* 1-5" Europe\/Berlin: standup/,
    );
    assert.match((await t.host.execute(call('reminder_cancel', { id }), ctx({ userId: 'dan' }))).content, /Cancelled/);
    const past = await t.host.execute(call('reminder_set', { text: 'x', at: '2001-01-01 10:00' }), ctx());
    assert.match(past.content, /passed/);
  });

  it('reminders: survive a restart and fire afterwards', async () => {
    const dataDir = tempDir();
    const first = await startTestHost({}, dataDir);
    const target = { channel: 'slack', chatId: 'C1', threadId: 'T1', messageId: 's:1' };
    await first.host.execute(call('reminder_set', { text: 'later', in_minutes: 0.02 }), ctx({ target }));
    await first.host.stop();
    const second = await startTestHost({}, dataDir);
    try {
      for (let i = 0; i < 60 && second.delivered.length === 0; i++) await sleep(50);
      assert.deepEqual(second.delivered, [{ target, text: '⏰ Reminder: later' }]);
      assert.equal(first.delivered.length, 0);
    } finally {
      await second.close();
    }
  });

  it('reminders: impossible or unrepresentable times are refused, never stored', async () => {
    const dataDir = tempDir();
    const first = await startTestHost({}, dataDir);
    for (const args of [
      { in_minutes: 1e300 },
      { in_minutes: 1e12 },
      { at: '2026-13-45 99:99' },
      { at: '2027-02-30 10:00' },
    ]) {
      const r = await first.host.execute(call('reminder_set', { text: 'x', ...args }), ctx({ userId: 'erin' }));
      assert.equal(r.isError, true, `${JSON.stringify(args)} -> ${r.content}`);
      assert.match(r.content, /no such time|years ahead|cannot read/);
    }
    const ok = await first.host.execute(
      call('reminder_set', { text: 'far', at: '2099-01-01 10:00' }),
      ctx({ userId: 'erin' }),
    );
    assert.match(ok.content, /^Reminder \w+ set for/);
    await first.host.stop();
    // A restart still has the skill, and every reminder.
    const second = await startTestHost({}, dataDir);
    try {
      assert.equal(second.host.get('reminders')?.state, 'ready');
      assert.match((await second.host.execute(call('reminder_list'), ctx({ userId: 'erin' }))).content, /: far$/);
    } finally {
      await second.close();
    }
  });

  it('reminders: one unreadable stored reminder does not take the others down', async () => {
    const dataDir = tempDir();
    const first = await startTestHost({}, dataDir);
    await first.host.execute(call('reminder_set', { text: 'keep', at: '2099-01-01 10:00' }), ctx({ userId: 'fay' }));
    await first.host.stop();
    const file = join(dataDir, 'skill-data', 'reminders', 'reminders.json');
    const list = JSON.parse(readFileSync(file, 'utf8')) as unknown[];
    writeFileSync(
      file,
      JSON.stringify([
        ...list,
        { id: 'broken', userId: 'fay', text: 'x', target: ctx().target, at: 1e300, timezone: 'UTC', createdAt: 0 },
      ]),
    );
    const second = await startTestHost({}, dataDir);
    try {
      assert.equal(second.host.get('reminders')?.state, 'ready');
      assert.match((await second.host.execute(call('reminder_list'), ctx({ userId: 'fay' }))).content, /: keep/);
      assert.ok(second.lines.some((l) => l.msg === 'reminder could not be rescheduled'));
    } finally {
      await second.close();
    }
  });

  it('http_fetch: allowed host, text extracted, size capped', async () => {
    const ok = await t.host.execute(call('http_fetch', { url: `http://127.0.0.1:${port}/` }), ctx());
    assert.match(ok.content, /^HTTP 200 text\/html\nHello & welcome$/);
    const big = await t.host.execute(call('http_fetch', { url: `http://127.0.0.1:${port}/big` }), ctx());
    assert.match(big.content, /\[truncated\]$/);
    assert.ok(big.content.length < 1_100);
  });

  it('http_fetch: refuses other hosts, other schemes and redirects off the list', async () => {
    const other = await t.host.execute(call('http_fetch', { url: 'http://169.254.169.254/latest/meta-data' }), ctx());
    assert.equal(other.isError, true);
    assert.match(other.content, /not on the allowed list/);
    assert.match(
      (await t.host.execute(call('http_fetch', { url: 'file:///etc/passwd' }), ctx())).content,
      /only http and https/,
    );
    const hop = await t.host.execute(call('http_fetch', { url: `http://127.0.0.1:${port}/hop` }), ctx());
    assert.match(hop.content, /example\.invalid is not on the allowed list/);
  });

  it('offers built-in tools only when relevant, with short descriptions', () => {
    const names = (text: string) => t.host.toolsFor(BUILTIN_SKILLS, text).map((s) => s.name);
    assert.deepEqual(names('hello, how are you?'), []);
    assert.deepEqual(names('what is 17 * 23?'), ['calculate']);
    assert.ok(names('what time is it in Tokyo?').includes('time_now'));
    assert.ok(names('remind me tomorrow to call Bob').includes('reminder_set'));
    assert.ok(names('请提醒我明天开会').includes('reminder_set'));
    assert.deepEqual(names('draw our network as a diagram'), ['canvas_draw', 'canvas_read']);
    const all = t.host.toolsFor(BUILTIN_SKILLS, 'time note remind http calc 2+2');
    assert.ok(JSON.stringify(all).length < 4_000, `tool schemas are ${JSON.stringify(all).length} chars`);
    const canvas = t.host.toolsFor(BUILTIN_SKILLS, 'draw on the canvas');
    assert.ok(JSON.stringify(canvas).length < 1_600, `canvas tool schemas are ${JSON.stringify(canvas).length} chars`);
  });
});
