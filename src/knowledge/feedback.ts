/**
 * Pseudo-relevance feedback: the best keyword passages, taken as relevant without asking, sharpen
 * the query. Pure functions; the Retriever decides when to use them.
 *   - Vector side (Rocchio): the question's vector moved towards the mean vector of those passages,
 *     so passages near the keyword winners in meaning rank higher even when they share no word
 *     with the question (a paraphrase the embedder alone misses).
 *   - Keyword side (RM3-style): the few words those passages use most, weighed by how rare they
 *     are, added to the question's own terms, and the keyword candidates ranked again by BM25 for
 *     all of them. Only the candidates: a second index search with the extra (common) words costs
 *     two to three times the first on 10,000 chunks, and on the bench ranked no better.
 */
import { idf, topicWords } from './query.js';
import { porterStem as stem } from './terms.js';

/** `query` (made unit length) plus `weight` times the mean of `feedback` (unit vectors); `query` itself when there is none. */
export function rocchio(query: Float32Array, feedback: readonly Float32Array[], weight: number): Float32Array {
  if (feedback.length === 0 || weight === 0) return query;
  const out = unit(query);
  const share = weight / feedback.length;
  for (const v of feedback) {
    if (v.length !== out.length) continue;
    for (let i = 0; i < out.length; i++) out[i] += share * v[i];
  }
  return out;
}

function unit(v: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i] * v[i];
  const norm = Math.sqrt(sum) || 1;
  return v.map((x) => x / norm);
}

/**
 * Words of the feedback `texts` that the question does not already hold (compared by Porter stem),
 * by their relative frequency summed over the texts, most frequent first: the candidates whose
 * rarity (`pickExpansion`) then decides.
 */
export function expansionCandidates(
  terms: readonly string[],
  texts: readonly string[],
  limit: number,
): Array<{ term: string; weight: number }> {
  const own = new Set(terms.map(stem));
  const weight = new Map<string, number>();
  const seen = new Map<string, string>();
  for (const text of texts) {
    const words = topicWords(text).filter((w) => !/^\d+$/.test(w));
    for (const w of words) {
      const s = stem(w);
      if (own.has(s)) continue;
      // One candidate per stem, spelled as first seen.
      const word = seen.get(s) ?? w;
      seen.set(s, word);
      weight.set(word, (weight.get(word) ?? 0) + 1 / words.length);
    }
  }
  return [...weight.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([term, w]) => ({ term, weight: w }));
}

/**
 * The `count` best `candidates` by frequency in the feedback times IDF (`df` per candidate, of `n`
 * chunks): common words of the whole collection ("request", "option") lose to the ones that mark
 * the topic. Words no chunk holds (df 0: a token FTS5 splits differently) are left out.
 */
export function pickExpansion(
  candidates: ReadonlyArray<{ term: string; weight: number }>,
  df: readonly number[],
  n: number,
  count: number,
): string[] {
  return candidates
    .map(({ term, weight }, i) => ({ term, df: df[i] ?? 0, score: weight * idf(df[i] ?? 0, n) }))
    .filter((c) => c.df > 0)
    .sort((a, b) => b.score - a.score)
    .slice(0, count)
    .map((c) => c.term);
}

/** BM25's usual constants (Robertson & Zaragoza 2009). */
export const K1 = 1.2;
export const B = 0.75;

/** Column weights as the keyword index ranks them: the heading (title and section path) twice the body. */
export const HEADING_WEIGHT = 2;

/**
 * BM25 of each passage for `terms` (`df` per term, of `n` chunks), computed over the passages
 * themselves the way FTS5 ranks a row: per column (heading: title and section path, weighed
 * twice; body text), each column's length against its mean over these passages; words by the
 * same rules as questions (terms.ts), compared by Porter stem.
 */
export function bm25Scores(
  passages: ReadonlyArray<{ title: string; section: string; text: string }>,
  terms: readonly string[],
  df: readonly number[],
  n: number,
): number[] {
  const weight = new Map<string, number>();
  terms.forEach((t, i) => weight.set(stem(t), idf(df[i] ?? 0, n)));
  // Porter keeps a word's first two letters: only words sharing them with a wanted stem are stemmed.
  const prefixes = new Set([...weight.keys()].map((s) => s.slice(0, 2)));
  const everyWord = [...weight.keys()].some((s) => s.length < 2);
  const column = (text: string) => {
    const tf = new Map<string, number>();
    const words = topicWords(text);
    for (const w of words) {
      if (!everyWord && !prefixes.has(w.slice(0, 2))) continue;
      const s = stem(w);
      if (weight.has(s)) tf.set(s, (tf.get(s) ?? 0) + 1);
    }
    return { tf, length: words.length };
  };
  const rows = passages.map((p) => [column(`${p.title}\n${p.section}`), column(p.text)]);
  const columnWeights = [HEADING_WEIGHT, 1];
  const means = columnWeights.map((_, c) => rows.reduce((sum, r) => sum + r[c].length, 0) / (rows.length || 1) || 1);
  return rows.map((cols) =>
    cols.reduce((score, { tf, length }, c) => {
      const norm = K1 * (1 - B + (B * length) / means[c]);
      for (const [s, f] of tf) score += (columnWeights[c] * weight.get(s)! * f * (K1 + 1)) / (f + norm);
      return score;
    }, 0),
  );
}
