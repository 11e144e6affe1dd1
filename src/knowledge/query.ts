/**
 * From a question to search terms, and from matched terms to relevance. Pure, and the same for every
 * backend: the backends only report which terms a passage contains (after their own stemming).
 */

/**
 * Words that carry no topic. FTS5 keeps every word and PostgreSQL's `english` configuration drops
 * its own list; dropping these first makes both search the same terms, and keeps "how do I…" out
 * of the relevance measure.
 */
const STOPWORDS = new Set(
  (
    'a an and are as at be been but by can could did do does doing for from had has have how i if in into is it its ' +
    'me my of on or our please so tell than that the their them then there these they this those to us was we were ' +
    'what when where which who whom why will with would you your yours about any some should shall may might must ' +
    'just also very much many more most other such only own same too again further once here all both each few ' +
    'no nor not off out over under up down s t don doesn isn aren wasn weren im ive id hey hi hello thanks thank ' +
    'know want need get give find show explain describe help let make possible way ways use using used'
  ).split(/\s+/),
);

/** Most terms one question is searched with. */
const MAX_TERMS = 16;

/** The distinct topic words of a question, in order, lowercased. */
export function queryTerms(text: string): string[] {
  const out: string[] = [];
  for (const match of text.toLowerCase().normalize('NFKC').matchAll(/[\p{L}\p{N}]+/gu)) {
    const word = match[0];
    if (word.length < 2 && !/\d/.test(word)) continue;
    if (STOPWORDS.has(word) || out.includes(word)) continue;
    out.push(word);
    if (out.length === MAX_TERMS) break;
  }
  // A question made only of stopwords ("what is it?") still searches something.
  if (out.length === 0) {
    for (const match of text.toLowerCase().matchAll(/[\p{L}\p{N}]{2,}/gu)) if (!out.includes(match[0])) out.push(match[0]);
  }
  return out.slice(0, MAX_TERMS);
}

/** Inverse document frequency of a term seen in `df` of `n` chunks; unseen terms weigh the most. */
export function idf(df: number, n: number): number {
  return Math.log(1 + (n + 1) / (df + 0.5));
}

/**
 * How much of the question a passage answers: the IDF-weighted share of its terms the passage
 * holds (0..1). A term no document contains weighs the most, so a question about something the
 * collection never mentions scores low even when its common words match.
 */
export function termCoverage(matched: readonly number[], df: readonly number[], n: number): number {
  if (df.length === 0) return 0;
  let total = 0;
  let hit = 0;
  df.forEach((d, i) => {
    const w = idf(d, n);
    total += w;
    if (matched.includes(i)) hit += w;
  });
  return total > 0 ? hit / total : 0;
}
