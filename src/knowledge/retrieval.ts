/**
 * Hybrid retrieval: BM25 (the keyword index) and, when an embedder is configured, vector
 * similarity, fused by reciprocal rank fusion (RRF, k = 60 by default: each list contributes
 * weight/(k + rank), so neither list's raw scores need calibrating against the other's). BM25's
 * best passages also feed back (feedback.ts): their most frequent distinctive words re-rank the
 * keyword candidates as a third list (on by default), and their vectors can move the vector query
 * (off by default). With a reranker (a cross-encoder), the best fused candidates are put in its
 * order last. Each passage also gets a relevance verdict: enough of the question's weighted terms,
 * a high enough cosine similarity, or a high enough reranker score.
 */
import type { Logger } from 'pino';
import { queryTerms, termCoverage } from './query.js';
import { bm25Scores, expansionCandidates, pickExpansion, rocchio } from './feedback.js';
import { subwordRanking } from './subword.js';
import type { Embedder, KeywordHit, KnowledgeIndex, Passage, Reranker } from './types.js';
import type { VectorIndex } from './vector-index.js';

/**
 * How the rankers are combined. The defaults are what the knowledge bench (bench/knowledge) kept;
 * the bench overrides them to measure alternatives on the same index.
 */
export interface RankingOptions {
  /** The RRF constant: each list contributes weight/(k + rank). */
  rrfK: number;
  keywordWeight: number;
  vectorWeight: number;
  /** Pseudo-relevance feedback for the vector query: how many of BM25's best passages (0: off)… */
  feedbackPassages: number;
  /** …and how far the query vector moves to their mean (Rocchio's β; the query's own weight is 1). */
  feedbackWeight: number;
  /** Keyword expansion (RM3-style): how many words of BM25's best passages are added (0: off)… */
  expansionTerms: number;
  /** …from how many passages, and the RRF weight of the re-ranked keyword list. */
  expansionPassages: number;
  expansionWeight: number;
  /** RRF weight of the sub-word list: the keyword candidates ranked again by the character trigrams of the question's words (0: off). */
  subwordWeight: number;
}

export const DEFAULT_RANKING: RankingOptions = {
  // Cormack, Clarke & Büttcher (2009); robust across collections.
  rrfK: 60,
  keywordWeight: 1,
  vectorWeight: 1,
  // Vector feedback: no gain on the bench once keyword expansion is on (bench/knowledge/README.md).
  feedbackPassages: 0,
  feedbackWeight: 0,
  expansionTerms: 10,
  expansionPassages: 3,
  expansionWeight: 1,
  subwordWeight: 1,
};

/** Candidates each ranker contributes before fusion. */
const CANDIDATES = 50;

/** Expansion candidates whose document frequency is looked up (one FTS5 count each). */
const EXPANSION_CANDIDATES = 12;

export interface RetrievedPassage extends Passage {
  /** Fused RRF score: the order of results (higher is better). */
  score: number;
  /** IDF-weighted share of the question's terms the passage holds (0..1). */
  coverage: number;
  /** Cosine similarity to the question, when vectors are searched. */
  similarity?: number;
  /** The reranker's score (0..1), when it ran. */
  rerankScore?: number;
  relevant: boolean;
}

export interface RetrieverOptions {
  minRelevance: number;
  minSimilarity: number;
}

/** The reranking stage: how many fused candidates the cross-encoder reads, and its relevance bar. */
export interface RerankStage {
  reranker: Reranker;
  candidates: () => number;
  minScore: () => number;
}

export class Retriever {
  private readonly ranking: RankingOptions;

  constructor(
    private readonly index: KnowledgeIndex,
    private readonly options: () => RetrieverOptions,
    private readonly vectors?: { embedder: Embedder; index: VectorIndex },
    private readonly log?: Logger,
    ranking: Partial<RankingOptions> = {},
    private readonly rerank?: RerankStage,
  ) {
    this.ranking = { ...DEFAULT_RANKING, ...ranking };
  }

  /** The `k` best passages of `collections` for a question, best first. */
  async search(collections: string[], question: string, k: number): Promise<RetrievedPassage[]> {
    if (collections.length === 0 || !question.trim()) return [];
    const terms = queryTerms(question);
    const limit = Math.max(CANDIDATES, k);
    const [keyword, queryVector] = await Promise.all([
      this.index.keywordSearch(collections, terms, limit),
      this.embedQuestion(question),
    ]);
    const subword = this.ranking.subwordWeight > 0 ? subwordRanking(terms, keyword) : [];
    const candidates = this.expansionCandidates(terms, keyword);
    const [vector, allStats] = await Promise.all([
      queryVector ? this.vectorSearch(collections, queryVector, keyword, limit) : [],
      // One count per term: the question's, then the expansion candidates'.
      keyword.length ? this.index.termStats(collections, [...terms, ...candidates.map((c) => c.term)]) : undefined,
    ]);
    const stats = { chunks: allStats?.chunks ?? 0, df: allStats?.df.slice(0, terms.length) ?? [] };
    const expanded = allStats ? this.expandedRanking(terms, keyword, candidates, allStats) : [];
    const { rrfK, keywordWeight, vectorWeight, expansionWeight, subwordWeight } = this.ranking;
    const fused = new Map<string, { score: number; passage?: Passage; matched?: number[]; similarity?: number }>();
    const add = (hits: KeywordHit[], weight: number) =>
      hits.forEach((hit, rank) => {
        const entry = fused.get(hit.chunkId) ?? { score: 0 };
        entry.score += weight / (rrfK + rank + 1);
        entry.passage ??= hit;
        // Coverage counts the question's own terms, never the expansion's.
        entry.matched ??= hit.matched.filter((i) => i < terms.length);
        fused.set(hit.chunkId, entry);
      });
    add(keyword, keywordWeight);
    add(expanded, expansionWeight);
    add(subword, subwordWeight);
    vector.forEach((hit, rank) => {
      const entry = fused.get(hit.chunkId) ?? { score: 0 };
      entry.score += vectorWeight / (rrfK + rank + 1);
      entry.similarity = hit.similarity;
      fused.set(hit.chunkId, entry);
    });
    const pool = this.rerank ? Math.max(k, this.rerank.candidates()) : k;
    const best = [...fused.entries()].sort((a, b) => b[1].score - a[1].score).slice(0, pool);
    const missing = best.filter(([, e]) => !e.passage).map(([id]) => id);
    const loaded = new Map((await this.index.passages(missing)).map((p) => [p.chunkId, p]));
    const found = best.flatMap(([id, e]) => {
      const passage = e.passage ?? loaded.get(id);
      return passage ? [{ ...e, passage }] : [];
    });
    const ordered = await this.reranked(question, found);
    const { minRelevance, minSimilarity } = this.options();
    const minScore = this.rerank?.minScore() ?? 1.01;
    return ordered.slice(0, k).map((e) => {
      const coverage = e.matched ? termCoverage(e.matched, stats.df, stats.chunks) : 0;
      const relevant =
        coverage >= minRelevance ||
        (e.similarity !== undefined && e.similarity >= minSimilarity) ||
        (e.rerankScore !== undefined && e.rerankScore >= minScore);
      const { chunkId, documentId, collection, title, section, text, page, url } = e.passage;
      return {
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
        ...(e.rerankScore !== undefined ? { rerankScore: e.rerankScore } : {}),
        relevant,
      };
    });
  }

  /**
   * The candidates in the reranker's order (ties keep the fused order), each with its score; in the
   * fused order when there is no reranker or it fails — a reranker being down never fails the turn.
   */
  private async reranked<T extends { passage: Passage }>(
    question: string,
    candidates: T[],
  ): Promise<Array<T & { rerankScore?: number }>> {
    if (!this.rerank || candidates.length === 0) return candidates;
    try {
      // What ingestion embeds, too: the title and section path give a short passage its topic.
      const texts = candidates.map(
        ({ passage: p }) => `${p.section ? `${p.title}\n${p.section}` : p.title}\n${p.text}`,
      );
      const scores = await this.rerank.reranker.rank(question, texts);
      return candidates.map((c, i) => ({ ...c, rerankScore: scores[i] })).sort((a, b) => b.rerankScore - a.rerankScore);
    } catch (err) {
      this.log?.warn({ err: { message: (err as Error).message } }, 'reranking skipped: the reranker failed');
      return candidates;
    }
  }

  /** The question's vector; none without an embedder or when it fails. */
  private async embedQuestion(question: string): Promise<Float32Array | undefined> {
    if (!this.vectors) return undefined;
    try {
      const [q] = await this.vectors.embedder.embed([question]);
      return q;
    } catch (err) {
      // The embedding server being down degrades to keyword search; it never fails the turn.
      this.log?.warn({ err: { message: (err as Error).message } }, 'vector search skipped: the embedder failed');
      return undefined;
    }
  }

  /**
   * Vector search, with the query vector moved towards the stored vectors of the best keyword hits
   * (pseudo-relevance feedback) when that is on: USE-class embedders place a short question far
   * from the passage that answers it, but the keyword winners are usually on its topic.
   */
  private async vectorSearch(
    collections: string[],
    query: Float32Array,
    keyword: KeywordHit[],
    limit: number,
  ): Promise<Array<{ chunkId: string; similarity: number }>> {
    const vectors = this.vectors!.index;
    const { feedbackPassages, feedbackWeight } = this.ranking;
    try {
      let q = query;
      if (feedbackPassages > 0 && feedbackWeight > 0 && keyword.length) {
        const ids = keyword.slice(0, feedbackPassages).map((h) => h.chunkId);
        q = rocchio(query, await vectors.stored(collections, ids), feedbackWeight);
      }
      return await vectors.search(collections, q, limit);
    } catch (err) {
      this.log?.warn({ err: { message: (err as Error).message } }, 'vector search skipped: the vector index failed');
      return [];
    }
  }

  /** Words of BM25's best passages that may expand the question (none when expansion is off). */
  private expansionCandidates(terms: string[], keyword: KeywordHit[]): Array<{ term: string; weight: number }> {
    const { expansionTerms, expansionPassages, expansionWeight } = this.ranking;
    if (expansionTerms <= 0 || expansionWeight <= 0 || keyword.length === 0) return [];
    const texts = keyword.slice(0, expansionPassages).map((h) => `${h.section}\n${h.text}`);
    return expansionCandidates(terms, texts, EXPANSION_CANDIDATES);
  }

  /**
   * The keyword candidates ranked again for the question's terms plus the most distinctive
   * expansion words (RM3-style), fused as a list of its own; none when nothing expands.
   */
  private expandedRanking(
    terms: string[],
    keyword: KeywordHit[],
    candidates: Array<{ term: string; weight: number }>,
    stats: { chunks: number; df: number[] },
  ): KeywordHit[] {
    if (candidates.length === 0) return [];
    const { expansionTerms } = this.ranking;
    const candidateDf = stats.df.slice(terms.length);
    const extra = pickExpansion(candidates, candidateDf, stats.chunks, expansionTerms);
    if (extra.length === 0) return [];
    const dfOf = new Map(candidates.map((c, i) => [c.term, candidateDf[i]]));
    const all = [...terms, ...extra];
    const df = [...stats.df.slice(0, terms.length), ...extra.map((t) => dfOf.get(t) ?? 0)];
    const scores = bm25Scores(keyword, all, df, stats.chunks);
    return keyword
      .map((hit, i) => ({ hit, score: scores[i] }))
      .sort((a, b) => b.score - a.score)
      .map(({ hit }) => hit);
  }
}
