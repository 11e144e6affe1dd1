/**
 * From a question to search terms, and from matched terms to relevance. Pure, and the same for every
 * backend: the backends only report which terms a passage contains (after their own stemming).
 */
import { isCjk, searchForm } from './terms.js';

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

/** The same for Chinese questions (as the segmenter cuts them): question words, pronouns, particles. */
const CJK_STOPWORDS = new Set(
  (
    '的 了 是 在 吗 呢 吧 啊 呀 么 和 与 及 或 而 就 都 也 还 又 这 那 这个 那个 这些 那些 哪 哪个 哪些 什么 怎么 怎样 怎么样 ' +
    '如何 为什么 为何 多少 几 我 我们 你 你们 您 他 她 它 他们 请 请问 可以 能 能够 会 要 想 需要 应该 有 没有 吗 一下 告诉 ' +
    'の は が を に で と も か な です ます'
  ).split(/\s+/),
);

/** Most terms one question is searched with. */
const MAX_TERMS = 16;

/** The topic words of a text, in order, lowercased, repeats kept: what a term weight counts. */
export function topicWords(text: string): string[] {
  const out: string[] = [];
  for (const match of searchForm(text)
    .toLowerCase()
    .matchAll(/[\p{L}\p{N}]+/gu)) {
    const word = match[0];
    if (word.length < 2 && !/\d/.test(word) && !isCjk(word)) continue;
    if (STOPWORDS.has(word) || CJK_STOPWORDS.has(word)) continue;
    out.push(word);
  }
  return out;
}

/** The distinct topic words of a question, in order, lowercased. */
export function queryTerms(text: string): string[] {
  const out = [...new Set(topicWords(text))].slice(0, MAX_TERMS);
  // A question made only of stopwords ("what is it?") still searches something.
  if (out.length === 0) {
    for (const match of searchForm(text)
      .toLowerCase()
      .matchAll(/[\p{L}\p{N}]+/gu)) {
      if ((match[0].length >= 2 || isCjk(match[0])) && !out.includes(match[0])) out.push(match[0]);
    }
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
