import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createProvider } from '../../../src/engine/providers/openai/index.js';
import { ProviderError, type ChatRequest } from '../../../src/core/model-provider.js';
import { startOpenAIFake, type ModelFake } from '../../fakes/openai-server.js';
import { collectParts, finishes, streamError, textDeltas, toolCalls } from './collect-parts.js';

describe('openai provider against the OpenAI fake', () => {
  let fake: ModelFake;
  before(async () => {
    fake = await startOpenAIFake();
  });
  after(() => fake.close());
  beforeEach(() => {
    fake.requests.length = 0;
    fake.setReply((body) => ({ text: `You said: ${body.messages.at(-1).content}` }));
  });

  const request = (over: Partial<ChatRequest> = {}): ChatRequest => ({
    model: 'fake-gpt',
    messages: [{ role: 'user', content: 'hello there friend' }],
    ...over,
  });

  it('streams the text as several deltas in order, then one finish with usage', async () => {
    fake.setReply(() => ({ chunks: ['Hel', 'lo ', 'wor', 'ld'], usage: { promptTokens: 12, completionTokens: 4 } }));
    const provider = createProvider({ provider: 'openai', model: 'fake-gpt', baseUrl: fake.baseUrl });
    const parts = await collectParts(provider.stream(request()));
    assert.deepEqual(textDeltas(parts), ['Hel', 'lo ', 'wor', 'ld']);
    assert.deepEqual(finishes(parts), [
      { type: 'finish', reason: 'stop', usage: { promptTokens: 12, completionTokens: 4 } },
    ]);
    assert.equal(parts.at(-1)?.type, 'finish');
    assert.equal(fake.requests[0].body.stream, true);
    assert.deepEqual(fake.requests[0].body.stream_options, { include_usage: true });
  });

  it('forwards each delta as it arrives, before the stream ends', async () => {
    fake.setReply(() => ({ chunks: ['first ', 'second'], chunkDelayMs: 300 }));
    const provider = createProvider({ provider: 'openai', model: 'fake-gpt', baseUrl: fake.baseUrl });
    const started = Date.now();
    const iterator = provider.stream(request())[Symbol.asyncIterator]();
    const first = await iterator.next();
    assert.deepEqual(first.value, { type: 'text-delta', text: 'first ' });
    assert.ok(Date.now() - started < 250, 'the first delta must not wait for the rest of the stream');
    const rest = await collectParts({ [Symbol.asyncIterator]: () => iterator });
    assert.deepEqual(textDeltas(rest), ['second']);
  });

  it('assembles tool calls from argument fragments, one complete call each', async () => {
    const args = JSON.stringify({ city: 'Zürich', unit: 'celsius', days: [1, 2, 3] });
    fake.setReply(() => ({
      text: 'Let me check. ',
      toolCalls: [
        { name: 'weather', arguments: args },
        { name: 'clock', arguments: '{}' },
      ],
    }));
    const provider = createProvider({ provider: 'openai', model: 'fake-gpt', baseUrl: fake.baseUrl });
    const parts = await collectParts(
      provider.stream(
        request({ tools: [{ name: 'weather', description: 'Weather', parameters: { type: 'object' } }] }),
      ),
    );
    const calls = toolCalls(parts);
    assert.equal(calls.length, 2);
    assert.equal(calls[0].name, 'weather');
    assert.equal(calls[0].arguments, args);
    assert.match(calls[0].id, /^call_/);
    assert.equal(calls[1].name, 'clock');
    assert.notEqual(calls[0].id, calls[1].id);
    assert.equal(finishes(parts)[0].reason, 'tool-calls');
    assert.deepEqual(fake.requests[0].body.tools, [
      { type: 'function', function: { name: 'weather', description: 'Weather', parameters: { type: 'object' } } },
    ]);
  });

  it('maps system, history, tool results, images and generation parameters onto the wire', async () => {
    const provider = createProvider({
      provider: 'openai',
      model: 'fake-gpt',
      baseUrl: fake.baseUrl,
      temperature: 0.3,
      maxTokens: 99,
    });
    await collectParts(
      provider.stream(
        request({
          topP: 0.9,
          messages: [
            { role: 'system', content: 'You are Hearth.' },
            { role: 'user', content: 'What is this?', images: [{ mimeType: 'image/png', data: 'iVBORw0KGgo=' }] },
            { role: 'assistant', content: '', toolCalls: [{ id: 'call_1', name: 'look', arguments: '{"q":1}' }] },
            { role: 'tool', toolCallId: 'call_1', name: 'look', content: 'a cat' },
            { role: 'assistant', content: 'A cat.' },
            { role: 'user', content: 'thanks' },
          ],
        }),
      ),
    );
    const body = fake.requests[0].body;
    assert.equal(body.model, 'fake-gpt');
    assert.equal(body.temperature, 0.3);
    assert.equal(body.top_p, 0.9);
    assert.equal(body.max_tokens, 99);
    assert.deepEqual(body.messages, [
      { role: 'system', content: 'You are Hearth.' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is this?' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
        ],
      },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'look', arguments: '{"q":1}' } }],
      },
      { role: 'tool', tool_call_id: 'call_1', content: 'a cat' },
      { role: 'assistant', content: 'A cat.' },
      { role: 'user', content: 'thanks' },
    ]);
  });

  it('hands images a tool returned to the model in a user message right after the tool results', async () => {
    const provider = createProvider({ provider: 'openai', model: 'fake-gpt', baseUrl: fake.baseUrl });
    const png = { mimeType: 'image/png', data: 'iVBORw0KGgo=' };
    await collectParts(
      provider.stream(
        request({
          messages: [
            { role: 'user', content: 'what is on the board?' },
            {
              role: 'assistant',
              content: '',
              toolCalls: [
                { id: 'c1', name: 'canvas_read', arguments: '{}' },
                { id: 'c2', name: 'clock', arguments: '{}' },
              ],
            },
            { role: 'tool', toolCallId: 'c1', name: 'canvas_read', content: '2 elements', images: [png] },
            { role: 'tool', toolCallId: 'c2', name: 'clock', content: 'noon' },
          ],
        }),
      ),
    );
    // Tool messages carry text only, and must follow the calls directly: the picture comes after both.
    assert.deepEqual(fake.requests[0].body.messages.slice(2), [
      { role: 'tool', tool_call_id: 'c1', content: '2 elements' },
      { role: 'tool', tool_call_id: 'c2', content: 'noon' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'The image returned by canvas_read:' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
        ],
      },
    ]);
  });

  it('sends prompt_cache_key and tools sorted by name; a repeated prefix comes back as cachedPromptTokens', async () => {
    const provider = createProvider({ provider: 'openai', model: 'fake-gpt', baseUrl: fake.baseUrl });
    const tool = (name: string) => ({ name, description: name, parameters: { type: 'object', properties: {} } });
    const system = { role: 'system' as const, content: 'You are Hearth.' };
    await collectParts(
      provider.stream(
        request({
          messages: [system, { role: 'user', content: 'one' }],
          tools: [tool('clock'), tool('calc')],
          cacheKey: 'k1',
        }),
      ),
    );
    const second = await collectParts(
      provider.stream(
        request({
          messages: [
            system,
            { role: 'user', content: 'one' },
            { role: 'assistant', content: 'You said: one' },
            { role: 'user', content: 'two' },
          ],
          tools: [tool('calc'), tool('clock')],
          cacheKey: 'k1',
        }),
      ),
    );
    const [a, b] = fake.requests.map((r) => r.body);
    assert.equal(a.prompt_cache_key, 'k1');
    assert.equal(b.prompt_cache_key, 'k1');
    assert.deepEqual(
      b.tools.map((t: { function: { name: string } }) => t.function.name),
      ['calc', 'clock'],
    );
    assert.deepEqual(b.tools, a.tools, 'the same tools in the same order whatever order they were offered in');
    assert.ok((finishes(second)[0]!.usage.cachedPromptTokens ?? 0) > 0, 'the shared prefix was read from the cache');
    await collectParts(provider.stream(request()));
    assert.equal('prompt_cache_key' in fake.requests[2].body, false, 'no key when the engine passes none');
    const strict = createProvider({
      provider: 'openai',
      model: 'fake-gpt',
      baseUrl: fake.baseUrl,
      promptCacheKey: false,
    });
    await collectParts(strict.stream(request({ cacheKey: 'k1' })));
    assert.equal('prompt_cache_key' in fake.requests[3].body, false, 'promptCacheKey: false sends none');
  });

  it('sends no Authorization header without an API key, and a bearer token with one', async () => {
    // A key in the environment belongs to OpenAI, not to whatever server MODEL_ENDPOINT names.
    const saved = process.env.OPENAI_API_KEY;
    process.env.OPENAI_API_KEY = 'sk-from-env-must-not-leak';
    try {
      await collectParts(createProvider({ provider: 'openai', model: 'm', baseUrl: fake.baseUrl }).stream(request()));
    } finally {
      if (saved === undefined) delete process.env.OPENAI_API_KEY;
      else process.env.OPENAI_API_KEY = saved;
    }
    assert.equal(fake.requests[0].headers.authorization, undefined);
    await collectParts(
      createProvider({ provider: 'openai', model: 'm', baseUrl: fake.baseUrl, apiKey: 'sk-test-123' }).stream(
        request(),
      ),
    );
    assert.equal(fake.requests[1].headers.authorization, 'Bearer sk-test-123');
  });

  it('turns 429 with Retry-After into a retryable ProviderError carrying retryAfter', async () => {
    fake.setReply(() => ({ status: 429, retryAfter: 7, errorMessage: 'Rate limit reached' }));
    const err = await streamError(
      createProvider({ provider: 'openai', model: 'm', baseUrl: fake.baseUrl }).stream(request()),
    );
    assert.ok(err instanceof ProviderError);
    assert.equal(err.retryable, true);
    assert.equal(err.status, 429);
    assert.equal(err.retryAfter, 7);
    assert.match(err.message, /Rate limit reached/);
    assert.equal(fake.requests.length, 1, 'the SDK must not retry on its own');
  });

  it('500 is retryable, 400 is not', async () => {
    const provider = createProvider({ provider: 'openai', model: 'm', baseUrl: fake.baseUrl });
    fake.setReply(() => ({ status: 500 }));
    const e500 = await streamError(provider.stream(request()));
    assert.ok(e500 instanceof ProviderError && e500.retryable && e500.status === 500);
    fake.setReply(() => ({ status: 400, errorMessage: 'bad messages' }));
    const e400 = await streamError(provider.stream(request()));
    assert.ok(e400 instanceof ProviderError);
    assert.equal(e400.retryable, false);
    assert.equal(e400.status, 400);
    assert.equal(fake.requests.length, 2);
  });

  it('an error in the middle of the stream surfaces as a ProviderError', async () => {
    fake.setReply(() => ({ text: 'one two three four', failMidStream: true }));
    const provider = createProvider({ provider: 'openai', model: 'm', baseUrl: fake.baseUrl });
    const seen: string[] = [];
    const err = await streamError(
      (async function* () {
        for await (const part of provider.stream(request())) {
          if (part.type === 'text-delta') seen.push(part.text);
          yield part;
        }
      })(),
    );
    assert.ok(err instanceof ProviderError);
    assert.equal(err.retryable, true);
    assert.deepEqual(seen, ['one ', 'two ']);
  });

  it('a refused connection is a retryable ProviderError', async () => {
    const closed = await startOpenAIFake();
    const baseUrl = closed.baseUrl;
    await closed.close();
    const err = await streamError(createProvider({ provider: 'openai', model: 'm', baseUrl }).stream(request()));
    assert.ok(err instanceof ProviderError);
    assert.equal(err.retryable, true);
    assert.equal(err.status, undefined);
  });

  it('aborting the signal stops the stream', async () => {
    fake.setReply(() => ({ chunks: ['a', 'b', 'c', 'd', 'e'], chunkDelayMs: 100 }));
    const controller = new AbortController();
    const provider = createProvider({ provider: 'openai', model: 'm', baseUrl: fake.baseUrl });
    const seen: string[] = [];
    const err = await streamError(
      (async function* () {
        for await (const part of provider.stream(request({ signal: controller.signal }))) {
          if (part.type === 'text-delta') seen.push(part.text);
          if (seen.length === 1) controller.abort();
          yield part;
        }
      })(),
    );
    assert.equal((err as Error).name, 'AbortError');
    assert.deepEqual(seen, ['a']);
  });

  it('aborting while the server hangs ends the call at once', async () => {
    fake.setReply(() => ({ hang: true }));
    const provider = createProvider({ provider: 'openai', model: 'm', baseUrl: fake.baseUrl });
    const started = Date.now();
    const err = await streamError(provider.stream(request({ signal: AbortSignal.timeout(150) })));
    assert.equal((err as Error).name, 'TimeoutError');
    assert.ok(Date.now() - started < 2000);
  });
});

describe('openai provider: the wire as a raw server writes it', () => {
  /** A server that writes `frames` (raw bytes, one write each) as the response to any request. */
  async function rawServer(status: number, frames: Buffer[], headers: Record<string, string> = {}) {
    const { createServer } = await import('node:http');
    const server = createServer((req, res) => {
      req.resume();
      res.writeHead(status, { 'content-type': 'text/event-stream', ...headers });
      let i = 0;
      const next = () => (i < frames.length ? res.write(frames[i++], () => setTimeout(next, 5)) : res.end());
      next();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    return { baseUrl: `http://127.0.0.1:${port}/v1`, close: () => new Promise((r) => server.close(r)) };
  }
  const chunk = (content: string) =>
    `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;
  const finish = `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 2 } })}\n\ndata: [DONE]\n\n`;
  const request = (): ChatRequest => ({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });

  it('joins an event and a UTF-8 character split across writes', async () => {
    const bytes = Buffer.from(chunk('café ☕') + finish);
    const cut = bytes.indexOf(Buffer.from('☕')) + 1; // inside the character's three bytes
    const server = await rawServer(200, [bytes.subarray(0, cut), bytes.subarray(cut)]);
    try {
      const parts = await collectParts(
        createProvider({ provider: 'openai', model: 'm', baseUrl: server.baseUrl }).stream(request()),
      );
      assert.deepEqual(textDeltas(parts), ['café ☕']);
      assert.deepEqual(finishes(parts).at(-1)?.usage, { promptTokens: 3, completionTokens: 2 });
    } finally {
      await server.close();
    }
  });

  it('an error event inside the stream fails the call with the vendor message; its type decides the retry', async () => {
    const event = (type: string) =>
      Buffer.from(chunk('part') + `data: ${JSON.stringify({ error: { message: `boom ${type}`, type } })}\n\n`);
    for (const [type, retryable] of [
      ['server_error', true],
      ['invalid_request_error', false],
    ] as const) {
      const server = await rawServer(200, [event(type)]);
      try {
        const err = await streamError(
          createProvider({ provider: 'openai', model: 'm', baseUrl: server.baseUrl }).stream(request()),
        );
        assert.ok(err instanceof ProviderError);
        assert.match(err.message, new RegExp(`boom ${type}`));
        assert.equal(err.retryable, retryable);
      } finally {
        await server.close();
      }
    }
  });

  it('a non-JSON error body still names the status and the text', async () => {
    const server = await rawServer(502, [Buffer.from('Bad Gateway from the proxy')], { 'content-type': 'text/plain' });
    try {
      const err = await streamError(
        createProvider({ provider: 'openai', model: 'm', baseUrl: server.baseUrl }).stream(request()),
      );
      assert.ok(err instanceof ProviderError);
      assert.equal(err.status, 502);
      assert.equal(err.retryable, true);
      assert.match(err.message, /502 Bad Gateway from the proxy/);
    } finally {
      await server.close();
    }
  });
});
