/**
 * A model answer that uses every construct the channel renderers handle, for tests that replay it
 * as it streams (every prefix) or cut it at a platform's limit.
 */
export const richAnswer = [
  '# Plan for **today** & _tomorrow_',
  '',
  'Some **bold _nested italic_ text**, `a*b_c <tag>` and ~~old~~ plus [docs](https://en.wikipedia.org/wiki/Foo_(bar)).',
  '',
  '- first item with `code`',
  '- second',
  '  - nested *deep*',
  '1. one',
  '2. two',
  '',
  '> a quote with **bold**',
  '> > nested',
  '',
  '| Name | Qty |',
  '|------|----:|',
  '| apple | 3 |',
  '',
  '```ts',
  'const x = a**b** < 2 && c > 1;',
  '```',
  '',
  'if a < b && c > d then <script> done',
].join('\n');

/**
 * The prefixes of `text` as the answer reads while it streams in: every cut except those inside a
 * run of letters and digits, which parse like the cut at the run's end (and would only cost time).
 */
export function prefixes(text: string): string[] {
  const word = /[\p{L}\p{N}]/u;
  const cuts = Array.from({ length: text.length }, (_, i) => i + 1).filter(
    (end) => !(word.test(text[end - 1]) && word.test(text[end] ?? '')),
  );
  return cuts.map((end) => text.slice(0, end));
}
