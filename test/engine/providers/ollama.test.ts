import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createProvider } from '../../../src/engine/providers/ollama/index.js';
import { ProviderError, type ChatRequest } from '../../../src/core/model-provider.js';
import type { ModelSpec } from '../../../src/core/config.js';
import { startOllamaFake, type ModelFake } from '../../fakes/ollama-server.js';
import { collectParts, finishes, streamError, textDeltas, toolCalls } from './collect-parts.js';

describe('ollama provider against the Ollama fake', () => {
  let fake: ModelFake;
  let spec: ModelSpec;
  before(async () => {
    fake = await startOllamaFake();
    spec = { provider: 'ollama', model: 'fake-llama', baseUrl: fake.baseUrl };
  });
  after(() => fake.close());
  beforeEach(() => {
    fake.requests.length = 0;
    fake.setReply(() => ({ text: 'Hello from the fake model' }));
  });

  const request = (over: Partial<ChatRequest> = {}): ChatRequest => ({
    model: 'fake-llama',
    messages: [{ role: 'user', content: 'hello there' }],
    ...over,
  });

  it('streams the text as several deltas in order, then one finish with usage', async () => {
    fake.setReply(() => ({ chunks: ['Hel', 'lo ', 'wor', 'ld'], usage: { promptTokens: 26, completionTokens: 4 } }));
    const parts = await collectParts(createProvider(spec).stream(request()));
    assert.deepEqual(textDeltas(parts), ['Hel', 'lo ', 'wor', 'ld']);
    assert.deepEqual(finishes(parts), [
      { type: 'finish', reason: 'stop', usage: { promptTokens: 26, completionTokens: 4 } },
    ]);
    assert.equal(parts.at(-1)?.type, 'finish');
    assert.equal(fake.requests[0].path, '/api/chat');
    assert.equal(fake.requests[0].body.stream, true);
  });

  it('turns message.tool_calls into complete tool calls with JSON-text arguments', async () => {
    fake.setReply(() => ({
      toolCalls: [
        { name: 'weather', arguments: '{"city":"Zürich","days":[1,2]}' },
        { name: 'clock', arguments: '{}' },
      ],
    }));
    const parts = await collectParts(
      createProvider(spec).stream(
        request({ tools: [{ name: 'weather', description: 'Weather', parameters: { type: 'object' } }] }),
      ),
    );
    const calls = toolCalls(parts);
    assert.deepEqual(
      calls.map((c) => [c.name, JSON.parse(c.arguments)]),
      [
        ['weather', { city: 'Zürich', days: [1, 2] }],
        ['clock', {}],
      ],
    );
    assert.notEqual(calls[0].id, calls[1].id);
    assert.equal(finishes(parts)[0].reason, 'tool-calls');
    assert.deepEqual(fake.requests[0].body.tools, [
      { type: 'function', function: { name: 'weather', description: 'Weather', parameters: { type: 'object' } } },
    ]);
  });

  it('maps system, history, tool results, images and options (num_ctx, num_predict) onto the wire', async () => {
    await collectParts(
      createProvider({
        ...spec,
        temperature: 0.2,
        topP: 0.8,
        maxTokens: 64,
        contextSize: 8192,
        apiKey: 'ollama-key',
      }).stream(
        request({
          messages: [
            { role: 'system', content: 'You are Hearth.' },
            { role: 'user', content: 'What is this?', images: [{ mimeType: 'image/png', data: 'iVBORw0KGgo=' }] },
            { role: 'assistant', content: '', toolCalls: [{ id: 'call_0', name: 'look', arguments: '{"q":1}' }] },
            { role: 'tool', toolCallId: 'call_0', name: 'look', content: 'a cat' },
            { role: 'user', content: 'thanks' },
          ],
        }),
      ),
    );
    const sent = fake.requests[0];
    assert.equal(sent.headers.authorization, 'Bearer ollama-key');
    assert.deepEqual(sent.body.options, { temperature: 0.2, top_p: 0.8, num_predict: 64, num_ctx: 8192 });
    assert.deepEqual(sent.body.messages, [
      { role: 'system', content: 'You are Hearth.' },
      { role: 'user', content: 'What is this?', images: ['iVBORw0KGgo='] },
      { role: 'assistant', content: '', tool_calls: [{ function: { name: 'look', arguments: { q: 1 } } }] },
      { role: 'tool', content: 'a cat', tool_name: 'look' },
      { role: 'user', content: 'thanks' },
    ]);
  });

  it('turns 429 with Retry-After into a retryable ProviderError carrying retryAfter', async () => {
    fake.setReply(() => ({ status: 429, retryAfter: 3, errorMessage: 'server busy, please try again' }));
    const err = await streamError(createProvider(spec).stream(request()));
    assert.ok(err instanceof ProviderError);
    assert.equal(err.retryable, true);
    assert.equal(err.status, 429);
    assert.equal(err.retryAfter, 3);
    assert.match(err.message, /server busy/);
  });

  it('500 is retryable, 400 and 404 are not', async () => {
    const provider = createProvider(spec);
    for (const [status, retryable] of [
      [500, true],
      [400, false],
      [404, false],
    ] as const) {
      fake.setReply(() => ({ status, errorMessage: `model "x" failed ${status}` }));
      const err = await streamError(provider.stream(request()));
      assert.ok(err instanceof ProviderError, `status ${status}`);
      assert.equal(err.status, status);
      assert.equal(err.retryable, retryable, `status ${status}`);
    }
  });

  it('an error line in the middle of the stream surfaces as a ProviderError', async () => {
    fake.setReply(() => ({ text: 'one two three four', failMidStream: true }));
    const seen: string[] = [];
    const provider = createProvider(spec);
    const err = await streamError(
      (async function* () {
        for await (const part of provider.stream(request())) {
          if (part.type === 'text-delta') seen.push(part.text);
          yield part;
        }
      })(),
    );
    assert.ok(err instanceof ProviderError);
    assert.match(err.message, /unexpected EOF/);
    assert.deepEqual(seen, ['one ', 'two ']);
  });

  it('aborting the signal stops the stream', async () => {
    fake.setReply(() => ({ chunks: ['a', 'b', 'c', 'd'], chunkDelayMs: 100 }));
    const controller = new AbortController();
    const seen: string[] = [];
    const provider = createProvider(spec);
    const err = await streamError(
      (async function* () {
        for await (const part of provider.stream(request({ signal: controller.signal }))) {
          if (part.type === 'text-delta') seen.push(part.text);
          controller.abort();
          yield part;
        }
      })(),
    );
    assert.equal((err as Error).name, 'AbortError');
    assert.deepEqual(seen, ['a']);
  });

  it('aborting while the server hangs ends the call at once', async () => {
    fake.setReply(() => ({ hang: true }));
    const started = Date.now();
    const err = await streamError(createProvider(spec).stream(request({ signal: AbortSignal.timeout(150) })));
    assert.equal((err as Error).name, 'TimeoutError');
    assert.ok(Date.now() - started < 2000);
  });
});
