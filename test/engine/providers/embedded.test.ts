/**
 * The embedded provider against the real node-llama-cpp runtime, on tiny GGUF models the test
 * writes itself (random weights, valid llama architecture and tokenizer). One thread, few tokens.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createProvider } from '../../../src/engine/providers/embedded/index.js';
import type { ChatMessage, ChatRequest, ModelProvider, StreamPart } from '../../../src/core/model-provider.js';
import { ProviderError } from '../../../src/core/model-provider.js';
import { buildTinyGguf, writeTinyGguf } from '../../fakes/gguf-writer.js';
import { startModelHub } from '../../fakes/model-hub.js';
import { findPulledModel, pullModel } from '../../../src/engine/model-pull.js';

let dir: string;
let textModel: string;
let toolModel: string;
const providers: ModelProvider[] = [];

function provider(model: string, extra: { seed?: number; runtimeModule?: string } = {}): ModelProvider {
  const p = createProvider({ provider: 'embedded', model }, { dataDir: dir, seed: 42, ...extra });
  providers.push(p);
  return p;
}

async function collect(p: ModelProvider, request: Partial<ChatRequest>): Promise<StreamPart[]> {
  const parts: StreamPart[] = [];
  for await (const part of p.stream({
    model: 'tiny',
    messages: [{ role: 'user', content: 'Hello there' }],
    ...request,
  })) {
    parts.push(part);
  }
  return parts;
}

const text = (parts: StreamPart[]) => parts.flatMap((p) => (p.type === 'text-delta' ? [p.text] : [])).join('');

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'hearth-embedded-'));
  mkdirSync(join(dir, 'models'));
  textModel = join(dir, 'models', 'tiny.gguf');
  toolModel = join(dir, 'tool.gguf');
  writeTinyGguf(textModel, { seed: 7 });
  // This model almost always emits the general chat wrapper's function-call prefix first, so a
  // tool call comes out deterministically; the grammar then constrains the name and arguments.
  writeTinyGguf(toolModel, { seed: 7, favourToken: '||call:' });
});

after(async () => {
  await Promise.all(providers.map((p) => p.close?.()));
  rmSync(dir, { recursive: true, force: true });
});

describe('embedded provider', () => {
  test('loads a generated GGUF (path relative to dataDir/models) and streams text deltas, then usage', async () => {
    const p = provider('tiny.gguf');
    const parts = await collect(p, {
      messages: [
        { role: 'system', content: 'You are a helpful assistant.' },
        { role: 'user', content: 'Hello there' },
      ],
      maxTokens: 8,
    });
    const deltas = parts.filter((x) => x.type === 'text-delta');
    assert.ok(deltas.length >= 2, `expected streamed deltas, got ${JSON.stringify(parts)}`);
    assert.ok(text(parts).length > 0);
    const finish = parts.at(-1);
    assert.equal(parts.filter((x) => x.type === 'finish').length, 1);
    assert.ok(finish?.type === 'finish');
    assert.equal(finish.reason, 'length');
    assert.equal(finish.usage.completionTokens, 8);
    assert.ok(finish.usage.promptTokens > 10, `prompt tokens ${finish.usage.promptTokens}`);
    assert.equal(finish.usage.cachedPromptTokens, 0);

    // The second turn reuses the warm context: the same prompt comes from the KV cache.
    const again = await collect(p, {
      messages: [
        { role: 'system', content: 'You are a helpful assistant.' },
        { role: 'user', content: 'Hello there' },
      ],
      maxTokens: 8,
    });
    const finish2 = again.at(-1);
    assert.ok(finish2?.type === 'finish');
    assert.equal(finish2.usage.promptTokens, finish.usage.promptTokens);
    assert.equal(finish2.usage.cachedPromptTokens, finish.usage.promptTokens);
  });

  test('a fixed seed gives reproducible output across provider instances; another seed differs', async () => {
    const request = { maxTokens: 6, temperature: 1 };
    const a = text(await collect(provider(textModel, { seed: 5 }), request));
    const b = text(await collect(provider(textModel, { seed: 5 }), request));
    const c = text(await collect(provider(textModel, { seed: 6 }), request));
    assert.equal(a, b);
    assert.ok(a.length > 0);
    assert.notEqual(a, c, 'the seed drives the sampling');
  });

  test('abort stops the generation and rethrows the signal reason; the provider keeps working', async () => {
    const p = provider(textModel);
    const controller = new AbortController();
    const seen: StreamPart[] = [];
    await assert.rejects(
      (async () => {
        for await (const part of p.stream({
          model: 'tiny',
          messages: [{ role: 'user', content: 'Hi' }],
          maxTokens: 4000,
          signal: controller.signal,
        })) {
          seen.push(part);
          if (seen.length === 2) controller.abort();
        }
      })(),
      (err: Error) => err.name === 'AbortError',
    );
    assert.equal(seen.length, 2, 'no part after the abort');
    assert.ok(!seen.some((x) => x.type === 'finish'));

    const parts = await collect(p, { maxTokens: 3 });
    assert.equal(parts.at(-1)?.type, 'finish');
  });

  test('a consumer that stops reading ends the generation and frees the context', async () => {
    const p = provider(textModel);
    for await (const part of p.stream({
      model: 'tiny',
      messages: [{ role: 'user', content: 'Hi' }],
      maxTokens: 4000,
    })) {
      assert.equal(part.type, 'text-delta');
      break;
    }
    const parts = await collect(p, { maxTokens: 2 });
    const finish = parts.at(-1);
    assert.ok(finish?.type === 'finish');
    assert.equal(finish.usage.completionTokens, 2);
  });

  test('an already aborted signal fails before generating', async () => {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(collect(provider(textModel), { signal: controller.signal }), { name: 'AbortError' });
  });

  test('a tool call surfaces as a tool-call part and finishes with tool-calls; the result continues the turn', async () => {
    const p = provider(toolModel);
    const tools = [
      {
        name: 'get_weather',
        description: 'Current weather in a city',
        parameters: { type: 'object', properties: { city: { enum: ['Paris', 'Rome'] } }, required: ['city'] },
      },
    ];
    const messages: ChatMessage[] = [{ role: 'user', content: 'Weather in Paris?' }];
    const parts = await collect(p, { messages, tools, maxTokens: 64, temperature: 0 });
    const calls = parts.filter((x) => x.type === 'tool-call');
    assert.equal(calls.length, 1, JSON.stringify(parts));
    const call = calls[0].type === 'tool-call' ? calls[0].call : undefined;
    assert.equal(call?.name, 'get_weather');
    assert.match(call!.id, /^call_\w+$/);
    const args = JSON.parse(call!.arguments) as { city: string };
    assert.ok(['Paris', 'Rome'].includes(args.city), call!.arguments);
    const finish = parts.at(-1);
    assert.ok(finish?.type === 'finish');
    assert.equal(finish.reason, 'tool-calls');

    // The engine runs the tool and calls again with its result: the provider must accept that history.
    const next = await collect(p, {
      messages: [
        ...messages,
        { role: 'assistant', content: '', toolCalls: [call!] },
        { role: 'tool', toolCallId: call!.id, name: call!.name, content: '{"celsius":21}' },
      ],
      tools,
      maxTokens: 64,
      temperature: 0,
    });
    assert.equal(next.at(-1)?.type, 'finish');
  });

  test('without node-llama-cpp the error says how to install it', async () => {
    const p = provider(textModel, { runtimeModule: 'node-llama-cpp-not-installed-for-test' });
    await assert.rejects(collect(p, {}), (err: unknown) => {
      assert.ok(err instanceof ProviderError);
      assert.equal(err.retryable, false);
      assert.match(err.message, /npm install node-llama-cpp@3\.21\.1/);
      assert.match(err.message, /npm ci --omit=optional/);
      return true;
    });
  });

  test('a missing model file fails without retry and points at `hearth models pull`', async () => {
    await assert.rejects(collect(provider('nope.gguf'), {}), (err: unknown) => {
      assert.ok(err instanceof ProviderError);
      assert.equal(err.retryable, false);
      assert.match(err.message, /hearth models pull/);
      assert.ok(err.message.includes(join(dir, 'models', 'nope.gguf')));
      return true;
    });
  });

  test('a model pulled from the (fake) hub is found and runs', async () => {
    const hub = await startModelHub({
      files: {
        'Qwen/Qwen2.5-0.5B-Instruct-GGUF/resolve/main/qwen2.5-0.5b-instruct-q4_k_m.gguf': buildTinyGguf({ seed: 9 }),
      },
    });
    try {
      const dataDir = join(dir, 'pulled');
      const path = await pullModel({ dataDir, baseUrl: hub.url });
      assert.equal(findPulledModel(dataDir), path);
      const p = createProvider({ provider: 'embedded', model: 'qwen2.5-0.5b-instruct-q4_k_m.gguf' }, { dataDir });
      providers.push(p);
      const parts = await collect(p, { maxTokens: 3 });
      assert.ok(text(parts).length > 0);
      assert.equal(parts.at(-1)?.type, 'finish');
    } finally {
      await hub.close();
    }
  });

  test('close() releases the model; later calls fail', async () => {
    const p = createProvider({ provider: 'embedded', model: textModel }, { dataDir: dir });
    await collect(p, { maxTokens: 2 });
    await p.close?.();
    await assert.rejects(collect(p, {}), ProviderError);
  });
});
