/**
 * Budgets at the HTTP API of the real `hearth` process: a turn that would pass the budget answers
 * 429 `HEARTH_E_BUDGET` before any byte of an answer, streaming or not, and never reaches the model.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startOpenAIFake, type ModelFake } from '../fakes/openai-server.js';
import { startHearth, type HearthProcess } from '../harness.js';

describe('budgets over the OpenAI-compatible API', () => {
  let model: ModelFake;
  let h: HearthProcess;

  before(async () => {
    model = await startOpenAIFake();
    model.setReply(() => ({ text: 'should not be asked' }));
    h = await startHearth({ env: { MODEL_ENDPOINT: model.baseUrl, MODEL_NAME: 'fake-model' }, config: 'budgets:\n  user:\n    tokensPerDay: 50\n' });
  });
  after(async () => {
    await h?.stop();
    await model?.close();
  });

  const ask = (stream: boolean) =>
    fetch(`${h.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${h.token}` },
      body: JSON.stringify({ model: 'env', stream, messages: [{ role: 'user', content: 'hello' }] }),
    });

  for (const stream of [false, true]) {
    it(`answers 429 HEARTH_E_BUDGET naming the budget (stream: ${stream})`, async () => {
      const res = await ask(stream);
      assert.equal(res.status, 429);
      assert.match(res.headers.get('content-type') ?? '', /application\/json/);
      const body = (await res.json()) as { error: { code: string; message: string } };
      assert.equal(body.error.code, 'HEARTH_E_BUDGET');
      assert.match(body.error.message, /budgets\.user\.tokensPerDay \(50 tokens\).*resets at \d{4}-\d\d-\d\d 00:00 UTC/);
      assert.equal(model.requests.length, 0, 'the model was never called');
    });
  }

  it('counts refusals in /metrics', async () => {
    const res = await fetch(`${h.baseUrl}/metrics`, { headers: { authorization: `Bearer ${h.token}` } });
    assert.match(await res.text(), /hearth_budget_refusals_total\{budget="budgets\.user\.tokensPerDay"\} 2/);
  });
});
