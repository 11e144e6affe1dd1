/**
 * Markdown (as models write it) → Discord's Markdown. Discord renders most of it natively
 * (bold, italics, code, fences, quotes, lists, headings #–###, masked links); this rewrites what it
 * does not: tables (shown as a code block so columns line up), images (a link instead), and
 * headings deeper than ###.
 */

const tableRow = /^\s*\|.*\|\s*$/;
const tableRule = /^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$/;

/** Converts one answer; pure, safe for partial (still streaming) text. */
export function markdownToDiscord(markdown: string): string {
  const lines = markdown.replace(/\r\n?/g, '\n').split('\n');
  const out: string[] = [];
  let inFence = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (/^\s*(```|~~~)/.test(line)) {
      inFence = !inFence;
      out.push(line);
      continue;
    }
    if (inFence) {
      out.push(line);
      continue;
    }
    if (tableRow.test(line) && i + 1 < lines.length && tableRule.test(lines[i + 1])) {
      const rows: string[] = [];
      while (i < lines.length && (tableRow.test(lines[i]) || tableRule.test(lines[i]))) rows.push(lines[i++].trim());
      i--;
      out.push('```', ...rows, '```');
      continue;
    }
    const deep = /^#{4,6}\s+(.*)$/.exec(line);
    if (deep) {
      out.push(`**${deep[1]}**`);
      continue;
    }
    out.push(line.replace(/!\[([^\]]*)\]\(([^)\s]+)\)/g, (_m, alt: string, url: string) => (alt ? `[${alt}](${url})` : url)));
  }
  return out.join('\n');
}
