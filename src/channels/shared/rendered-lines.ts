/**
 * Rendered markup as lines that know whether they are verbatim (inside a code block, after its
 * first line). A list item's later lines hang under its text, but indenting code would change it;
 * a quote marker goes on every line, code included, or the platform ends the quote there.
 */

export interface Line {
  text: string;
  verbatim: boolean;
}

/** How a platform shows a block quote. */
export type QuoteStyle =
  /** A marker on every line (`> `); a quote inside a quote gets it twice. */
  | { prefix: string }
  /** The quote wrapped once (`<blockquote>…</blockquote>`); a quote inside it, which such platforms cannot nest, prefixes its text lines. */
  | { open: string; close: string; nestedPrefix: string };

/** Lines of ordinary (non-code) markup. */
export function textLines(text: string): Line[] {
  return text.split('\n').map((line) => ({ text: line, verbatim: false }));
}

/** Lines of a rendered code block: the opening line is markup, the rest is the code. */
export function verbatimLines(text: string): Line[] {
  return text.split('\n').map((line, i) => ({ text: line, verbatim: i > 0 }));
}

/** Stacks blocks, with an empty line before those that had a blank line before them in the source. */
export function joinBlocks(blocks: { lines: Line[]; blankBefore: boolean }[]): Line[] {
  return blocks.flatMap((block) => (block.blankBefore ? [{ text: '', verbatim: false }, ...block.lines] : block.lines));
}

/** Puts `first` (a list marker) before the body and indents the body's later lines by `width`. */
export function hang(first: string, width: number, body: Line[]): Line[] {
  if (body.length === 0) return [{ text: first.trimEnd(), verbatim: false }];
  const pad = ' '.repeat(width);
  return body.map((line, i) => {
    if (i === 0) return { ...line, text: first + line.text };
    return line.verbatim || line.text === '' ? line : { ...line, text: pad + line.text };
  });
}

/** Marks rendered blocks as one quote in the platform's style. */
export function quoteLines(inner: Line[], style: QuoteStyle, nested: boolean): Line[] {
  if (inner.length === 0) return [];
  if ('prefix' in style)
    return inner.map((line) => ({
      ...line,
      text: line.text === '' ? style.prefix.trimEnd() : style.prefix + line.text,
    }));
  if (nested) return inner.map((line) => (line.verbatim ? line : { ...line, text: style.nestedPrefix + line.text }));
  const out = inner.map((line) => ({ ...line }));
  out[0].text = style.open + out[0].text;
  out[out.length - 1].text += style.close;
  return out;
}

/** The finished markup. */
export function toText(lines: Line[]): string {
  return lines.map((line) => line.text).join('\n');
}
