/**
 * `GET /admin/stats`, the figures of the console's Dashboard: messages and tokens per channel and
 * day counted from the stored conversations, model tokens and USD per user and agent, queue depth
 * and voice figures; a viewer may read it, a bad `days` is refused.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { chatOverWs } from '../webchat-client.js';
import { startGateway, TOKEN, type InProcessGateway } from './in-process.js';

interface Stats {
  days: string[];
  channels: Array<{ day: string; channel: string; messages: number; tokens: number }>;
  usage: Array<{ day: string; userId: string; agent: string; model: string; costUsd: number; turns: number }>;
  pricesKnown: boolean;
  queue: { depth: number };
  voice: { activeCalls: number; turns: number; bargeIns: number } | null;
}

describe('GET /admin/stats', () => {
  let g: InProcessGateway;
  const get = (path: string, token = TOKEN) =>
    fetch(`${g.hearth.url}${path}`, { headers: { authorization: `Bearer ${token}` } });

  before(async () => {
    // gpt-4o-mini has a price in the built-in table, so the turns cost something.
    g = await startGateway('voice:\n  enabled: true\n  asr:\n    phrases: [what time is it]\n', {
      env: { MODEL_NAME: 'gpt-4o-mini' },
    });
    g.fake.setReply(() => ({ text: 'an answer of several words' }));
  });
  after(() => g?.close());

  it('counts web chat and API messages per channel today, with tokens and cost', async () => {
    await chatOverWs(g.hearth.url, 'first question');
    await chatOverWs(g.hearth.url, 'second question');
    const api = await fetch(`${g.hearth.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ model: 'env', messages: [{ role: 'user', content: 'over the API' }] }),
    });
    assert.equal(api.status, 200, await api.text());

    const res = await get('/admin/stats?days=3');
    assert.equal(res.status, 200);
    const stats = (await res.json()) as Stats;
    const today = new Date().toISOString().slice(0, 10);
    assert.equal(stats.days.length, 3);
    assert.equal(stats.days.at(-1), today);
    const webchat = stats.channels.find((c) => c.channel === 'webchat' && c.day === today);
    assert.ok(webchat, JSON.stringify(stats.channels));
    assert.equal(webchat.messages, 4, 'two questions and two answers');
    assert.ok(webchat.tokens > 0);
    const apiRow = stats.channels.find((c) => c.channel === 'api' && c.day === today);
    assert.equal(apiRow?.messages, 2);

    const turns = stats.usage.filter((u) => u.day === today).reduce((n, u) => n + u.turns, 0);
    assert.equal(turns, 3);
    assert.ok(stats.pricesKnown);
    assert.ok(stats.usage.every((u) => u.costUsd > 0 && u.agent === 'default' && u.model));
    assert.deepEqual(stats.queue, { depth: 0 });
    assert.deepEqual(stats.voice, { activeCalls: 0, turns: 0, bargeIns: 0 });
  });

  it('is readable by a viewer and refuses a bad number of days', async () => {
    const issued = await fetch(`${g.hearth.url}/admin/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ name: 'dashboard', role: 'viewer' }),
    });
    assert.equal(issued.status, 201);
    const { token } = (await issued.json()) as { token: string };
    assert.equal((await get('/admin/stats', token)).status, 200);
    const bad = await get('/admin/stats?days=0');
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: { message: string } }).error.message, /days/);
    assert.equal((await get('/admin/stats', 'wrong-token')).status, 401);
  });
});

describe('GET /admin/stats without voice', () => {
  let g: InProcessGateway;
  before(async () => {
    g = await startGateway('');
  });
  after(() => g?.close());

  it('answers voice as null (not a server error)', async () => {
    const res = await fetch(`${g.hearth.url}/admin/stats`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal(((await res.json()) as Stats).voice, null);
  });
});
