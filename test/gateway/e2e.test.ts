/**
 * End to end against the real `hearth` process: web chat over /ws, the OpenAI-compatible API with
 * the official `openai` client, live model switch, fallback, config errors and graceful SIGTERM.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { writeFileSync } from 'node:fs';
import OpenAI from 'openai';
import { startOpenAIFake, type ModelFake } from '../fakes/openai-server.js';
import { runCli, startHearth, TEST_TOKEN, type HearthProcess } from '../harness.js';
import { chatOverWs } from '../webchat-client.js';

describe('hearth start with an OpenAI-compatible MODEL_ENDPOINT', () => {
  let model: ModelFake;
  let h: HearthProcess;

  before(async () => {
    model = await startOpenAIFake();
    // Chunks a few ms apart, as a real model streams them (deltas arriving together are merged).
    model.setReply((body) => ({ text: `You said: ${body.messages.at(-1).content}`, chunkDelayMs: 40 }));
    h = await startHearth({ env: { MODEL_ENDPOINT: model.baseUrl, MODEL_NAME: 'fake-model', MODEL_TEMPERATURE: '0.3', MODEL_MAX_TOKENS: '77' } });
  });
  after(async () => {
    await h?.stop();
    await model?.close();
  });

  it('answers /healthz and /readyz', async () => {
    assert.equal((await fetch(`${h.baseUrl}/healthz`)).status, 200);
    const ready = await fetch(`${h.baseUrl}/readyz`);
    assert.equal(ready.status, 200);
    const body = (await ready.json()) as { status: string; channels: Record<string, { state: string }> };
    assert.equal(body.status, 'ready');
    assert.equal(body.channels.webchat.state, 'ready');
  });

  it('serves the web chat page at /', async () => {
    const res = await fetch(`${h.baseUrl}/`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/html/);
    assert.match(await res.text(), /<form id="composer"/);
  });

  it('streams a web chat answer over /ws, delta by delta, and the model got the user words last', async () => {
    const { events } = await chatOverWs(h.baseUrl, 'hello there hearth');
    const deltas = events.filter((e) => e.type === 'delta');
    assert.ok(deltas.length >= 3, `expected several deltas, got ${deltas.length}`);
    const done = events.at(-1)!;
    assert.equal(done.type, 'done');
    assert.equal(done.text, 'You said: hello there hearth');
    assert.equal(deltas.map((d) => d.text).join(''), done.text);
    const sent = model.requests.at(-1)!.body;
    assert.equal(sent.model, 'fake-model');
    assert.equal(sent.stream, true);
    assert.equal(sent.temperature, 0.3);
    assert.equal(sent.max_tokens ?? sent.max_completion_tokens, 77);
    const last = sent.messages.at(-1);
    assert.equal(last.role, 'user');
    assert.equal(last.content, 'hello there hearth');
    assert.equal(sent.messages[0].role, 'system');
  });

  it('keeps the conversation: the second turn carries the first as history', async () => {
    const first = await chatOverWs(h.baseUrl, 'my name is Ada');
    const conversationId = first.ready.conversationId;
    const second = await chatOverWs(h.baseUrl, 'what is my name?', { conversationId });
    assert.equal(second.ready.history.length, 2);
    assert.equal(second.events.at(-1)!.type, 'done');
    const sent = model.requests.at(-1)!.body.messages.map((m: any) => `${m.role}:${m.content}`);
    assert.deepEqual(sent.slice(1), ['user:my name is Ada', 'assistant:You said: my name is Ada', 'user:what is my name?']);
  });

  it('streams through /v1/chat/completions with the official openai client', async () => {
    const client = new OpenAI({ baseURL: `${h.baseUrl}/v1`, apiKey: h.token });
    const stream = await client.chat.completions.create({
      model: 'env',
      stream: true,
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'stream me a reply' },
      ],
    });
    const parts: string[] = [];
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      const c = chunk.choices[0];
      if (c?.delta?.content) parts.push(c.delta.content);
      if (c?.finish_reason) finish = c.finish_reason;
    }
    assert.ok(parts.length >= 3);
    assert.equal(parts.join(''), 'You said: stream me a reply');
    assert.equal(finish, 'stop');
    const sent = model.requests.at(-1)!.body.messages;
    assert.deepEqual(sent.at(-1), { role: 'user', content: 'stream me a reply' });
    assert.ok(sent.some((m: any) => m.role === 'system' && m.content === 'be brief'));
  });

  it('answers /v1/chat/completions without streaming, and lists /v1/models', async () => {
    const client = new OpenAI({ baseURL: `${h.baseUrl}/v1`, apiKey: h.token });
    const res = await client.chat.completions.create({ model: 'env', messages: [{ role: 'user', content: 'plain please' }] });
    assert.equal(res.choices[0].message.content, 'You said: plain please');
    assert.equal(res.object, 'chat.completion');
    const models = await client.models.list();
    assert.deepEqual(models.data.map((m) => m.id), ['env']);
  });

  it('rejects the API without a valid bearer token (401) and oversized bodies (413)', async () => {
    const noAuth = await fetch(`${h.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }),
    });
    assert.equal(noAuth.status, 401);
    const forged = await fetch(`${h.baseUrl}/admin/models`, { headers: { authorization: 'Bearer not-the-token' } });
    assert.equal(forged.status, 401);
    const big = await fetch(`${h.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${h.token}` },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'x'.repeat(1024 * 1024 + 10) }] }),
    });
    assert.equal(big.status, 413);
    const bad = await fetch(`${h.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${h.token}` },
      body: JSON.stringify({ messages: [] }),
    });
    assert.equal(bad.status, 400);
    const line = await h.waitForLog((l) => l.msg === 'request' && l.statusCode === 401);
    assert.equal(line.errorCode, 'HEARTH_E_UNAUTHORIZED');
    assert.equal(typeof line.latencyMs, 'number');
    assert.equal(typeof line.requestId, 'string');
    assert.ok(!JSON.stringify(h.logs).includes(h.token), 'the API token must never be logged');
  });

  it('logs every turn with requestId, channel and latencyMs', async () => {
    await chatOverWs(h.baseUrl, 'log me');
    const line = await h.waitForLog((l) => l.msg === 'turn answered' && l.channel === 'webchat');
    assert.equal(typeof line.requestId, 'string');
    assert.equal(typeof line.latencyMs, 'number');
  });
});

describe('models: live switch, fallback, no model', () => {
  let a: ModelFake;
  let b: ModelFake;
  before(async () => {
    a = await startOpenAIFake();
    b = await startOpenAIFake();
    a.setReply(() => ({ text: 'from model A' }));
    b.setReply(() => ({ text: 'from model B' }));
  });
  after(async () => {
    await a?.close();
    await b?.close();
  });

  const catalog = (extra = '') => `models:
  default: a
  retries: 1
  catalog:
    a: { provider: openai, baseUrl: "${a.baseUrl}", model: ma }
    b: { provider: openai, baseUrl: "${b.baseUrl}", model: mb }
${extra}`;

  it('switches the default model through the admin API without a restart', async () => {
    const h = await startHearth({ config: catalog() });
    try {
      assert.equal((await chatOverWs(h.baseUrl, 'hi')).events.at(-1)!.text, 'from model A');
      const listed = await fetch(`${h.baseUrl}/admin/models`, { headers: { authorization: `Bearer ${h.token}` } });
      assert.equal(listed.status, 200);
      const body = (await listed.json()) as { default: string; models: Array<{ id: string }> };
      assert.equal(body.default, 'a');
      assert.deepEqual(body.models.map((m) => m.id).sort(), ['a', 'b']);
      const unauth = await fetch(`${h.baseUrl}/admin/models/default`, { method: 'PUT', body: '{"model":"b"}', headers: { 'content-type': 'application/json' } });
      assert.equal(unauth.status, 401);
      const sw = await fetch(`${h.baseUrl}/admin/models/default`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${h.token}` },
        body: JSON.stringify({ model: 'b' }),
      });
      assert.equal(sw.status, 200);
      assert.equal((await chatOverWs(h.baseUrl, 'hi again')).events.at(-1)!.text, 'from model B');
      const unknown = await fetch(`${h.baseUrl}/admin/models/default`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${h.token}` },
        body: JSON.stringify({ model: 'nope' }),
      });
      assert.equal(unknown.status, 404);
    } finally {
      assert.equal(await h.stop(), 0);
    }
  });

  it('keeps a model added through the admin API across restarts, its API key encrypted on disk', async () => {
    const key = 'sk-added-model-key-0123456789';
    const keyed = await startOpenAIFake({ apiKey: key });
    keyed.setReply(() => ({ text: 'from the added model' }));
    const { mkdtempSync, readdirSync, readFileSync, statSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dataDir = mkdtempSync(join(tmpdir(), 'hearth-added-'));
    const auth = { 'content-type': 'application/json', authorization: `Bearer ${TEST_TOKEN}` };
    let h = await startHearth({ config: catalog(), dataDir });
    try {
      const put = await fetch(`${h.baseUrl}/admin/models/extra`, {
        method: 'PUT',
        headers: auth,
        body: JSON.stringify({ provider: 'openai', baseUrl: keyed.baseUrl, model: 'x', apiKey: key }),
      });
      assert.equal(put.status, 200);
      assert.equal((await fetch(`${h.baseUrl}/admin/models/default`, { method: 'PUT', headers: auth, body: '{"model":"extra"}' })).status, 200);
      assert.equal((await chatOverWs(h.baseUrl, 'hi')).events.at(-1)!.text, 'from the added model');
    } finally {
      await h.stop();
    }
    const files = (dir: string): string[] =>
      readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : [join(dir, f)]));
    for (const f of files(dataDir)) assert.ok(!readFileSync(f).includes(key), `${f} holds the API key in plain text`);
    h = await startHearth({ config: catalog(), dataDir });
    try {
      const listed = (await (await fetch(`${h.baseUrl}/admin/models`, { headers: auth })).json()) as { models: Array<{ id: string }> };
      assert.ok(listed.models.some((m) => m.id === 'extra'));
      assert.equal((await fetch(`${h.baseUrl}/admin/models/default`, { method: 'PUT', headers: auth, body: '{"model":"extra"}' })).status, 200);
      assert.equal((await chatOverWs(h.baseUrl, 'again')).events.at(-1)!.text, 'from the added model');
      assert.equal((await fetch(`${h.baseUrl}/admin/models/extra`, { method: 'DELETE', headers: auth })).status, 409, 'not the current default');
      await fetch(`${h.baseUrl}/admin/models/default`, { method: 'PUT', headers: auth, body: '{"model":"a"}' });
      assert.equal((await fetch(`${h.baseUrl}/admin/models/extra`, { method: 'DELETE', headers: auth })).status, 200);
      assert.equal((await fetch(`${h.baseUrl}/admin/models/a`, { method: 'DELETE', headers: auth })).status, 409);
    } finally {
      await h.stop();
      await keyed.close();
    }
  });

  it('a conversation in flight finishes on the old model while the default switches', async () => {
    a.setReply(() => ({ chunks: ['slow ', 'answer ', 'from ', 'A'], chunkDelayMs: 150 }));
    const h = await startHearth({ config: catalog() });
    try {
      const inflight = chatOverWs(h.baseUrl, 'long one');
      await new Promise((r) => setTimeout(r, 200));
      await fetch(`${h.baseUrl}/admin/models/default`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${h.token}` },
        body: JSON.stringify({ model: 'b' }),
      });
      assert.equal((await inflight).events.at(-1)!.text, 'slow answer from A');
      assert.equal((await chatOverWs(h.baseUrl, 'next')).events.at(-1)!.text, 'from model B');
    } finally {
      await h.stop();
      a.setReply(() => ({ text: 'from model A' }));
    }
  });

  it('switches when the config file changes, and keeps running on a bad edit', async () => {
    const h = await startHearth({ config: catalog() });
    try {
      writeFileSync(h.configFile!, catalog().replace('default: a', 'default: b'));
      await h.waitForLog((l) => l.msg === 'config reloaded' && l.default === 'b');
      assert.equal((await chatOverWs(h.baseUrl, 'hi')).events.at(-1)!.text, 'from model B');
      writeFileSync(h.configFile!, catalog().replace('default: a', 'defualt: a'));
      const rejected = await h.waitForLog((l) => l.msg?.startsWith('config change rejected') === true);
      assert.equal(rejected.errorCode, 'HEARTH_E_CONFIG');
      assert.equal((await chatOverWs(h.baseUrl, 'still here')).events.at(-1)!.text, 'from model B');
    } finally {
      await h.stop();
    }
  });

  it('falls back to the next model when the first fails, and logs the failure with a code', async () => {
    a.setReply(() => ({ status: 500, errorMessage: 'boom' }));
    const h = await startHearth({ config: catalog('  fallback: [b]') });
    try {
      const { events } = await chatOverWs(h.baseUrl, 'are you there');
      assert.equal(events.at(-1)!.type, 'done');
      assert.equal(events.at(-1)!.text, 'from model B');
      assert.equal(events.at(-1)!.model, 'b');
      const failed = await h.waitForLog((l) => l.msg === 'model call failed' && l.model === 'a');
      assert.equal(failed.errorCode, 'HEARTH_E_MODEL_FAILED');
    } finally {
      await h.stop();
      a.setReply(() => ({ text: 'from model A' }));
    }
  });

  it('tells the user clearly when every model fails', async () => {
    a.setReply(() => ({ status: 503 }));
    b.setReply(() => ({ status: 400, errorMessage: 'bad' }));
    const h = await startHearth({ config: catalog('  fallback: [b]') });
    try {
      const { events } = await chatOverWs(h.baseUrl, 'anyone?');
      const last = events.at(-1)!;
      assert.equal(last.type, 'error');
      assert.equal(last.code, 'HEARTH_E_MODEL_FAILED');
      assert.match(last.message, /no model could answer/i);
      await h.waitForLog((l) => l.msg === 'turn failed' && l.errorCode === 'HEARTH_E_MODEL_FAILED');
      assert.equal((await fetch(`${h.baseUrl}/healthz`)).status, 200);
    } finally {
      await h.stop();
      a.setReply(() => ({ text: 'from model A' }));
      b.setReply(() => ({ text: 'from model B' }));
    }
  });

  it('starts with no model at all and says how to choose one', async () => {
    const h = await startHearth({});
    try {
      assert.equal((await fetch(`${h.baseUrl}/readyz`)).status, 200);
      const { events } = await chatOverWs(h.baseUrl, 'hi');
      assert.equal(events.at(-1)!.code, 'HEARTH_E_NO_MODEL');
      assert.match(events.at(-1)!.message, /MODEL_ENDPOINT/);
      assert.match(events.at(-1)!.message, /hearth models pull/);
    } finally {
      await h.stop();
    }
  });
});

describe('graceful shutdown', () => {
  it('SIGTERM lets an in-flight answer finish, then exits 0', async () => {
    const model = await startOpenAIFake();
    model.setReply(() => ({ chunks: ['one ', 'two ', 'three ', 'four ', 'five'], chunkDelayMs: 200 }));
    const h = await startHearth({ env: { MODEL_ENDPOINT: model.baseUrl } });
    try {
      const client = new OpenAI({ baseURL: `${h.baseUrl}/v1`, apiKey: h.token });
      const stream = await client.chat.completions.create({ model: 'env', stream: true, messages: [{ role: 'user', content: 'count' }] });
      const parts: string[] = [];
      let signalled: Promise<number | null> | undefined;
      for await (const chunk of stream) {
        const text = chunk.choices[0]?.delta?.content;
        if (text) parts.push(text);
        if (text && !signalled) signalled = h.stop('SIGTERM');
      }
      assert.equal(parts.join(''), 'one two three four five');
      assert.equal(await signalled, 0);
      assert.ok(h.logs.some((l) => l.msg === 'draining in-flight answers'));
      assert.ok(h.logs.some((l) => l.msg === 'stopped'));
    } finally {
      await h.stop();
      await model.close();
    }
  });
});

describe('configuration errors', () => {
  it('`hearth config validate` names file, key and reason, with a did-you-mean', async () => {
    const { mkdtempSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'hearth-cfg-'));
    const file = join(dir, 'hearth.yml');
    writeFileSync(file, 'server:\n  port: 8080\n  hots: 0.0.0.0\nmodels:\n  catalog:\n    m: { provider: openia, model: x }\n');
    const r = await runCli(['config', 'validate', '--config', file]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3: server\\.hots: unknown key "hots" \\(did you mean "host"\\?\\)`));
    assert.match(r.stderr, /models\.catalog\.m\.provider: /);
    writeFileSync(file, '{}\n');
    const ok = await runCli(['config', 'validate', '--config', file]);
    assert.equal(ok.code, 0, ok.stderr);
  });

  it('`hearth start` with a bad config exits non-zero and says why', async () => {
    const { mkdtempSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'hearth-cfg-'));
    const file = join(dir, 'hearth.yml');
    writeFileSync(file, 'server:\n  port: eighty\n');
    const r = await runCli(['start', '--config', file], { env: { HEARTH_DATA_DIR: join(dir, 'data') } });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /hearth\.yml:2: server\.port: /);
  });

  it('prints help', async () => {
    const r = await runCli(['--help']);
    assert.equal(r.code, 0);
    for (const cmd of ['start', 'config', 'models']) assert.match(r.stdout, new RegExp(`\\b${cmd}\\b`));
  });
});
