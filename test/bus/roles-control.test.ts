/**
 * Separate roles on the Redis bus: the admin API runs on the gateway, models are called by the
 * engine. A default-model switch, a model added through the admin API, an agent's model switch and
 * a skill disabled for an agent reach the engine, and so does the web chat's Stop.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startOpenAIFake, type ModelFake } from '../fakes/openai-server.js';
import { startHearth, TEST_TOKEN, type HearthProcess } from '../harness.js';
import { chatOverWs, WebChatSocket } from '../webchat-client.js';

describe('gateway and engine as separate processes', () => {
  let a: ModelFake;
  let b: ModelFake;
  let gateway: HearthProcess;
  let engine: HearthProcess;
  const auth = { 'content-type': 'application/json', authorization: `Bearer ${TEST_TOKEN}` };

  before(async () => {
    a = await startOpenAIFake();
    b = await startOpenAIFake();
    a.setReply(() => ({ text: 'from A' }));
    b.setReply(() => ({ text: 'from B' }));
    const dataDir = mkdtempSync(join(tmpdir(), 'hearth-roles-'));
    const prefix = `hearth:test:${randomBytes(4).toString('hex')}:`;
    const config = `bus: { kind: redis, prefix: "${prefix}", leaseMs: 2000 }
models:
  default: a
  catalog:
    a: { provider: openai, baseUrl: "${a.baseUrl}", model: a }
    b: { provider: openai, baseUrl: "${b.baseUrl}", model: b }
`;
    // One after the other: the first start creates the shared keys in the data folder.
    engine = await startHearth({ command: 'engine', config, dataDir });
    gateway = await startHearth({ command: 'gateway', config, dataDir });
  });
  after(async () => {
    await gateway?.stop();
    await engine?.stop();
    await a?.close();
    await b?.close();
  });

  it("the web chat's Stop on the gateway aborts the engine's model call", async () => {
    let closed!: () => void;
    const upstreamClosed = new Promise<void>((resolve) => (closed = resolve));
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    a.setReply(() => ({
      chunks: ['Half ', 'way ', 'there'],
      hold: { afterChunks: 2, until: held },
      onClientClose: closed,
    }));
    const { socket } = await WebChatSocket.open(gateway.baseUrl);
    try {
      socket.send({ type: 'message', text: 'stop me across processes' });
      let seen = '';
      while (seen !== 'Half way ') seen += String((await socket.next((f) => f.type === 'delta')).text);
      socket.send({ type: 'stop' });
      await upstreamClosed;
      const done = await socket.next((f) => f.type === 'done');
      assert.equal(done.finishReason, 'cancelled');
      assert.equal(done.text, 'Half way ');
    } finally {
      release();
      a.setReply(() => ({ text: 'from A' }));
      socket.close();
    }
  });

  it('answers through the queue, and a default-model switch on the gateway reaches the engine', async () => {
    assert.equal((await chatOverWs(gateway.baseUrl, 'hi')).events.at(-1)!.text, 'from A');
    const sw = await fetch(`${gateway.baseUrl}/admin/models/default`, {
      method: 'PUT',
      headers: auth,
      body: '{"model":"b"}',
    });
    assert.equal(sw.status, 200);
    await engine.waitForLog((l) => l.msg === 'default model switched' && l.model === 'b');
    assert.equal((await chatOverWs(gateway.baseUrl, 'hi again')).events.at(-1)!.text, 'from B');
  });

  it('a model added on the gateway is usable by the engine', async () => {
    const c = await startOpenAIFake();
    c.setReply(() => ({ text: 'from C' }));
    try {
      const put = await fetch(`${gateway.baseUrl}/admin/models/c`, {
        method: 'PUT',
        headers: auth,
        body: JSON.stringify({ provider: 'openai', baseUrl: c.baseUrl, model: 'c' }),
      });
      assert.equal(put.status, 200);
      assert.equal(
        (
          await fetch(`${gateway.baseUrl}/admin/models/default`, {
            method: 'PUT',
            headers: auth,
            body: '{"model":"c"}',
          })
        ).status,
        200,
      );
      await engine.waitForLog((l) => l.msg === 'default model switched' && l.model === 'c');
      assert.equal((await chatOverWs(gateway.baseUrl, 'and now')).events.at(-1)!.text, 'from C');
    } finally {
      await c.close();
    }
  });

  it("an agent's model switch and a skill disabled for it on the gateway reach the engine", async () => {
    const put = (path: string, body: unknown) =>
      fetch(`${gateway.baseUrl}${path}`, { method: 'PUT', headers: auth, body: JSON.stringify(body) });
    const mark = engine.logs.length;
    assert.equal((await put('/admin/agents/default/model', { model: 'b' })).status, 200);
    await engine.waitForLog((l) => l.msg === 'agent models reloaded' && engine.logs.indexOf(l) >= mark);
    assert.equal((await chatOverWs(gateway.baseUrl, 'which agent model?')).events.at(-1)!.text, 'from B');

    const offered = () =>
      ((b.requests.at(-1)!.body.tools ?? []) as Array<{ function: { name: string } }>).map((t) => t.function.name);
    await chatOverWs(gateway.baseUrl, 'please remember the gate code');
    assert.ok(offered().includes('memory_save'), String(offered()));
    const skillMark = engine.logs.length;
    assert.equal((await put('/admin/agents/default/skills/memory', { enabled: false })).status, 200);
    await engine.waitForLog((l) => l.msg === 'agent skills reloaded' && engine.logs.indexOf(l) >= skillMark);
    await chatOverWs(gateway.baseUrl, 'please remember the gate code');
    assert.ok(!offered().includes('memory_save'), String(offered()));
  });
});
