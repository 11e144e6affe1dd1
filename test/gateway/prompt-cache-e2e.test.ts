/**
 * Prompt caching end to end: the OpenAI fake receives one `prompt_cache_key` on every turn of a web
 * chat conversation and another for another conversation, and the cached prompt tokens it reports
 * (the prefix matched the previous request) are recorded in the usage the admin API shows.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { chatOverWs } from '../webchat-client.js';
import { startGateway, TOKEN, type InProcessGateway } from './in-process.js';

describe('prompt cache key and cached tokens', () => {
  let g: InProcessGateway;
  before(async () => {
    g = await startGateway();
    g.fake.setReply(() => ({ text: 'a short answer' }));
  });
  after(() => g?.close());

  it('keeps one key per conversation, and records the cached prompt tokens of later turns', async () => {
    const first = await chatOverWs(g.hearth.url, 'first question');
    const hello = { conversationId: first.ready.conversationId, identity: first.ready.identity };
    await chatOverWs(g.hearth.url, 'second question', hello);
    await chatOverWs(g.hearth.url, 'third question', hello);
    await chatOverWs(g.hearth.url, 'another conversation');

    const keys = g.fake.requests.filter((r) => r.path === '/v1/chat/completions').map((r) => r.body.prompt_cache_key);
    assert.equal(keys.length, 4);
    assert.equal(typeof keys[0], 'string');
    assert.equal(keys[1], keys[0], 'the same key on every turn of a conversation');
    assert.equal(keys[2], keys[0]);
    assert.notEqual(keys[3], keys[0], 'another conversation, another key');
    assert.ok(!String(keys[0]).includes(String(first.ready.conversationId)), 'the key does not carry the id');

    const res = await fetch(`${g.hearth.url}/admin/usage?days=1`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(res.status, 200);
    const { days } = (await res.json()) as { days: Array<{ cachedPromptTokens: number; turns: number }> };
    const cached = days.reduce((n, d) => n + d.cachedPromptTokens, 0);
    assert.ok(cached > 0, `cached prompt tokens are recorded (${JSON.stringify(days)})`);
  });
});
