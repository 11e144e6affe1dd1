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
    h = await startHearth({
      env: { MODEL_ENDPOINT: model.baseUrl, MODEL_NAME: 'fake-model' },
      config: 'budgets:\n  user:\n    tokensPerDay: 50\n',
      timeoutMs: 30_000,
    });
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
      assert.match(
        body.error.message,
        /budgets\.user\.tokensPerDay \(50 tokens\).*resets at \d{4}-\d\d-\d\d 00:00 UTC/,
      );
      assert.equal(model.requests.length, 0, 'the model was never called');
    });
  }

  it('counts refusals in /metrics', async () => {
    const res = await fetch(`${h.baseUrl}/metrics`, { headers: { authorization: `Bearer ${h.token}` } });
    assert.match(await res.text(), /hearth_budget_refusals_total\{budget="budgets\.user\.tokensPerDay"\} 2/);
  });
});

describe('usage and cost in the admin API', () => {
  let model: ModelFake;
  let h: HearthProcess;

  before(async () => {
    model = await startOpenAIFake();
    model.setReply(() => ({ text: 'fine' }));
    // gpt-4o-mini has a price in the built-in table.
    h = await startHearth({
      env: { MODEL_ENDPOINT: model.baseUrl, MODEL_NAME: 'gpt-4o-mini' },
      config: 'budgets:\n  user:\n    tokensPerDay: 100000\n',
      timeoutMs: 30_000,
    });
  });
  after(async () => {
    await h?.stop();
    await model?.close();
  });

  it('answers tokens and USD per day, and what remains of the budget', async () => {
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${h.baseUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${h.token}` },
        body: JSON.stringify({ model: 'env', messages: [{ role: 'user', content: `hello ${i}` }] }),
      });
      assert.equal(res.status, 200, await res.text());
    }
    const res = await fetch(`${h.baseUrl}/admin/usage?user=api-token`, {
      headers: { authorization: `Bearer ${h.token}` },
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as {
      days: Array<{
        day: string;
        userId: string;
        model: string;
        promptTokens: number;
        completionTokens: number;
        costUsd: number;
        turns: number;
      }>;
      budgets: Array<{ budget: string; used: number; remaining: number; limit: number }>;
    };
    assert.equal(body.days.length, 1);
    const [day] = body.days;
    assert.equal(day!.day, new Date().toISOString().slice(0, 10));
    assert.equal(day!.turns, 2);
    assert.ok(day!.promptTokens > 0 && day!.completionTokens > 0);
    const expected = (day!.promptTokens * 0.15 + day!.completionTokens * 0.6) / 1e6;
    assert.ok(Math.abs(day!.costUsd - expected) < 1e-12, `${day!.costUsd} vs ${expected}`);
    const [budget] = body.budgets;
    assert.equal(budget!.budget, 'budgets.user.tokensPerDay');
    assert.equal(budget!.used, day!.promptTokens + day!.completionTokens);
    assert.equal(budget!.remaining, 100000 - budget!.used);
    assert.equal(
      (await fetch(`${h.baseUrl}/admin/usage?days=0`, { headers: { authorization: `Bearer ${h.token}` } })).status,
      400,
    );
  });
});

describe('the 80 % budget notice in /metrics', () => {
  let model: ModelFake;
  let h: HearthProcess;

  before(async () => {
    model = await startOpenAIFake();
    // Each answer reports 900 tokens: the first turn takes the 2,000-token budget to 45 %, the second to 90 %.
    model.setReply(() => ({ text: 'fine', usage: { promptTokens: 800, completionTokens: 100 } }));
    h = await startHearth({
      env: { MODEL_ENDPOINT: model.baseUrl, MODEL_NAME: 'fake-model' },
      config: 'budgets:\n  user:\n    tokensPerDay: 2000\n',
      timeoutMs: 30_000,
    });
  });
  after(async () => {
    await h?.stop();
    await model?.close();
  });

  const warnings = async () => {
    const res = await fetch(`${h.baseUrl}/metrics`, { headers: { authorization: `Bearer ${h.token}` } });
    return /hearth_budget_warnings_total\{budget="budgets\.user\.tokensPerDay"\} (\d+)/.exec(await res.text())?.[1];
  };

  it('counts a budget once when a turn takes it past 80 %', async () => {
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${h.baseUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${h.token}` },
        body: JSON.stringify({ model: 'env', messages: [{ role: 'user', content: `hello ${i}` }] }),
      });
      assert.equal(res.status, 200);
      await res.text();
      assert.equal(await warnings(), i === 0 ? undefined : '1', `after turn ${i + 1}`);
    }
  });
});
