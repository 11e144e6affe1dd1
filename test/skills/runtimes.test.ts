/**
 * One example skill per runtime, loaded by the real host from a static skills folder and called
 * through ToolHost.execute: in-process, HTTP child, gRPC child, sidecar socket, MCP stdio.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compiledExample, staticDirWith, tempDir } from './example-skills.js';
import { call, ctx, startTestHost, type TestHost } from './host-fixture.js';

describe('skill runtimes', () => {
  let t: TestHost;
  let sidecar: ChildProcess;

  before(async () => {
    const sidecarDir = tempDir('hearth-sidecars-');
    // The sidecar is its own "container": started independently, sharing only the socket folder.
    sidecar = spawn(process.execPath, [join(compiledExample('sidecar-shout'), 'server.js')], {
      env: { HEARTH_SKILL_SOCKET: join(sidecarDir, 'shout.sock') },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await once(sidecar.stdout!, 'data');
    t = await startTestHost({
      dir: staticDirWith('in-process-greeter', 'http-weather', 'grpc-text-stats', 'sidecar-shout', 'mcp-stdio-units'),
      sidecarDir,
      config: { greeter: { greeting: 'Howdy' } },
    });
  });

  after(async () => {
    await t?.close();
    sidecar.kill();
  });

  it('starts every example skill', () => {
    const states = Object.fromEntries(t.host.list().map((s) => [s.name, s.state]));
    for (const name of ['greeter', 'weather', 'text-stats', 'shout', 'units'])
      assert.equal(states[name], 'ready', `${name}: ${JSON.stringify(t.host.get(name))}`);
  });

  it('in-process: init config reaches the skill', async () => {
    const res = await t.host.execute(call('greet', { name: 'Ada' }), ctx());
    assert.deepEqual(res, { content: 'Howdy, Ada! (greeter skill, in-process)' });
  });

  it('http: a child process answers over the JSON protocol', async () => {
    const res = await t.host.execute(call('weather', { city: 'Paris' }), ctx());
    assert.match(res.content, /^Weather in Paris: \d+°C, \w+ \(http skill\)$/);
    assert.equal(res.isError, undefined);
  });

  it('grpc: a child process answers over skill.proto', async () => {
    const res = await t.host.execute(call('text_stats', { text: 'one two  three' }), ctx());
    assert.equal(res.content, '3 words, 14 characters (grpc skill)');
  });

  it('sidecar: reached through the Unix socket', async () => {
    const res = await t.host.execute(call('shout', { text: 'hi there' }), ctx());
    assert.equal(res.content, 'HI THERE! (sidecar skill)');
  });

  it('mcp stdio: tools are discovered and called', async () => {
    assert.deepEqual(t.host.get('units')?.tools, ['convert_units']);
    const res = await t.host.execute(call('convert_units', { value: 5, from: 'km', to: 'm' }), ctx());
    assert.equal(res.content, '5 km = 5000 m (mcp skill)');
    const bad = await t.host.execute(call('convert_units', { value: 1, from: 'parsec', to: 'm' }), ctx());
    assert.equal(bad.isError, true);
  });

  it('a skill error comes back as a tool error, the skill keeps serving', async () => {
    const res = await t.host.execute(call('weather', { city: ' ' }), ctx());
    assert.equal(res.isError, true);
    const ok = await t.host.execute(call('weather', { city: 'Oslo' }), ctx());
    assert.match(ok.content, /Oslo/);
  });

  it('logs every call with skill, tool, latency and outcome', () => {
    const line = t.lines.find((l) => l.msg === 'tool call' && l.tool === 'text_stats');
    assert.ok(line);
    assert.equal(line.skill, 'text-stats');
    assert.equal(line.outcome, 'ok');
    assert.equal(typeof line.latencyMs, 'number');
  });

  it('offers tools by relevance: triggered skills only when the text matches', () => {
    const names = (text: string) => t.host.toolsFor(['*'], text).map((s) => s.name);
    assert.ok(names("what's the weather in Rome?").includes('weather'));
    assert.ok(!names('tell me a joke').includes('weather'));
    assert.ok(names('tell me a joke').includes('greet'), 'skills without triggers are always offered');
    assert.ok(!t.host.toolsFor(['greeter'], 'weather please').some((s) => s.name === 'weather'), 'only enabled skills');
    for (const spec of t.host.toolsFor(['*'], 'weather time 2+2')) assert.match(spec.name, /^[a-zA-Z0-9_-]{1,64}$/);
  });
});
