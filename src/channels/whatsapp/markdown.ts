/**
 * Markdown (what models write) → WhatsApp formatting (`*bold*`, `_italic_`, `~strike~`,
 * ``` monospace ```), by walking the parsed tree (shared/markup-renderer.ts). WhatsApp has no
 * escape character, so text goes out as it is.
 */
import { renderMarkdown, type Dialect } from '../shared/markup-renderer.js';
import { singleStarMarks } from '../shared/single-star-markup.js';
import { splitMessage } from '../shared/split.js';

const whatsapp: Dialect = {
  ...singleStarMarks,
  text: (value) => value,
  inlineCode: (value) => '`' + value + '`',
  // WhatsApp has no link markup: the label, then the URL (which it links itself).
  link: (label, url, plain) => (plain === url ? url : `${label} (${url})`),
  bareLink: (written) => written,
  // No language tags on WhatsApp code blocks; the tag is dropped.
  codeBlock: (value) => '```' + value + '\n```',
  bullet: '- ',
};

/** Converts one Markdown answer to WhatsApp's formatting. */
export function markdownToWhatsApp(markdown: string): string {
  return renderMarkdown(markdown, whatsapp);
}

/** WhatsApp's text message limit (characters). */
export const WHATSAPP_TEXT_LIMIT = 4096;

/**
 * One Markdown answer as WhatsApp messages: split at the limit first (the shared splitter keeps
 * code fences balanced in every piece), then each piece converted. Conversion mostly shortens text
 * (`**x**` → `*x*`), but a table laid out as a grid can grow; such a piece is split again.
 */
export function whatsappPieces(markdown: string, limit = WHATSAPP_TEXT_LIMIT): string[] {
  return splitMessage(markdown, limit).flatMap((piece) => {
    const text = markdownToWhatsApp(piece);
    return text.length <= limit ? [text] : splitMessage(text, limit);
  });
}
