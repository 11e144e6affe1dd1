/**
 * Markdown (what models write) → WhatsApp formatting (`*bold*`, `_italic_`, `~strike~`,
 * ``` monospace ```). Pure. Code spans and fences are kept verbatim.
 */
import { splitMessage } from '../shared/split.js';

const BOLD = '\u0001';

function convertProse(text: string): string {
  let out = text.replace(/!?\[([^\]\n]+)\]\(([^)\s]+)\)/g, (_m, label: string, url: string) => (label === url ? url : `${label} (${url})`));
  out = out.replace(/\*\*(.+?)\*\*/g, `${BOLD}$1${BOLD}`).replace(/__(.+?)__/g, `${BOLD}$1${BOLD}`);
  out = out.replace(/(^|[^*\w])\*(?!\s)([^*\n]+?)(?<!\s)\*(?!\w)/g, '$1_$2_');
  out = out.replace(/~~(.+?)~~/g, '~$1~');
  out = out
    .split('\n')
    .map((line) => {
      const heading = /^#{1,6}\s+(.+?)\s*#*$/.exec(line);
      if (heading) return `${BOLD}${heading[1]}${BOLD}`;
      return line.replace(/^(\s*)[*+]\s+/, '$1- ');
    })
    .join('\n');
  return out.replace(new RegExp(`${BOLD}{2,}`, 'g'), BOLD).replace(new RegExp(BOLD, 'g'), '*');
}

/** Converts one Markdown answer to WhatsApp's formatting. */
export function markdownToWhatsApp(markdown: string): string {
  return markdown
    .split(/(```[\s\S]*?(?:```|$)|`[^`\n]+`)/g)
    .map((part, i) => {
      if (i % 2 === 0) return convertProse(part);
      // WhatsApp has no language tags on code blocks; drop them.
      return part.startsWith('```') ? part.replace(/^```[\w+-]*\n/, '```') : part;
    })
    .join('');
}

/** WhatsApp's text message limit (characters). */
export const WHATSAPP_TEXT_LIMIT = 4096;

/**
 * One Markdown answer as WhatsApp messages: split at the limit first (the shared splitter keeps code
 * fences balanced in every piece), then each piece converted. The conversion never lengthens text
 * (`**x**` → `*x*`, `[a](u)` → `a (u)`), so pieces stay within the limit.
 */
export function whatsappPieces(markdown: string, limit = WHATSAPP_TEXT_LIMIT): string[] {
  return splitMessage(markdown, limit).map(markdownToWhatsApp);
}
