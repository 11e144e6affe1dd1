/** Web chat messages count against the per-sender limit; the client is told, not silently ignored. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startOpenAIFake } from '../fakes/openai-server.js';
import { startHearth } from '../harness.js';
import { chatOverWs } from '../webchat-client.js';

describe('web chat rate limit', () => {
  it('answers an error frame once a sender exceeds security.rateLimit.sender', async () => {
    const model = await startOpenAIFake();
    const h = await startHearth({
      env: { MODEL_ENDPOINT: model.baseUrl },
      config: 'security:\n  rateLimit:\n    sender: { limit: 2, windowSec: 60 }\n',
    });
    try {
      // One browser (one web chat identity) sends three messages.
      const first = await chatOverWs(h.baseUrl, 'one');
      assert.equal(first.events.at(-1)!.type, 'done');
      const hello = { identity: first.ready.identity, conversationId: first.ready.conversationId };
      assert.equal((await chatOverWs(h.baseUrl, 'two', hello)).events.at(-1)!.type, 'done');
      const third = await chatOverWs(h.baseUrl, 'three', hello);
      const last = third.events.at(-1)!;
      assert.equal(last.type, 'error');
      assert.equal(last.code, 'HEARTH_E_RATE_LIMITED');
      assert.match(last.message, /try again in \d+ s/);
      assert.equal(
        model.requests.filter((r) => r.path.endsWith('/chat/completions')).length,
        2,
        'the third never reached the model',
      );
      // Another sender is not affected.
      assert.equal((await chatOverWs(h.baseUrl, 'hello')).events.at(-1)!.type, 'done');
    } finally {
      await h.stop();
      await model.close();
    }
  });
});
