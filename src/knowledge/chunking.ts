/**
 * Section-aware chunking: a chunk never spans two sections, so each one knows its heading path and
 * page, and retrieval can cite "Title — Section". Paragraphs of one section are packed up to the
 * size cap; a section longer than the cap is split at sentence (else word) boundaries, the next
 * piece repeating the end of the previous one (overlap) so a sentence cut in two is found in both.
 */
import type { Block, Chunk } from './types.js';

export interface ChunkOptions {
  maxTokens: number;
  overlapTokens: number;
}

/** ~4 characters per token for English text (the same rule sizes the history window). */
const CHARS_PER_TOKEN = 4;

/** Han, kana and hangul characters: about one token each, not a quarter. */
const CJK_CHAR = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/gu;

/** Token count estimate of a text: ~4 characters per token, each CJK character one token. */
export function approxTokens(text: string): number {
  const cjk = text.match(CJK_CHAR)?.length ?? 0;
  return Math.ceil((text.length - cjk) / CHARS_PER_TOKEN) + cjk;
}

/** A text's size in "English characters" (4 per token), the unit the chunker's caps are in. */
function units(text: string): number {
  const cjk = text.match(CJK_CHAR)?.length ?? 0;
  return text.length + cjk * (CHARS_PER_TOKEN - 1);
}

/** Characters per unit of a text (1 for English, ~1/4 for Chinese): turns a unit cap into a character count. */
function density(text: string): number {
  return text.length / Math.max(1, units(text));
}

/** Cuts blocks into chunks; `onHeading` sees every heading (the first one may title the document). */
export async function* chunkBlocks(
  blocks: AsyncIterable<Block>,
  options: ChunkOptions,
  onHeading?: (text: string) => void,
): AsyncGenerator<Chunk> {
  const maxChars = options.maxTokens * CHARS_PER_TOKEN;
  const overlapChars = Math.min(options.overlapTokens * CHARS_PER_TOKEN, Math.floor(maxChars / 4));
  const path: Array<{ level: number; text: string }> = [];
  let buffer = '';
  let page: number | undefined;
  let ordinal = 0;
  const section = () => path.map((h) => h.text).join(' > ');
  const make = (text: string, at: number | undefined): Chunk => ({
    ordinal: ordinal++,
    section: section(),
    page: at,
    text,
  });

  for await (const block of blocks) {
    if (block.kind === 'heading') {
      if (buffer) yield make(buffer, page);
      buffer = '';
      page = undefined;
      while (path.length && path.at(-1)!.level >= block.level) path.pop();
      path.push({ level: block.level, text: block.text });
      onHeading?.(block.text);
      continue;
    }
    const text = block.text.trim();
    if (!text) continue;
    if (buffer && units(buffer) + 2 + units(text) <= maxChars) {
      buffer += `\n\n${text}`;
      continue;
    }
    if (buffer) {
      yield make(buffer, page);
      // The section goes on: carry the end of the previous chunk into the next.
      buffer = tailOf(buffer, Math.floor(overlapChars * density(buffer)));
    }
    page = buffer ? page : block.page;
    const combined = buffer ? `${buffer}\n\n${text}` : text;
    if (units(combined) <= maxChars) {
      buffer = combined;
      page = page ?? block.page;
      continue;
    }
    const d = density(combined);
    const pieces = splitText(combined, Math.max(16, Math.floor(maxChars * d)), Math.floor(overlapChars * d));
    for (const piece of pieces.slice(0, -1)) yield make(piece, block.page);
    buffer = pieces.at(-1) ?? '';
    page = block.page;
  }
  if (buffer) yield make(buffer, page);
}

/** Splits a long text into pieces of at most `maxChars`, each starting with the previous one's last `overlapChars`. */
export function splitText(text: string, maxChars: number, overlapChars: number): string[] {
  const pieces: string[] = [];
  let rest = text;
  while (rest.length > maxChars) {
    const cut = cutPoint(rest, maxChars);
    const piece = rest.slice(0, cut).trim();
    pieces.push(piece);
    const overlap = tailOf(piece, overlapChars);
    const next = rest.slice(cut).trim();
    const withOverlap = overlap ? `${overlap} ${next}` : next;
    // Always progress, whatever the overlap: the rest must shrink every round.
    rest = withOverlap.length < rest.length ? withOverlap : next;
  }
  if (rest.trim()) pieces.push(rest.trim());
  return pieces;
}

/** Where to cut: the last sentence end before `max`, else the last space, else `max`. */
function cutPoint(text: string, max: number): number {
  const window = text.slice(0, max);
  const min = Math.floor(max * 0.5);
  const sentence = Math.max(
    window.lastIndexOf('. '),
    window.lastIndexOf('.\n'),
    window.lastIndexOf('? '),
    window.lastIndexOf('! '),
    window.lastIndexOf('\n\n'),
    // Chinese and Japanese sentences end without a space after the mark.
    window.lastIndexOf('。'),
    window.lastIndexOf('！'),
    window.lastIndexOf('？'),
    window.lastIndexOf('；'),
  );
  if (sentence >= min) return sentence + 1;
  const space = window.lastIndexOf(' ');
  return space >= min ? space : max;
}

/** The last `chars` characters of a text, starting at a word boundary. */
function tailOf(text: string, chars: number): string {
  if (chars <= 0) return '';
  if (text.length <= chars) return text;
  const tail = text.slice(text.length - chars);
  const space = tail.indexOf(' ');
  return (space >= 0 ? tail.slice(space + 1) : tail).trim();
}
