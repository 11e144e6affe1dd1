/**
 * End to end against the real `hearth` process: graceful SIGTERM: an in-flight answer finishes, then the process exits 0.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import OpenAI from 'openai';
import { startOpenAIFake } from '../fakes/openai-server.js';
import { startHearth } from '../harness.js';

describe('graceful shutdown', () => {
  it('SIGTERM lets an in-flight answer finish, then exits 0', async () => {
    const model = await startOpenAIFake();
    model.setReply(() => ({ chunks: ['one ', 'two ', 'three ', 'four ', 'five'], chunkDelayMs: 200 }));
    const h = await startHearth({ env: { MODEL_ENDPOINT: model.baseUrl } });
    try {
      const client = new OpenAI({ baseURL: `${h.baseUrl}/v1`, apiKey: h.token });
      const stream = await client.chat.completions.create({
        model: 'env',
        stream: true,
        messages: [{ role: 'user', content: 'count' }],
      });
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
