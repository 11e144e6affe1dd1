/**
 * End to end against the real `hearth` process: web chat over /ws and the OpenAI-compatible API with the official `openai` client: streaming, history, auth and size limits, logging.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { startOpenAIFake, type ModelFake } from '../fakes/openai-server.js';
import { startHearth, type HearthProcess } from '../harness.js';
import { chatOverWs } from '../webchat-client.js';
import type { Json } from '../json.js';

describe('hearth start with an OpenAI-compatible MODEL_ENDPOINT', () => {
  let model: ModelFake;
  let h: HearthProcess;

  before(async () => {
    model = await startOpenAIFake();
    // Chunks apart in time, as a real model streams them (deltas arriving in one read are merged,
    // so the gap is wide enough that a loaded CI machine still reads them apart).
    model.setReply((body) => ({ text: `You said: ${body.messages.at(-1).content}`, chunkDelayMs: 150 }));
    h = await startHearth({
      env: {
        MODEL_ENDPOINT: model.baseUrl,
        MODEL_NAME: 'fake-model',
        MODEL_TEMPERATURE: '0.3',
        MODEL_MAX_TOKENS: '77',
      },
    });
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
    assert.equal(res.headers.get('cache-control'), 'no-cache');
    // The built React app: its bundle is content-hashed and cached for a year.
    const html = await res.text();
    assert.match(html, /<div id="root">/);
    const bundle = html.match(/src="(\/assets\/[^"]+\.js)"/)?.[1];
    assert.ok(bundle, `a script bundle in ${html}`);
    const js = await fetch(h.baseUrl + bundle);
    assert.equal(js.status, 200);
    assert.match(js.headers.get('cache-control') ?? '', /immutable/);
    assert.match(await js.text(), /hearth\.identity/, "the page's own code");
  });

  it('streams a web chat answer over /ws, delta by delta, and the model got the user words last', async () => {
    const { events } = await chatOverWs(h.baseUrl, 'hello there hearth');
    const deltas = events.filter((e) => e.type === 'delta');
    // Five words in five chunks; streamed means more than one delta even if two were read together.
    assert.ok(deltas.length >= 2, `expected several deltas, got ${deltas.length}`);
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
    const second = await chatOverWs(h.baseUrl, 'what is my name?', { conversationId, identity: first.ready.identity });
    assert.equal(second.ready.history.length, 2);
    assert.equal(second.events.at(-1)!.type, 'done');
    const sent = model.requests.at(-1)!.body.messages.map((m: Json) => `${m.role}:${m.content}`);
    assert.deepEqual(sent.slice(1), [
      'user:my name is Ada',
      'assistant:You said: my name is Ada',
      'user:what is my name?',
    ]);
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
    // The client's system message joins the agent's: one system message, first.
    assert.equal(sent.filter((m: Json) => m.role === 'system').length, 1);
    assert.equal(sent[0].role, 'system');
    assert.match(sent[0].content, /\n\nbe brief$/);
  });

  it('answers /v1/chat/completions without streaming, and lists /v1/models', async () => {
    const client = new OpenAI({ baseURL: `${h.baseUrl}/v1`, apiKey: h.token });
    const res = await client.chat.completions.create({
      model: 'env',
      messages: [{ role: 'user', content: 'plain please' }],
    });
    assert.equal(res.choices[0].message.content, 'You said: plain please');
    assert.equal(res.object, 'chat.completion');
    const models = await client.models.list();
    assert.deepEqual(
      models.data.map((m) => m.id),
      ['env'],
    );
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
