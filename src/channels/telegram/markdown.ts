/**
 * Markdown (as models write it) → Telegram HTML (`parse_mode: "HTML"`), by walking the parsed tree
 * (shared/markup-renderer.ts). Telegram rejects a whole message whose HTML does not parse ("can't
 * parse entities"), so every tag here comes from a complete tree node and all text is escaped; a
 * marker without its partner (common while an answer is still streaming) is just text. Where
 * Telegram's entity rules forbid a nesting (code inside a link, a quote inside a quote), the inner
 * one is written without its tag.
 */
import { renderMarkdown, type Dialect } from '../shared/markup-renderer.js';

/** Escapes the three characters Telegram's HTML parser treats specially. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escapeAttribute(text: string): string {
  return escapeHtml(text).replace(/"/g, '&quot;');
}

/** Schemes a Telegram link may use; anything else (`javascript:`) stays text. */
const linkable = /^(?:https?|tg|mailto):/i;

const telegram: Dialect = {
  text: escapeHtml,
  strong: (inner) => `<b>${inner}</b>`,
  emphasis: (inner) => `<i>${inner}</i>`,
  strike: (inner) => `<s>${inner}</s>`,
  inlineCode: (value, inLink) => (inLink ? escapeHtml(value) : `<code>${escapeHtml(value)}</code>`),
  link: (label, url) =>
    linkable.test(url) ? `<a href="${escapeAttribute(url)}">${label}</a>` : `[${label}](${escapeHtml(url)})`,
  // Telegram turns bare URLs and addresses into links by itself.
  bareLink: escapeHtml,
  codeBlock: (value, lang) =>
    lang
      ? `<pre><code class="language-${escapeAttribute(lang)}">${escapeHtml(value)}</code></pre>`
      : `<pre>${escapeHtml(value)}</pre>`,
  quote: { open: '<blockquote>', close: '</blockquote>', nestedPrefix: '&gt; ' },
  bullet: '• ',
  rule: '──────────',
};

/** Converts a whole (or partial, still streaming) Markdown answer to Telegram HTML. */
export function markdownToTelegramHtml(markdown: string): string {
  return renderMarkdown(markdown, telegram);
}
