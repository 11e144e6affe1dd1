/**
 * Markdown (what models write) → Slack mrkdwn, by walking the parsed tree (shared/markup-renderer.ts).
 * Slack needs `&`, `<` and `>` escaped everywhere, code included, and has no other escape.
 */
import { renderMarkdown, type Dialect } from '../shared/markup-renderer.js';
import { singleStarMarks } from '../shared/single-star-markup.js';
import { splitMessage } from '../shared/split.js';

/** Escapes the three characters Slack treats as control sequences. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const slack: Dialect = {
  ...singleStarMarks,
  text: escapeMrkdwn,
  inlineCode: (value) => '`' + escapeMrkdwn(value) + '`',
  // `<url|label>`: a label shows no formatting, and a `|` in the URL would end it early.
  link: (_label, url, plain) => `<${escapeMrkdwn(url).replace(/\|/g, '%7C')}|${escapeMrkdwn(plain)}>`,
  bareLink: escapeMrkdwn,
  // Slack ignores a language tag and would print it; it is dropped.
  codeBlock: (value) => '```' + escapeMrkdwn(value) + '```',
  bullet: '• ',
};

/** Converts one Markdown answer to Slack mrkdwn. */
export function markdownToMrkdwn(markdown: string): string {
  return renderMarkdown(markdown, slack);
}

/**
 * One Markdown answer as Slack messages of at most `limit` characters: split first (the shared
 * splitter keeps code fences balanced in every piece), then each piece converted. Escaping can
 * lengthen a piece (`&` → `&amp;`); one that grew past the limit is split again.
 */
export function mrkdwnPieces(markdown: string, limit: number): string[] {
  return splitMessage(markdown, limit).flatMap((piece) => {
    const mrkdwn = markdownToMrkdwn(piece);
    return mrkdwn.length <= limit ? [mrkdwn] : splitMessage(mrkdwn, limit);
  });
}
