/**
 * Isolation of out-of-process skills: a skill that throws, exits, hangs or floods its output is
 * stopped, logged, restarted with backoff, and the model gets a clear tool error; meanwhile
 * other skills keep answering. Grants: only granted environment variables and paths.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { staticDirWith, tempDir } from './example-skills.js';
import { call, ctx, startTestHost, type TestHost } from './host-fixture.js';

/** Polls probe_ok until the (restarted) skill answers; returns its pid line. */
async function waitUntilServing(t: TestHost, timeoutMs = 8_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await t.host.execute(call('probe_ok'), ctx());
    if (!res.isError) return res.content;
    if (Date.now() > deadline) throw new Error(`probe never came back: ${res.content}`);
    await sleep(100);
  }
}

const pidOf = (line: string) => /pid=(\d+)/.exec(line)?.[1];

describe('skill isolation', () => {
  let t: TestHost;
  const outside = tempDir('hearth-outside-');
  const secretFile = join(outside, 'secret.txt');

  before(async () => {
    writeFileSync(secretFile, 'top secret');
    process.env.PROBE_GRANTED = 'granted-value';
    process.env.PROBE_SECRET = 'must-not-leak';
    t = await startTestHost({
      dir: staticDirWith('isolation-probe', 'in-process-greeter'),
      restart: { initialDelayMs: 100, maxDelayMs: 1_000 },
      maxOutputBytesPerSec: 256 * 1024,
    });
  });

  after(async () => {
    await t?.close();
    delete process.env.PROBE_GRANTED;
    delete process.env.PROBE_SECRET;
  });

  it('a throwing skill gives a tool error and keeps running', async () => {
    const before = await waitUntilServing(t);
    const res = await t.host.execute(call('probe_throw'), ctx());
    assert.equal(res.isError, true);
    assert.match(res.content, /probe failed on purpose/);
    assert.equal(pidOf(await waitUntilServing(t)), pidOf(before));
  });

  it('an exiting skill is reported, restarted with backoff, and serves again', async () => {
    const before = await waitUntilServing(t);
    const res = await t.host.execute(call('probe_crash'), ctx());
    assert.equal(res.isError, true);
    assert.match(res.content, /probe/);
    const unavailable = await t.host.execute(call('probe_ok'), ctx());
    assert.equal(unavailable.isError, true, 'calls during the restart fail fast');
    const after = await waitUntilServing(t);
    assert.notEqual(pidOf(after), pidOf(before));
    assert.ok(t.lines.some((l) => l.event === 'skill_exit' && l.skill === 'probe' && l.code === 3));
    assert.ok(t.host.get('probe')!.restarts >= 1);
  });

  it('a hanging skill times out, is killed and restarted; other skills keep answering', async () => {
    const before = await waitUntilServing(t);
    const started = Date.now();
    const hanging = t.host.execute(call('probe_hang'), ctx());
    const other = await t.host.execute(call('greet', { name: 'Bo' }), ctx());
    assert.match(other.content, /Bo/);
    const res = await hanging;
    assert.equal(res.isError, true);
    assert.match(res.content, /did not answer within 1500 ms/);
    assert.ok(Date.now() - started < 4_000);
    assert.ok(
      t.lines.some((l) => l.msg === 'tool call' && l.outcome === 'timeout' && l.code === 'HEARTH_E_SKILL_TIMEOUT'),
    );
    assert.notEqual(pidOf(await waitUntilServing(t)), pidOf(before));
    assert.ok(t.host.get('probe')!.timeouts >= 1);
  });

  it('a skill flooding its output is stopped and restarted', async () => {
    const before = await waitUntilServing(t);
    const res = await t.host.execute(call('probe_flood'), ctx());
    assert.equal(res.isError, true);
    assert.ok(t.lines.some((l) => l.event === 'skill_killed' && l.reason === 'output flood'));
    assert.notEqual(pidOf(await waitUntilServing(t)), pidOf(before));
  });

  it('sees only the environment variables its manifest grants', async () => {
    await waitUntilServing(t);
    assert.equal(
      (await t.host.execute(call('probe_env', { name: 'PROBE_GRANTED' }), ctx())).content,
      'PROBE_GRANTED=granted-value',
    );
    assert.equal(
      (await t.host.execute(call('probe_env', { name: 'PROBE_SECRET' }), ctx())).content,
      'PROBE_SECRET=(unset)',
    );
    assert.equal((await t.host.execute(call('probe_env', { name: 'PATH' }), ctx())).content, 'PATH=(unset)');
  });

  it('reads and writes only the paths it is granted, and cannot start programs', async () => {
    await waitUntilServing(t);
    const read = await t.host.execute(call('probe_read', { path: secretFile }), ctx());
    assert.equal(read.isError, true);
    assert.doesNotMatch(read.content, /top secret/);
    const write = await t.host.execute(call('probe_write', { path: join(outside, 'planted.txt') }), ctx());
    assert.equal(write.isError, true);
    const own = join(t.dataDir, 'skill-data', 'probe', 'mine.txt');
    assert.equal((await t.host.execute(call('probe_write', { path: own }), ctx())).content, 'written');
    const spawned = await t.host.execute(call('probe_spawn'), ctx());
    assert.equal(spawned.isError, true);
  });

  it('refuses malformed calls without reaching the skill', async () => {
    assert.match(
      (await t.host.execute({ id: 'x', name: 'probe_env', arguments: '{not json' }, ctx())).content,
      /not a valid JSON/,
    );
    assert.match((await t.host.execute(call('probe_env'), ctx())).content, /missing required argument\(s\): name/);
    assert.match((await t.host.execute(call('no_such_tool'), ctx())).content, /unknown tool/);
  });
});
