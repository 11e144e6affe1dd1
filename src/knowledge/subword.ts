/**
 * Sub-word matching: the keyword candidates ranked again by the character trigrams of the
 * question's words, so that a word meets the parts of a compound and the compound its parts
 * ("hostname" and "host", "filesystem" and "file system") where whole-word BM25 sees nothing in
 * common. Only BM25's candidates are ranked, in process: a trigram index over the whole
 * collection (FTS5 `tokenize='trigram'`) matches nearly every row on common trigrams and cost
 * 10× the query time on 10,000 chunks (bench/knowledge/README.md).
 */
import { B, HEADING_WEIGHT, K1 } from './feedback.js';
import { topicWords } from './query.js';

/**
 * The character trigrams of a word, lowercased ("host" → hos, ost); none under three characters.
 * Cut by UTF-16 code unit: a trigram may split a surrogate pair, the same way for questions and
 * passages, so matching is unaffected.
 */
export function trigrams(word: string): string[] {
  const w = word.toLowerCase();
  const out: string[] = [];
  for (let i = 0; i + 3 <= w.length; i++) out.push(w.slice(i, i + 3));
  return out;
}

/**
 * BM25 over character trigrams for each passage: the question's trigrams (of its terms) as the
 * query, each passage's heading and text as two columns of trigrams (of its words, never across
 * two words), document frequencies and mean lengths taken over these passages.
 */
export function subwordScores(
  passages: ReadonlyArray<{ title: string; section: string; text: string }>,
  terms: readonly string[],
): number[] {
  const wanted = new Set(terms.flatMap(trigrams));
  if (wanted.size === 0) return passages.map(() => 0);
  const column = (text: string) => {
    const tf = new Map<string, number>();
    let length = 0;
    for (const word of topicWords(text)) {
      // topicWords are lowercased already; slice in place instead of building each word's list.
      for (let i = 0; i + 3 <= word.length; i++) {
        length++;
        const g = word.slice(i, i + 3);
        if (wanted.has(g)) tf.set(g, (tf.get(g) ?? 0) + 1);
      }
    }
    return { tf, length };
  };
  const rows = passages.map((p) => [column(`${p.title}\n${p.section}`), column(p.text)]);
  const df = new Map<string, number>();
  for (const cols of rows)
    for (const g of new Set(cols.flatMap((c) => [...c.tf.keys()]))) df.set(g, (df.get(g) ?? 0) + 1);
  const n = rows.length;
  const idf = (g: string) => Math.log(1 + (n - (df.get(g) ?? 0) + 0.5) / ((df.get(g) ?? 0) + 0.5));
  const weights = [HEADING_WEIGHT, 1];
  const means = weights.map((_, c) => rows.reduce((sum, r) => sum + r[c].length, 0) / (n || 1) || 1);
  return rows.map((cols) =>
    cols.reduce((score, { tf, length }, c) => {
      const norm = K1 * (1 - B + (B * length) / means[c]);
      for (const [g, f] of tf) score += (weights[c] * idf(g) * f * (K1 + 1)) / (f + norm);
      return score;
    }, 0),
  );
}

/** The candidates in sub-word order, best first; those sharing no trigram with the question are left out. */
export function subwordRanking<T extends { title: string; section: string; text: string }>(
  terms: readonly string[],
  candidates: readonly T[],
): T[] {
  const scores = subwordScores(candidates, terms);
  return candidates
    .map((hit, i) => ({ hit, score: scores[i] }))
    .filter((c) => c.score > 0)
    .sort((a, b) => b.score - a.score)
    .map((c) => c.hit);
}
