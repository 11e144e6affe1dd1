/**
 * What Slack mrkdwn and WhatsApp share: one `*` for bold, `_` for italics, one `~` for strike,
 * `>` quotes. Each platform's dialect (slack/markdown.ts, whatsapp/markdown.ts) adds its own
 * escaping, links, code and bullets. Neither platform has an escape for these markers, so a
 * literal `*` or `_` in text is sent as it is; the platforms only read a marker next to a word
 * boundary, which literal ones in prose (`2 * 3`, `snake_case`) rarely are.
 */
import type { Dialect } from './markup-renderer.js';

export const singleStarMarks: Pick<Dialect, 'strong' | 'emphasis' | 'strike' | 'quote' | 'rule'> = {
  strong: (inner) => `*${inner}*`,
  emphasis: (inner) => `_${inner}_`,
  strike: (inner) => `~${inner}~`,
  // Neither nests quotes; an inner quote keeps its own `>` as text, which still reads as a quote.
  quote: { prefix: '> ' },
  rule: '──────────',
};
