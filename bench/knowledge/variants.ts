/**
 * What to embed for a chunk, and how to fuse, measured with the Universal Sentence Encoder Lite
 * (use-server.ts): vector-only and hybrid (BM25 + vectors, RRF) recall@5 / MRR@10 / nDCG@10 on the
 * knowledge bench's questions, for several chunk representations side by side:
 *
 *   heading+text      title + section path + text: what Hearth's ingestion embeds today
 *   text              the chunk text alone
 *   leaf+text         the innermost heading + text
 *   max[…]            several vectors per chunk, the chunk's similarity the best of them
 *                     (whole chunk plus each sentence or paragraph)
 *
 * and RRF with k = 60 (Hearth's) and k = 10. Vectors are kept in a JSON-lines cache
 * (`--cache FILE`, default <use dir>/vectors-cache.jsonl), so a second run skips the model.
 *
 *   node dist/bench/knowledge/variants.js [--use-model-dir DIR] [--cache FILE]
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chunkBlocks } from '../../src/knowledge/chunking.js';
import { createOpenAIEmbedder } from '../../src/knowledge/embeddings/openai.js';
import { extractDocument } from '../../src/knowledge/extract/index.js';
import { SqliteKnowledgeIndex } from '../../src/knowledge/index/sqlite.js';
import { Retriever } from '../../src/knowledge/retrieval.js';
import type { Block, Embedder, IndexedChunk } from '../../src/knowledge/types.js';
import { docRow } from './doc-row.js';
import { questions, type Question } from './questions.js';
import { DEFAULT_USE_DIR, installUse, startUseServer } from './use-server.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const DOCS = join(ROOT, 'node_modules', 'fastify', 'docs');
const CHUNK = { maxTokens: 300, overlapTokens: 40 };
/** Candidates per ranker before fusion, as in the Retriever. */
const CANDIDATES = 50;

interface BenchChunk {
  key: string;
  file: string;
  section: string;
  heading: string;
  title: string;
  text: string;
}

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function markdownFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return markdownFiles(p);
    return name.endsWith('.md') ? [p] : [];
  });
}

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return dot / Math.sqrt(aa * bb);
}

/** The same judgement as run.ts: the chunk comes from the question's file and section. */
function relevant(q: Question, c: BenchChunk): boolean {
  return c.file === q.file && c.section.split(' > ').some((h) => h.replaceAll('`', '').includes(q.section));
}

/** Every section-aware chunk of the docs, indexed for BM25 in `index`. */
async function corpus(index: SqliteKnowledgeIndex): Promise<BenchChunk[]> {
  const out: BenchChunk[] = [];
  let n = 0;
  for (const path of markdownFiles(DOCS)) {
    const file = relative(DOCS, path);
    const doc = await extractDocument({ fileName: path, data: readFileSync(path) });
    const blocks: Block[] = [];
    for await (const b of doc.blocks) blocks.push(b);
    const title = doc.title ?? blocks.find((b) => b.kind === 'heading')?.text ?? file;
    const id = `doc_${n++}`;
    const chunks: IndexedChunk[] = [];
    const source = (async function* () {
      yield* blocks;
    })();
    for await (const c of chunkBlocks(source, CHUNK))
      chunks.push({ ...c, heading: c.section ? `${title}\n${c.section}` : title });
    const row = docRow(id, 'docs', title, file);
    await index.putDocument(row);
    await index.addChunks(row, 1, chunks);
    for (const c of chunks)
      out.push({ key: `${id}\u0000${c.text}`, file, section: c.section, heading: c.heading!, title, text: c.text });
  }
  return out;
}

function scores(ranked: BenchChunk[][], chunks: BenchChunk[]): string {
  let recall = 0;
  let mrr = 0;
  let ndcg = 0;
  questions.forEach((q, qi) => {
    const rel = ranked[qi].slice(0, 10).map((c) => relevant(q, c));
    const first = rel.indexOf(true);
    if (first >= 0 && first < 5) recall++;
    if (first >= 0) mrr += 1 / (first + 1);
    const total = chunks.filter((c) => relevant(q, c)).length;
    const dcg = rel.reduce((s, r, i) => s + (r ? 1 / Math.log2(i + 2) : 0), 0);
    let idcg = 0;
    for (let i = 0; i < Math.min(10, total); i++) idcg += 1 / Math.log2(i + 2);
    ndcg += idcg ? dcg / idcg : 0;
  });
  const n = questions.length;
  return `${(recall / n).toFixed(3)} ${(mrr / n).toFixed(3)} ${(ndcg / n).toFixed(3)}`;
}

function fuse(keyword: BenchChunk[], vector: BenchChunk[], k: number): BenchChunk[] {
  const fused = new Map<BenchChunk, number>();
  keyword.forEach((c, r) => fused.set(c, (fused.get(c) ?? 0) + 1 / (k + r + 1)));
  vector.forEach((c, r) => fused.set(c, (fused.get(c) ?? 0) + 1 / (k + r + 1)));
  return [...fused.entries()].sort((a, b) => b[1] - a[1]).map(([c]) => c);
}

const sentences = (t: string) =>
  t
    .split(/(?<=[.!?:])\s+|\n+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 3);
const leaf = (c: BenchChunk) => c.section.split(' > ').at(-1) ?? c.title;

/** Chunk representations: the texts embedded for one chunk (more than one: best similarity wins). */
const VARIANTS: Array<[string, (c: BenchChunk) => string[]]> = [
  ['heading+text (Hearth today)', (c) => [`${c.heading}\n${c.text}`]],
  ['text', (c) => [c.text]],
  ['leaf+text', (c) => [`${leaf(c)}\n${c.text}`]],
  ['max[heading+text, sentences]', (c) => [`${c.heading}\n${c.text}`, ...sentences(c.text)]],
  [
    'max[heading+text, leaf: sentence]',
    (c) => [`${c.heading}\n${c.text}`, ...sentences(c.text).map((s) => `${leaf(c)}: ${s}`)],
  ],
  [
    'max[heading+text, heading, paragraphs]',
    (c) => [`${c.heading}\n${c.text}`, c.heading.replaceAll('\n', ' > '), ...c.text.split(/\n\n+/)],
  ],
];

async function embedAll(embedder: Embedder, texts: string[]): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (let i = 0; i < texts.length; i += 64) out.push(...(await embedder.embed(texts.slice(i, i + 64))));
  return out;
}

async function main(): Promise<void> {
  const useDir = option('--use-model-dir') ?? DEFAULT_USE_DIR;
  installUse(useDir);
  const server = await startUseServer({
    dir: useDir,
    cacheFile: option('--cache') ?? join(useDir, 'vectors-cache.jsonl'),
  });
  const embedder = createOpenAIEmbedder({ baseUrl: server.baseUrl, model: server.model, timeoutMs: 600_000 });
  const dir = mkdtempSync(join(tmpdir(), 'hearth-bench-kb-variants-'));
  const index = new SqliteKnowledgeIndex(join(dir, 'aware.db'));
  try {
    await index.open();
    const chunks = await corpus(index);
    const byKey = new Map(chunks.map((c) => [c.key, c]));
    // BM25 alone, as these figures were measured (no keyword expansion).
    const retriever = new Retriever(index, () => ({ minRelevance: 0.5, minSimilarity: 0.6 }), undefined, undefined, {
      expansionTerms: 0,
    });
    const keyword: BenchChunk[][] = [];
    for (const q of questions)
      keyword.push(
        (await retriever.search(['docs'], q.q, CANDIDATES)).map((p) => byKey.get(`${p.documentId}\u0000${p.text}`)!),
      );
    const queries = await embedAll(
      embedder,
      questions.map((q) => q.q),
    );
    console.log(`${questions.length} questions, ${chunks.length} chunks; recall@5 MRR@10 nDCG@10`);
    console.log(`BM25 alone                                ${scores(keyword, chunks)}`);
    for (const [name, texts] of VARIANTS) {
      const lists = chunks.map(texts);
      const vectors = await embedAll(embedder, lists.flat());
      let at = 0;
      const perChunk = lists.map((l) => vectors.slice(at, (at += l.length)));
      const vector = queries.map((q) =>
        chunks
          .map((c, i) => ({ c, s: Math.max(...perChunk[i].map((v) => cosine(q, v))) }))
          .sort((a, b) => b.s - a.s)
          .slice(0, CANDIDATES)
          .map((x) => x.c),
      );
      const hybrid = (k: number) => vector.map((v, qi) => fuse(keyword[qi], v, k));
      console.log(
        `${name.padEnd(42)}vectors ${scores(vector, chunks)} | hybrid k=60 ${scores(hybrid(60), chunks)} | k=10 ${scores(hybrid(10), chunks)} (${vectors.length} vectors)`,
      );
    }
    console.log(`(load average ${loadavg()[0].toFixed(1)})`);
  } finally {
    await index.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
