/**
 * Prompt economy (issue 19, SPEC §3): a trivial turn with the built-in skills enabled costs at most
 * 1,500 prompt tokens, counted (o200k_base) on the exact request the model received. Deterministic,
 * so it is gated here; the other performance targets are printed by `npm run bench:compare`.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startOpenAIFake, type ModelFake } from '../fakes/openai-server.js';
import { startHearth, type HearthProcess } from '../harness.js';
import { promptTokens } from '../prompt-count.js';
import { chatOverWs } from '../webchat-client.js';

let model: ModelFake;
let hearth: HearthProcess;

before(async () => {
  model = await startOpenAIFake();
  hearth = await startHearth({ env: { MODEL_ENDPOINT: model.baseUrl } });
});

after(async () => {
  await hearth?.stop();
  await model?.close();
});

test('"hi" on the web chat costs at most 1,500 prompt tokens with the built-in skills enabled', async () => {
  const { events } = await chatOverWs(hearth.baseUrl, 'hi');
  assert.equal(events.at(-1)?.type, 'done');
  const body = model.requests.filter((r) => r.path === '/v1/chat/completions').at(-1)!.body;
  assert.equal(body.messages.at(-1).content, 'hi');
  const tokens = promptTokens(body);
  assert.ok(tokens <= 1500, `"hi" cost ${tokens} prompt tokens (limit 1500)`);
});

test('a turn that needs a tool is offered it and still stays within the budget', async () => {
  await chatOverWs(hearth.baseUrl, 'what is 17 * 23?');
  const body = model.requests.filter((r) => r.path === '/v1/chat/completions').at(-1)!.body;
  const tools: string[] = (body.tools ?? []).map((t: { function: { name: string } }) => t.function.name);
  assert.ok(
    tools.some((n) => /calc/.test(n)),
    `tools offered: ${tools.join(', ') || 'none'}`,
  );
  const tokens = promptTokens(body);
  assert.ok(tokens <= 1500, `the calculator turn cost ${tokens} prompt tokens (limit 1500)`);
});
