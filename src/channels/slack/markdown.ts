/**
 * Markdown (what models write) → Slack mrkdwn. Pure. Code spans and fences are kept verbatim
 * (only `&`, `<`, `>` are escaped, as Slack requires everywhere).
 */
import { splitMessage } from '../shared/split.js';

/** Escapes the three characters Slack treats as control sequences. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const BOLD = '\u0001';

function convertProse(text: string): string {
  let out = escapeMrkdwn(text);
  out = out.replace(/!?\[([^\]\n]+)\]\(([^)\s]+)\)/g, (_m, label: string, url: string) => `<${url}|${label}>`);
  out = out.replace(/\*\*(.+?)\*\*/g, `${BOLD}$1${BOLD}`).replace(/__(.+?)__/g, `${BOLD}$1${BOLD}`);
  out = out.replace(/(^|[^*\w])\*(?!\s)([^*\n]+?)(?<!\s)\*(?!\w)/g, '$1_$2_');
  out = out.replace(/~~(.+?)~~/g, '~$1~');
  out = out
    .split('\n')
    .map((line) => {
      const heading = /^#{1,6}\s+(.+?)\s*#*$/.exec(line);
      if (heading) return `${BOLD}${heading[1]}${BOLD}`;
      return line.replace(/^(\s*)[-*+]\s+/, '$1• ');
    })
    .join('\n');
  // Nested bold inside a heading would double the markers; collapse them.
  return out.replace(new RegExp(`${BOLD}{2,}`, 'g'), BOLD).replace(new RegExp(BOLD, 'g'), '*');
}

/** Converts one Markdown answer to Slack mrkdwn. */
export function markdownToMrkdwn(markdown: string): string {
  const parts = markdown.split(/(```[\s\S]*?(?:```|$)|`[^`\n]+`)/g);
  return parts
    .map((part, i) => {
      if (i % 2 === 0) return convertProse(part);
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
