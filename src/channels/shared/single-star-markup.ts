/**
 * Markdown (what models write) → the single-star formatting Slack mrkdwn and WhatsApp share:
 * `*bold*`, `_italic_`, `~strike~`, headings shown bold. Pure. The two platforms differ only in
 * how they show links and list items (and in Slack's escaping, done before this), which each
 * passes in; code spans and fences are found here but rendered by each platform.
 */

/** What differs between the platforms that use single-star formatting. */
export interface SingleStarStyle {
  /** A Markdown link or image `[label](url)` as the platform shows it. */
  link(label: string, url: string): string;
  /** One line with its list marker rewritten the platform's way; any other line comes back unchanged. */
  listItem(line: string): string;
}

/** Stands for a bold marker until italics are converted, since both end up as `*`. */
const BOLD = '\u0001';

/**
 * Splits Markdown at its code: even indexes are prose, odd ones a fence (still open at the end
 * while an answer streams) or an inline code span, kept verbatim.
 */
export function splitAtCode(markdown: string): string[] {
  return markdown.split(/(```[\s\S]*?(?:```|$)|`[^`\n]+`)/g);
}

/** Converts prose (text outside code) to single-star formatting in the given platform's style. */
export function singleStarProse(text: string, style: SingleStarStyle): string {
  let out = text.replace(/!?\[([^\]\n]+)\]\(([^)\s]+)\)/g, (_m, label: string, url: string) => style.link(label, url));
  out = out.replace(/\*\*(.+?)\*\*/g, `${BOLD}$1${BOLD}`).replace(/__(.+?)__/g, `${BOLD}$1${BOLD}`);
  out = out.replace(/(^|[^*\w])\*(?!\s)([^*\n]+?)(?<!\s)\*(?!\w)/g, '$1_$2_');
  out = out.replace(/~~(.+?)~~/g, '~$1~');
  out = out
    .split('\n')
    .map((line) => {
      const heading = /^#{1,6}\s+(.+?)\s*#*$/.exec(line);
      if (heading) return `${BOLD}${heading[1]}${BOLD}`;
      return style.listItem(line);
    })
    .join('\n');
  // Nested bold inside a heading would double the markers; collapse them.
  return out.replace(new RegExp(`${BOLD}{2,}`, 'g'), BOLD).replace(new RegExp(BOLD, 'g'), '*');
}
