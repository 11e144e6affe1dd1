/**
 * The embedded (GGUF) embedder on the real node-llama-cpp runtime (CPU, prebuilt binaries, one
 * thread), with a tiny llama-architecture model the test writes (random weights, 64 dimensions).
 * It checks the code path — loading from dataDir/models, vectors per input, deterministic, long
 * inputs cut to the context, vectors stored with chunks and searched by the hybrid retriever —
 * not retrieval quality: random weights say nothing about meaning (bench/knowledge does that).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { HearthError } from '../../src/core/errors.js';
import { createEmbedder } from '../../src/knowledge/embeddings/index.js';
import { SqliteKnowledgeIndex } from '../../src/knowledge/index/sqlite.js';
import { Retriever } from '../../src/knowledge/retrieval.js';
import type { Embedder, KnowledgeDocument } from '../../src/knowledge/types.js';
import { VectorIndex } from '../../src/knowledge/vector-index.js';
import { writeTinyGguf } from '../fakes/gguf-writer.js';

let dir: string;
let embedder: Embedder;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'hearth-kb-gguf-'));
  mkdirSync(join(dir, 'models'));
  writeTinyGguf(join(dir, 'models', 'tiny-embed.gguf'), { seed: 11 });
  embedder = createEmbedder(
    { provider: 'embedded', model: 'tiny-embed.gguf', batchSize: 8, minSimilarity: 0.6, timeoutMs: 60_000 },
    { dataDir: dir },
  )!;
});

after(async () => {
  await embedder?.close?.();
  rmSync(dir, { recursive: true, force: true });
});

describe('embedded GGUF embedder (node-llama-cpp)', () => {
  it("embeds each input into a finite vector of the model's width, the same text always the same vector", async () => {
    assert.equal(embedder.model, 'embedded:tiny-embed.gguf');
    const [a, b, again] = await embedder.embed(['hello world', 'the fire is warm', 'hello world']);
    assert.equal(a.length, 64, 'llama.embedding_length of the generated model');
    assert.ok([...a, ...b].every(Number.isFinite));
    assert.ok(a.some((x) => x !== 0));
    assert.deepEqual([...again], [...a], 'deterministic');
    assert.notDeepEqual([...b], [...a], 'another text, another vector');
  });

  it('cuts an input longer than the model context instead of failing', async () => {
    const long = 'hello world the fire is warm '.repeat(400);
    const [v] = await embedder.embed([long]);
    assert.equal(v.length, 64);
  });

  it('vectors are stored with their chunks and fused with BM25 by the retriever', async () => {
    const index = new SqliteKnowledgeIndex(join(dir, 'knowledge.db'));
    await index.open();
    try {
      const now = Date.now();
      const doc: KnowledgeDocument = {
        id: 'doc_1',
        collection: 'kb',
        title: 'Notes',
        fileName: 'notes.md',
        source: { kind: 'upload', blobKey: 'k' },
        status: 'indexed',
        progress: { pages: 0, chunks: 0 },
        generation: 1,
        createdAt: now,
        updatedAt: now,
      };
      await index.putDocument(doc);
      const texts = ['hello world', 'the fire is warm', 'yes no ok'];
      const vectors = await embedder.embed(texts);
      await index.addChunks(
        doc,
        1,
        texts.map((text, i) => ({
          ordinal: i,
          section: `S${i}`,
          heading: `Notes\nS${i}`,
          text,
          embedding: vectors[i],
        })),
        embedder.model,
      );
      assert.equal((await index.vectors('kb', embedder.model)).length, 3);

      const retriever = new Retriever(index, () => ({ minRelevance: 0.5, minSimilarity: 0.999 }), {
        embedder,
        index: new VectorIndex(index, embedder.model),
      });
      const hits = await retriever.search(['kb'], 'the fire is warm', 3);
      assert.equal(hits.length, 3, 'every chunk comes back through the vector list');
      assert.equal(hits[0].text, 'the fire is warm', 'first in both lists');
      assert.ok(hits.every((h) => typeof h.similarity === 'number'));
      assert.ok(hits[0].similarity! > 0.999, 'the identical text has cosine similarity 1');
    } finally {
      await index.close();
    }
  });

  it('a model file that is missing fails with HEARTH_E_KNOWLEDGE_EMBEDDING (503), naming the path', async () => {
    const missing = createEmbedder(
      { provider: 'embedded', model: 'nope.gguf', batchSize: 8, minSimilarity: 0.6, timeoutMs: 60_000 },
      { dataDir: dir },
    )!;
    await assert.rejects(
      missing.embed(['x']),
      (err: HearthError) =>
        err.code === 'HEARTH_E_KNOWLEDGE_EMBEDDING' && err.httpStatus === 503 && /nope\.gguf/.test(err.message),
    );
    await missing.close?.();
  });
});
