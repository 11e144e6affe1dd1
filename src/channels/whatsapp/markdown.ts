/**
 * Markdown (what models write) → WhatsApp formatting (`*bold*`, `_italic_`, `~strike~`,
 * ``` monospace ```). Pure. Code spans and fences are kept verbatim.
 */
import { singleStarProse, splitAtCode, type SingleStarStyle } from '../shared/single-star-markup.js';
import { splitMessage } from '../shared/split.js';

/** WhatsApp shows a link as its text (or the bare URL); its bullets are `-`. */
const whatsappStyle: SingleStarStyle = {
  link: (label, url) => (label === url ? url : `${label} (${url})`),
  listItem: (line) => line.replace(/^(\s*)[*+]\s+/, '$1- '),
};

/** Converts one Markdown answer to WhatsApp's formatting. */
export function markdownToWhatsApp(markdown: string): string {
  return splitAtCode(markdown)
    .map((part, i) => {
      if (i % 2 === 0) return singleStarProse(part, whatsappStyle);
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
