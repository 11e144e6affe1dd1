import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createProvider } from '../../../src/engine/providers/anthropic/index.js';
import { ProviderError, type ChatRequest } from '../../../src/core/model-provider.js';
import type { ModelSpec } from '../../../src/core/config.js';
import { startAnthropicFake, type ModelFake } from '../../fakes/anthropic-server.js';
import { collectParts, finishes, streamError, textDeltas, toolCalls } from './collect-parts.js';

describe('anthropic provider against the Anthropic fake', () => {
  let fake: ModelFake;
  let spec: ModelSpec;
  before(async () => {
    fake = await startAnthropicFake({ apiKey: 'sk-ant-test' });
    spec = { provider: 'anthropic', model: 'claude-fake', baseUrl: fake.baseUrl, apiKey: 'sk-ant-test' };
  });
  after(() => fake.close());
  beforeEach(() => {
    fake.requests.length = 0;
    fake.setReply(() => ({ text: 'Hello from the fake model' }));
  });

  const request = (over: Partial<ChatRequest> = {}): ChatRequest => ({
    model: 'claude-fake',
    messages: [{ role: 'user', content: 'hello there' }],
    ...over,
  });

  it('streams the text as several deltas in order, then one finish with usage', async () => {
    fake.setReply(() => ({ chunks: ['Hel', 'lo ', 'wor', 'ld'], usage: { promptTokens: 21, completionTokens: 5 } }));
    const parts = await collectParts(createProvider(spec).stream(request()));
    assert.deepEqual(textDeltas(parts), ['Hel', 'lo ', 'wor', 'ld']);
    assert.deepEqual(finishes(parts), [
      { type: 'finish', reason: 'stop', usage: { promptTokens: 21, completionTokens: 5 } },
    ]);
    assert.equal(parts.at(-1)?.type, 'finish');
    const sent = fake.requests[0];
    assert.equal(sent.body.stream, true);
    // SDK 1.x sends the key as a bearer token; older ones used x-api-key. The API takes both.
    assert.ok(
      sent.headers['x-api-key'] === 'sk-ant-test' || sent.headers.authorization === 'Bearer sk-ant-test',
      'the key is sent',
    );
    assert.ok(sent.headers['anthropic-version'], 'the SDK sends the API version header');
  });

  it('assembles tool_use blocks from input_json_delta fragments', async () => {
    const args = JSON.stringify({ city: 'Zürich', days: [1, 2, 3] });
    fake.setReply(() => ({
      text: 'Checking. ',
      toolCalls: [
        { name: 'weather', arguments: args },
        { name: 'clock', arguments: '{"tz":"UTC"}' },
      ],
    }));
    const parts = await collectParts(
      createProvider(spec).stream(
        request({
          tools: [
            {
              name: 'weather',
              description: 'Weather',
              parameters: { type: 'object', properties: { city: { type: 'string' } } },
            },
          ],
        }),
      ),
    );
    assert.deepEqual(textDeltas(parts), ['Checking. ']);
    const calls = toolCalls(parts);
    assert.deepEqual(
      calls.map((c) => [c.name, JSON.parse(c.arguments)]),
      [
        ['weather', JSON.parse(args)],
        ['clock', { tz: 'UTC' }],
      ],
    );
    assert.match(calls[0].id, /^toolu_/);
    assert.equal(finishes(parts)[0].reason, 'tool-calls');
    assert.deepEqual(fake.requests[0].body.tools, [
      {
        name: 'weather',
        description: 'Weather',
        input_schema: { type: 'object', properties: { city: { type: 'string' } } },
        cache_control: { type: 'ephemeral' },
      },
    ]);
  });

  it('maps system (cached), history, tool results, images and parameters onto the wire', async () => {
    await collectParts(
      createProvider({ ...spec, temperature: 0.4, maxTokens: 77 }).stream(
        request({
          messages: [
            { role: 'system', content: 'You are Hearth.' },
            { role: 'user', content: 'What is this?', images: [{ mimeType: 'image/png', data: 'iVBORw0KGgo=' }] },
            {
              role: 'assistant',
              content: '',
              toolCalls: [
                { id: 'toolu_1', name: 'look', arguments: '{"q":1}' },
                { id: 'toolu_2', name: 'look', arguments: '{"q":2}' },
              ],
            },
            { role: 'tool', toolCallId: 'toolu_1', name: 'look', content: 'a cat' },
            { role: 'tool', toolCallId: 'toolu_2', name: 'look', content: 'a hat' },
            { role: 'assistant', content: 'A cat in a hat.' },
            { role: 'user', content: 'thanks' },
          ],
        }),
      ),
    );
    const body = fake.requests[0].body;
    assert.equal(body.model, 'claude-fake');
    assert.equal(body.max_tokens, 77);
    assert.equal(body.temperature, 0.4);
    assert.deepEqual(body.system, [{ type: 'text', text: 'You are Hearth.', cache_control: { type: 'ephemeral' } }]);
    assert.deepEqual(body.messages, [
      {
        role: 'user',
        content: [
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
          { type: 'text', text: 'What is this?' },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'tool_use', id: 'toolu_1', name: 'look', input: { q: 1 } },
          { type: 'tool_use', id: 'toolu_2', name: 'look', input: { q: 2 } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_1', content: 'a cat' },
          { type: 'tool_result', tool_use_id: 'toolu_2', content: 'a hat' },
        ],
      },
      { role: 'assistant', content: [{ type: 'text', text: 'A cat in a hat.' }] },
      { role: 'user', content: [{ type: 'text', text: 'thanks', cache_control: { type: 'ephemeral' } }] },
    ]);
  });

  it('puts images a tool returned inside its tool_result', async () => {
    await collectParts(
      createProvider(spec).stream(
        request({
          messages: [
            { role: 'user', content: 'what is on the board?' },
            { role: 'assistant', content: '', toolCalls: [{ id: 'toolu_1', name: 'canvas_read', arguments: '{}' }] },
            {
              role: 'tool',
              toolCallId: 'toolu_1',
              name: 'canvas_read',
              content: '2 elements',
              images: [{ mimeType: 'image/png', data: 'iVBORw0KGgo=' }],
            },
          ],
        }),
      ),
    );
    const toolTurn = fake.requests[0].body.messages[2];
    assert.deepEqual(toolTurn.content[0].content, [
      { type: 'text', text: '2 elements' },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
    ]);
    assert.equal(toolTurn.content[0].tool_use_id, 'toolu_1');
  });

  it('keeps the cached prefix stable across turns: same tools in the same order, same system, history extended', async () => {
    const tool = (name: string) => ({ name, description: name, parameters: { type: 'object', properties: {} } });
    const system = { role: 'system' as const, content: 'You are Hearth.' };
    const provider = createProvider(spec);
    await collectParts(
      provider.stream(
        request({ messages: [system, { role: 'user', content: 'one' }], tools: [tool('clock'), tool('calc')] }),
      ),
    );
    const second = await collectParts(
      provider.stream(
        request({
          messages: [
            system,
            { role: 'user', content: 'one' },
            { role: 'assistant', content: 'first answer' },
            { role: 'user', content: 'two' },
          ],
          tools: [tool('calc'), tool('clock')],
        }),
      ),
    );
    const [a, b] = fake.requests.map((r) => r.body);
    assert.deepEqual(b.tools, a.tools, 'identical tools, in one order');
    assert.deepEqual(
      b.tools.map((t: { name: string }) => t.name),
      ['calc', 'clock'],
    );
    assert.deepEqual(b.system, a.system);
    assert.deepEqual(b.tools.at(-1).cache_control, { type: 'ephemeral' }, 'a breakpoint on the tools');
    assert.equal(
      b.tools.filter((t: { cache_control?: unknown }) => t.cache_control).length,
      1,
      'only the last tool carries it',
    );
    assert.deepEqual(b.system.at(-1).cache_control, { type: 'ephemeral' });
    // The history breakpoint sits on the newest user turn; the earlier turns are byte-identical.
    assert.deepEqual(a.messages.at(-1).content.at(-1).cache_control, { type: 'ephemeral' });
    assert.deepEqual(b.messages.at(-1).content.at(-1), {
      type: 'text',
      text: 'two',
      cache_control: { type: 'ephemeral' },
    });
    const strip = (m: { role: string; content: Array<Record<string, unknown>> }) => ({
      ...m,
      content: m.content.map(({ cache_control: _c, ...rest }) => rest),
    });
    assert.deepEqual(
      b.messages.slice(0, a.messages.length).map(strip),
      a.messages.map(strip),
      'the first prompt is a prefix of the second',
    );
    // Another conversation with the same tools and system prompt reads only those from the cache.
    const other = await collectParts(
      provider.stream(
        request({ messages: [system, { role: 'user', content: 'elsewhere' }], tools: [tool('clock'), tool('calc')] }),
      ),
    );
    const cachedTokens = finishes(second)[0]!.usage.cachedPromptTokens ?? 0;
    const prefixOnly = finishes(other)[0]!.usage.cachedPromptTokens ?? 0;
    assert.ok(prefixOnly > 0, 'tools and system prompt are read from the cache');
    assert.ok(
      cachedTokens > prefixOnly,
      `the second turn read its history from the cache too (${cachedTokens} > ${prefixOnly} cached tokens)`,
    );
  });

  it('defaults max_tokens to 1024 and reports prompt-cache reads as cachedPromptTokens', async () => {
    const system = 'You are Hearth. '.repeat(50);
    const provider = createProvider(spec);
    const first = await collectParts(
      provider.stream(
        request({
          messages: [
            { role: 'system', content: system },
            { role: 'user', content: 'hi' },
          ],
        }),
      ),
    );
    const second = await collectParts(
      provider.stream(
        request({
          messages: [
            { role: 'system', content: system },
            { role: 'user', content: 'again' },
          ],
        }),
      ),
    );
    assert.equal(fake.requests[0].body.max_tokens, 1024);
    const firstUsage = finishes(first)[0].usage;
    const secondUsage = finishes(second)[0].usage;
    assert.equal(firstUsage.cachedPromptTokens, undefined);
    assert.ok(
      secondUsage.cachedPromptTokens && secondUsage.cachedPromptTokens > 100,
      'the cached system prompt is reported',
    );
    assert.ok(secondUsage.promptTokens >= secondUsage.cachedPromptTokens, 'prompt tokens include cache reads');
  });

  it('turns 429 with Retry-After into a retryable ProviderError carrying retryAfter', async () => {
    fake.setReply(() => ({
      status: 429,
      retryAfter: 12,
      errorMessage: 'Number of requests has exceeded your rate limit',
    }));
    const err = await streamError(createProvider(spec).stream(request()));
    assert.ok(err instanceof ProviderError);
    assert.equal(err.retryable, true);
    assert.equal(err.status, 429);
    assert.equal(err.retryAfter, 12);
    assert.match(err.message, /rate limit/);
    assert.equal(fake.requests.length, 1, 'the SDK must not retry on its own');
  });

  it('500 and 529 are retryable, 400 and 401 are not', async () => {
    const provider = createProvider(spec);
    for (const [status, retryable] of [
      [500, true],
      [529, true],
      [400, false],
    ] as const) {
      fake.setReply(() => ({ status }));
      const err = await streamError(provider.stream(request()));
      assert.ok(err instanceof ProviderError, `status ${status}`);
      assert.equal(err.status, status);
      assert.equal(err.retryable, retryable, `status ${status}`);
    }
    const badKey = await streamError(createProvider({ ...spec, apiKey: 'wrong' }).stream(request()));
    assert.ok(badKey instanceof ProviderError && badKey.status === 401 && !badKey.retryable);
  });

  it('an error event in the middle of the stream surfaces as a ProviderError', async () => {
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
    assert.equal(err.retryable, true, 'overloaded_error is worth a retry');
    assert.match(err.message, /Overloaded/);
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
