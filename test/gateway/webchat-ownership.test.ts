/** A web chat conversation belongs to whoever started it: another user naming its id gets a new one. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startOpenAIFake } from '../fakes/openai-server.js';
import { startHearth } from '../harness.js';
import { chatOverWs } from '../webchat-client.js';

describe('web chat conversation ownership', () => {
  it('does not show one user’s conversation to another who guesses its id', async () => {
    const model = await startOpenAIFake();
    const h = await startHearth({ env: { MODEL_ENDPOINT: model.baseUrl }, config: 'webchat:\n  auth: token\n' });
    try {
      const issued = await fetch(`${h.baseUrl}/admin/tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${h.token}` },
        body: JSON.stringify({ name: 'bob', role: 'viewer' }),
      });
      assert.equal(issued.status, 201);
      const bob = ((await issued.json()) as { token: string }).token;
      const alice = await chatOverWs(h.baseUrl, 'my secret plan', {
        token: h.token,
        conversationId: 'alice-conversation-1',
      });
      assert.equal(alice.ready.conversationId, 'alice-conversation-1');
      const again = await chatOverWs(h.baseUrl, 'and more', { token: h.token, conversationId: 'alice-conversation-1' });
      assert.equal(again.ready.history[0].content, 'my secret plan', 'the owner gets her history back');
      const guess = await chatOverWs(h.baseUrl, 'hello?', { token: bob, conversationId: 'alice-conversation-1' });
      assert.notEqual(guess.ready.conversationId, 'alice-conversation-1');
      assert.deepEqual(guess.ready.history, []);
      assert.ok(!JSON.stringify(guess.events).includes('secret plan'));
    } finally {
      await h.stop();
      await model.close();
    }
  });
});
