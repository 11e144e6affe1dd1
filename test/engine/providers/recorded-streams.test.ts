/**
 * Recorded vendor streams (`__fixtures__/*.chunks.txt`, raw SSE / NDJSON as the APIs send them)
 * replayed by a tiny server and read by the real providers through the official SDKs.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ModelProvider, StreamPart } from '../../../src/core/model-provider.js';
import { ProviderError } from '../../../src/core/model-provider.js';
import { createProvider as createOpenAI } from '../../../src/engine/providers/openai/index.js';
import { createProvider as createAnthropic } from '../../../src/engine/providers/anthropic/index.js';
import { createProvider as createOllama } from '../../../src/engine/providers/ollama/index.js';
import { startReplayServer } from './replay-server.js';
import { collectParts, finishes, streamError, textDeltas, toolCalls } from './collect-parts.js';

const sse = 'text/event-stream; charset=utf-8';
const ndjson = 'application/x-ndjson';
const ask = { model: 'recorded', messages: [{ role: 'user' as const, content: 'hi' }] };

async function replay(
  fixture: string,
  contentType: string,
  make: (origin: string) => ModelProvider,
): Promise<{ parts: StreamPart[]; paths: string[] }> {
  const server = await startReplayServer(fixture, contentType);
  try {
    const parts = await collectParts(make(server.origin).stream(ask));
    return { parts, paths: server.paths };
  } finally {
    await server.close();
  }
}

const openai = (origin: string) => createOpenAI({ provider: 'openai', model: 'recorded', baseUrl: `${origin}/v1` });
const anthropic = (origin: string) =>
  createAnthropic({ provider: 'anthropic', model: 'recorded', baseUrl: origin, apiKey: 'k' });
const ollama = (origin: string) => createOllama({ provider: 'ollama', model: 'recorded', baseUrl: origin });

describe('recorded streams', () => {
  it('OpenAI text stream: deltas in order, usage with cached tokens from the usage chunk', async () => {
    const { parts, paths } = await replay('openai-text.chunks.txt', sse, openai);
    assert.deepEqual(paths, ['/v1/chat/completions']);
    assert.equal(textDeltas(parts).join(''), 'Hello! How can I help you today?');
    assert.equal(textDeltas(parts).length, 9);
    assert.deepEqual(finishes(parts), [
      { type: 'finish', reason: 'stop', usage: { promptTokens: 1180, completionTokens: 10, cachedPromptTokens: 1024 } },
    ]);
    assert.equal(parts.at(-1)?.type, 'finish');
  });

  it('OpenAI parallel tool calls: assembled by index from argument fragments', async () => {
    const { parts } = await replay('openai-tool-call.chunks.txt', sse, openai);
    assert.deepEqual(textDeltas(parts), []);
    assert.deepEqual(toolCalls(parts), [
      {
        id: 'call_rBd0Lx3wWkO1mC2uQnA7cS5e',
        name: 'get_weather',
        arguments: '{"location": "Paris, France", "unit": "celsius"}',
      },
      { id: 'call_7YhK2pVnX9dS4tR1mB8eW0aL', name: 'get_time', arguments: '{"timezone": "Europe/Paris"}' },
    ]);
    assert.deepEqual(finishes(parts), [
      { type: 'finish', reason: 'tool-calls', usage: { promptTokens: 112, completionTokens: 52 } },
    ]);
  });

  it('Anthropic text stream: ping skipped, cache reads counted in prompt and reported as cached', async () => {
    const { parts, paths } = await replay('anthropic-text.chunks.txt', sse, anthropic);
    assert.deepEqual(paths, ['/v1/messages']);
    assert.deepEqual(textDeltas(parts), [
      'Hello',
      "! I'm doing well,",
      ' thanks for asking.',
      ' How can I help you today?',
    ]);
    assert.deepEqual(finishes(parts), [
      { type: 'finish', reason: 'stop', usage: { promptTokens: 1844, completionTokens: 21, cachedPromptTokens: 1830 } },
    ]);
  });

  it('Anthropic text then tool_use: input_json_delta fragments assembled into one call', async () => {
    const { parts } = await replay('anthropic-tool-call.chunks.txt', sse, anthropic);
    assert.equal(textDeltas(parts).join(''), "Okay, let's check the weather for San Francisco, CA:");
    assert.deepEqual(toolCalls(parts), [
      {
        id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6',
        name: 'get_weather',
        arguments: '{"location": "San Francisco, CA", "unit": "fahrenheit"}',
      },
    ]);
    assert.deepEqual(finishes(parts), [
      { type: 'finish', reason: 'tool-calls', usage: { promptTokens: 472, completionTokens: 89 } },
    ]);
    const kinds = parts.map((p) => p.type);
    assert.ok(kinds.indexOf('tool-call') > kinds.lastIndexOf('text-delta'), 'the call follows the text');
  });

  it('Anthropic overloaded error event mid-stream: a retryable ProviderError after the first text', async () => {
    const server = await startReplayServer('anthropic-overloaded.chunks.txt', sse);
    try {
      const seen: string[] = [];
      const err = await streamError(
        (async function* () {
          for await (const part of anthropic(server.origin).stream(ask)) {
            if (part.type === 'text-delta') seen.push(part.text);
            yield part;
          }
        })(),
      );
      assert.deepEqual(seen, ['Once upon']);
      assert.ok(err instanceof ProviderError);
      assert.equal(err.retryable, true);
      assert.match(err.message, /Overloaded/);
    } finally {
      await server.close();
    }
  });

  it('Ollama text stream: NDJSON lines, usage from prompt_eval_count / eval_count', async () => {
    const { parts, paths } = await replay('ollama-text.chunks.txt', ndjson, ollama);
    assert.deepEqual(paths, ['/api/chat']);
    assert.equal(textDeltas(parts).join(''), 'The sky is blue because of Rayleigh scattering.');
    assert.equal(textDeltas(parts).length, 9);
    assert.deepEqual(finishes(parts), [
      { type: 'finish', reason: 'stop', usage: { promptTokens: 26, completionTokens: 9 } },
    ]);
  });

  it('Ollama thinking then a tool call: thinking is not answer text, the call keeps its id', async () => {
    const { parts } = await replay('ollama-tool-call.chunks.txt', ndjson, ollama);
    assert.deepEqual(textDeltas(parts), []);
    assert.deepEqual(toolCalls(parts), [
      { id: 'call_h3xk2m9q', name: 'get_current_weather', arguments: '{"format":"celsius","location":"Toronto"}' },
    ]);
    assert.deepEqual(finishes(parts), [
      { type: 'finish', reason: 'tool-calls', usage: { promptTokens: 218, completionTokens: 97 } },
    ]);
  });

  it('a stream cut off before its end is a retryable ProviderError, not a silent finish', async () => {
    for (const [fixture, type, make] of [
      ['openai-text.chunks.txt', sse, openai],
      ['anthropic-text.chunks.txt', sse, anthropic],
      ['ollama-text.chunks.txt', ndjson, ollama],
    ] as const) {
      const server = await startReplayServer(fixture, type, { truncate: true });
      try {
        const err = await streamError(make(server.origin).stream(ask));
        assert.ok(err instanceof ProviderError, fixture);
        assert.equal(err.retryable, true, fixture);
      } finally {
        await server.close();
      }
    }
  });
});
