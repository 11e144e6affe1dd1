/**
 * Markdown (what models write) → Slack mrkdwn. Pure. Code spans and fences are kept verbatim
 * (only `&`, `<`, `>` are escaped, as Slack requires everywhere).
 */
import { singleStarProse, splitAtCode, type SingleStarStyle } from '../shared/single-star-markup.js';
import { splitMessage } from '../shared/split.js';

/** Escapes the three characters Slack treats as control sequences. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Slack's links are `<url|label>`; its bullets are a literal `•`. */
const slackStyle: SingleStarStyle = {
  link: (label, url) => `<${url}|${label}>`,
  listItem: (line) => line.replace(/^(\s*)[-*+]\s+/, '$1• '),
};

/** Converts one Markdown answer to Slack mrkdwn. */
export function markdownToMrkdwn(markdown: string): string {
  return splitAtCode(markdown)
    .map((part, i) => {
      if (i % 2 === 0) return singleStarProse(escapeMrkdwn(part), slackStyle);
      if (part.startsWith('```')) {
        // Slack ignores a language tag and would print it; drop it.
        const body = part.replace(/^```[\w+-]*\n?/, '').replace(/```$/, '');
        return '```' + escapeMrkdwn(body.replace(/\n$/, '')) + '```';
      }
      return escapeMrkdwn(part);
    })
    .join('');
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
