/**
 * The knowledge bench's embeddings server (bench/knowledge/use-server.ts) speaks the OpenAI
 * `/v1/embeddings` protocol Hearth's provider uses: checked with a stand-in model (the real one is
 * ~30 MB, installed only when the bench runs with --use-model), through the real OpenAI embedder.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startUseServer, type UseServer } from '../../bench/knowledge/use-server.js';
import { createOpenAIEmbedder } from '../../src/knowledge/embeddings/openai.js';

let dir: string;
let server: UseServer;
const calls: string[][] = [];

/** A vector that says which text it came from: [length, first char code, 1]. */
const standIn = (t: string) => [t.length, t.charCodeAt(0) || 0, 1];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hearth-use-server-'));
  server = await startUseServer({
    dir,
    cacheFile: join(dir, 'cache.jsonl'),
    load: async () => ({
      backend: 'stand-in',
      model: {
        async embed(inputs) {
          calls.push(inputs);
          return inputs.map(standIn);
        },
      },
    }),
  });
});

after(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('bench embeddings server', () => {
  it('binds 127.0.0.1 and answers Hearth’s OpenAI embedder, one vector per input in order', async () => {
    assert.match(server.baseUrl, /^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    const embedder = createOpenAIEmbedder({ baseUrl: server.baseUrl, model: server.model, timeoutMs: 10_000 });
    const texts = Array.from({ length: 40 }, (_, i) => `${String.fromCharCode(97 + (i % 26))} text ${'x'.repeat(i)}`);
    const vectors = await embedder.embed(texts);
    assert.equal(vectors.length, texts.length);
    vectors.forEach((v, i) => assert.deepEqual([...v], standIn(texts[i])));
  });

  it('embeds a text once: repeats and later requests come from the cache file', async () => {
    calls.length = 0;
    const embedder = createOpenAIEmbedder({ baseUrl: server.baseUrl, model: server.model, timeoutMs: 10_000 });
    await embedder.embed(['fresh one', 'fresh one', 'fresh two']);
    await embedder.embed(['fresh two']);
    assert.deepEqual(calls, [['fresh one', 'fresh two']]);
    const cached = readFileSync(join(dir, 'cache.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l)[0]);
    assert.ok(cached.includes('fresh one') && cached.includes('fresh two'));
  });

  it('takes a single string, and refuses input that is not text with 400', async () => {
    const post = (body: unknown) =>
      fetch(`${server.baseUrl}/embeddings`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const one = await post({ model: server.model, input: 'abc' });
    assert.equal(one.status, 200);
    const body = (await one.json()) as { object: string; data: Array<{ index: number; embedding: number[] }> };
    assert.equal(body.object, 'list');
    assert.deepEqual(body.data, [{ object: 'embedding', index: 0, embedding: standIn('abc') }]);
    for (const input of [[], [1, 2], undefined]) assert.equal((await post({ model: server.model, input })).status, 400);
  });
});
