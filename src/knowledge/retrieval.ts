/**
 * Hybrid retrieval: BM25 (the keyword index) and, when an embedder is configured, vector
 * similarity, fused by reciprocal rank fusion (RRF, k = 60: each list contributes 1/(60 + rank), so
 * neither list's raw scores need calibrating against the other's). Each passage also gets a
 * relevance verdict: enough of the question's weighted terms, or a high enough cosine similarity.
 */
import type { Logger } from 'pino';
import { queryTerms, termCoverage } from './query.js';
import type { Embedder, KnowledgeIndex, Passage } from './types.js';
import type { VectorIndex } from './vector-index.js';

/** The RRF constant from Cormack, Clarke & Büttcher (2009); robust across collections. */
const RRF_K = 60;

/** Candidates each ranker contributes before fusion. */
const CANDIDATES = 50;

export interface RetrievedPassage extends Passage {
  /** Fused RRF score: the order of results (higher is better). */
  score: number;
  /** IDF-weighted share of the question's terms the passage holds (0..1). */
  coverage: number;
  /** Cosine similarity to the question, when vectors are searched. */
  similarity?: number;
  relevant: boolean;
}

export interface RetrieverOptions {
  minRelevance: number;
  minSimilarity: number;
}

export class Retriever {
  constructor(
    private readonly index: KnowledgeIndex,
    private readonly options: () => RetrieverOptions,
    private readonly vectors?: { embedder: Embedder; index: VectorIndex },
    private readonly log?: Logger,
  ) {}

  /** The `k` best passages of `collections` for a question, best first. */
  async search(collections: string[], question: string, k: number): Promise<RetrievedPassage[]> {
    if (collections.length === 0 || !question.trim()) return [];
    const terms = queryTerms(question);
    const [keyword, vector] = await Promise.all([
      this.index.keywordSearch(collections, terms, Math.max(CANDIDATES, k)),
      this.vectorSearch(collections, question, Math.max(CANDIDATES, k)),
    ]);
    const stats = keyword.length ? await this.index.termStats(collections, terms) : { chunks: 0, df: [] };
    const fused = new Map<string, { score: number; passage?: Passage; matched?: number[]; similarity?: number }>();
    keyword.forEach((hit, rank) => {
      fused.set(hit.chunkId, { score: 1 / (RRF_K + rank + 1), passage: hit, matched: hit.matched });
    });
    vector.forEach((hit, rank) => {
      const entry = fused.get(hit.chunkId) ?? { score: 0 };
      entry.score += 1 / (RRF_K + rank + 1);
      entry.similarity = hit.similarity;
      fused.set(hit.chunkId, entry);
    });
    const best = [...fused.entries()].sort((a, b) => b[1].score - a[1].score).slice(0, k);
    const missing = best.filter(([, e]) => !e.passage).map(([id]) => id);
    const loaded = new Map((await this.index.passages(missing)).map((p) => [p.chunkId, p]));
    const { minRelevance, minSimilarity } = this.options();
    return best.flatMap(([id, e]) => {
      const passage = e.passage ?? loaded.get(id);
      if (!passage) return [];
      const coverage = e.matched ? termCoverage(e.matched, stats.df, stats.chunks) : 0;
      const relevant = coverage >= minRelevance || (e.similarity !== undefined && e.similarity >= minSimilarity);
      const { chunkId, documentId, collection, title, section, text, page, url } = passage as Passage;
      return [
        {
          chunkId,
          documentId,
          collection,
          title,
          section,
          text,
          ...(page !== undefined ? { page } : {}),
          ...(url ? { url } : {}),
          score: e.score,
          coverage,
          ...(e.similarity !== undefined ? { similarity: e.similarity } : {}),
          relevant,
        },
      ];
    });
  }

  private async vectorSearch(
    collections: string[],
    question: string,
    limit: number,
  ): Promise<Array<{ chunkId: string; similarity: number }>> {
    if (!this.vectors) return [];
    try {
      const [q] = await this.vectors.embedder.embed([question]);
      return await this.vectors.index.search(collections, q, limit);
    } catch (err) {
      // The embedding server being down degrades to keyword search; it never fails the turn.
      this.log?.warn({ err: { message: (err as Error).message } }, 'vector search skipped: the embedder failed');
      return [];
    }
  }
}
