/**
 * The reranking stage: an HTTP /rerank server (a local fake speaking the llama.cpp / Jina / Cohere
 * shape) reorders the fused candidates, its score can make a passage relevant, and a failing or
 * malformed server leaves the fused order; the embedded reranker runs a tiny generated Qwen3-layout
 * GGUF with a relevance head on the real node-llama-cpp runtime (random weights: the code path only).
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { HearthError } from '../../src/core/errors.js';
import { SqliteKnowledgeIndex } from '../../src/knowledge/index/sqlite.js';
import { createReranker } from '../../src/knowledge/rerankers/index.js';
import { Retriever } from '../../src/knowledge/retrieval.js';
import type { KnowledgeDocument } from '../../src/knowledge/types.js';
import { writeTinyGguf } from '../fakes/gguf-writer.js';

interface RerankRequest {
  model: string;
  query: string;
  documents: string[];
  top_n: number;
}

let dir: string;
let server: Server;
let baseUrl: string;
let requests: Array<{ body: RerankRequest; auth?: string }> = [];
/** What the fake answers: by default the documents containing "lantern" score highest. */
let answer: (body: RerankRequest) => { status: number; body: string } = (body) => ({
  status: 200,
  body: JSON.stringify({
    model: body.model,
    results: body.documents
      .map((d, index) => ({ index, relevance_score: d.includes('lantern') ? 0.93 : 0.05 }))
      .sort((a, b) => b.relevance_score - a.relevance_score),
  }),
});
let index: SqliteKnowledgeIndex;

const config = (over: Record<string, unknown> = {}) => ({
  provider: 'http' as const,
  model: 'bge-reranker-v2-m3',
  baseUrl,
  candidates: 20,
  minScore: 0.5,
  timeoutMs: 5_000,
  ...over,
});

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hearth-kb-rerank-'));
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/rerank') {
        res.writeHead(404).end('{"error":"not found"}');
        return;
      }
      const body = JSON.parse(raw) as RerankRequest;
      requests.push({ body, auth: req.headers.authorization });
      const a = answer(body);
      res.writeHead(a.status, { 'content-type': 'application/json' }).end(a.body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  index = new SqliteKnowledgeIndex(join(dir, 'knowledge.db'));
  await index.open();
  const now = Date.now();
  const doc: KnowledgeDocument = {
    id: 'doc_1',
    collection: 'kb',
    title: 'Camping',
    fileName: 'camping.md',
    source: { kind: 'upload', blobKey: 'k' },
    status: 'indexed',
    progress: { pages: 0, chunks: 0 },
    generation: 1,
    createdAt: now,
    updatedAt: now,
  };
  await index.putDocument(doc);
  const texts = [
    'The fire pit keeps the fire warm and the fire bright all night: fire, fire, fire.',
    'Pack a fire starter and dry wood for the fire.',
    'At night the lantern gives light; hang it from the tent pole, away from the fire.',
  ];
  await index.addChunks(
    doc,
    1,
    texts.map((text, i) => ({ ordinal: i, section: `S${i}`, heading: `Camping\nS${i}`, text })),
    undefined,
  );
});

after(async () => {
  await index?.close();
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

const retriever = (reranker = createReranker(config(), { dataDir: dir })!) =>
  new Retriever(
    index,
    () => ({ minRelevance: 0.9, minSimilarity: 1.01 }),
    undefined,
    undefined,
    {},
    {
      reranker,
      candidates: () => 20,
      minScore: () => 0.5,
    },
  );

describe('knowledge reranker', () => {
  it('puts the fused candidates in the order of the /rerank server, with its scores and relevance', async () => {
    const plain = await new Retriever(index, () => ({ minRelevance: 0.9, minSimilarity: 1.01 })).search(
      ['kb'],
      'fire at night',
      3,
    );
    assert.notEqual(plain[0].text.includes('lantern'), true, 'BM25 alone ranks the fire-heavy passage first');
    requests = [];
    const hits = await retriever(createReranker(config({ apiKey: 'k-123' }), { dataDir: dir })).search(
      ['kb'],
      'fire at night',
      3,
    );
    assert.ok(hits[0].text.includes('lantern'), 'the reranker’s best comes first');
    assert.equal(hits[0].rerankScore, 0.93);
    assert.equal(hits[0].relevant, true, 'a reranker score ≥ minScore makes the passage relevant');
    assert.equal(requests.length, 1);
    const sent = requests[0];
    assert.equal(sent.auth, 'Bearer k-123');
    assert.equal(sent.body.model, 'bge-reranker-v2-m3');
    assert.equal(sent.body.query, 'fire at night');
    assert.equal(sent.body.documents.length, 3, 'every fused candidate is read');
    assert.equal(sent.body.top_n, 3);
    assert.ok(
      sent.body.documents.every((d) => d.startsWith('Camping\nS')),
      'title and section go with the text',
    );
  });

  it('keeps the fused order when the server fails or answers something malformed', async () => {
    const fused = await new Retriever(index, () => ({ minRelevance: 0.9, minSimilarity: 1.01 })).search(
      ['kb'],
      'fire at night',
      3,
    );
    for (const bad of [
      { status: 500, body: 'boom' },
      { status: 200, body: 'not json' },
      { status: 200, body: '{"results":[{"index":7,"relevance_score":1}]}' },
      { status: 200, body: '{"results":[{"index":0,"relevance_score":1}]}' },
    ]) {
      answer = () => bad;
      const hits = await retriever().search(['kb'], 'fire at night', 3);
      assert.deepEqual(
        hits.map((h) => h.chunkId),
        fused.map((h) => h.chunkId),
        `fused order after ${bad.body}`,
      );
      assert.ok(hits.every((h) => h.rerankScore === undefined));
    }
  });

  it('names the failure: HEARTH_E_KNOWLEDGE_RERANK with the status and the reason', async () => {
    answer = () => ({ status: 503, body: 'loading model' });
    const reranker = createReranker(config(), { dataDir: dir })!;
    await assert.rejects(
      reranker.rank('q', ['a', 'b']),
      (err: HearthError) => err.code === 'HEARTH_E_KNOWLEDGE_RERANK' && /503: loading model/.test(err.message),
    );
    answer = () => ({ status: 200, body: '{"data":[{"index":1,"score":0.2},{"index":0,"score":0.7}]}' });
    assert.deepEqual(await reranker.rank('q', ['a', 'b']), [0.7, 0.2], 'Voyage-style `data` and `score`');
  });

  it('embedded: a GGUF reranker on node-llama-cpp scores each passage in 0..1, the same text the same score', async () => {
    mkdirSync(join(dir, 'models'), { recursive: true });
    writeTinyGguf(join(dir, 'models', 'tiny-rerank.gguf'), { seed: 5, architecture: 'qwen3', rankingHead: true });
    const reranker = createReranker(
      { provider: 'embedded', model: 'tiny-rerank.gguf', candidates: 20, minScore: 0.5, timeoutMs: 5_000 },
      { dataDir: dir },
    )!;
    try {
      assert.equal(reranker.model, 'embedded:tiny-rerank.gguf');
      const scores = await reranker.rank('hello world', ['the fire is warm', 'hello world', 'the fire is warm']);
      assert.equal(scores.length, 3);
      assert.ok(scores.every((s) => s > 0 && s < 1));
      assert.equal(scores[2], scores[0], 'deterministic');
      assert.notEqual(scores[1], scores[0], 'another passage, another score');
      const long = await reranker.rank('hello', ['the fire is warm '.repeat(600)]);
      assert.ok(long[0] > 0 && long[0] < 1, 'a passage longer than the context is scored in pieces');
    } finally {
      await reranker.close?.();
    }
  });

  it('embedded: a missing model file fails with HEARTH_E_KNOWLEDGE_RERANK (503), naming the path', async () => {
    const missing = createReranker(
      { provider: 'embedded', model: 'nope.gguf', candidates: 20, minScore: 0.5, timeoutMs: 5_000 },
      { dataDir: dir },
    )!;
    await assert.rejects(
      missing.rank('q', ['a']),
      (err: HearthError) =>
        err.code === 'HEARTH_E_KNOWLEDGE_RERANK' && err.httpStatus === 503 && /nope\.gguf/.test(err.message),
    );
  });
});
