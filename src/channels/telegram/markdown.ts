/**
 * Markdown (as models write it) → Telegram HTML (`parse_mode: "HTML"`). Telegram rejects a whole
 * message whose HTML does not parse, so this never emits an unbalanced or unsupported tag: every
 * tag comes from a complete match, everything else is escaped, and a marker without its partner
 * (common while an answer is still streaming) stays literal text.
 */

/** Escapes the three characters Telegram's HTML parser treats specially. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escapeAttribute(text: string): string {
  return escapeHtml(text).replace(/"/g, '&quot;');
}

interface InlineRule {
  pattern: RegExp;
  render(match: RegExpExecArray): string;
}

// Order matters for ties at the same index: code first (its content is literal), then links,
// then the emphasis markers from longest to shortest.
const inlineRules: InlineRule[] = [
  { pattern: /`([^`\n]+)`/, render: (m) => `<code>${escapeHtml(m[1])}</code>` },
  {
    pattern: /\[([^\]\n]+)\]\(((?:https?|tg|mailto):[^\s)]+)\)/,
    render: (m) => `<a href="${escapeAttribute(m[2])}">${renderInline(m[1])}</a>`,
  },
  { pattern: /\*\*(?=\S)(.+?)(?<=\S)\*\*/, render: (m) => `<b>${renderInline(m[1])}</b>` },
  { pattern: /__(?=\S)(.+?)(?<=\S)__/, render: (m) => `<u>${renderInline(m[1])}</u>` },
  { pattern: /~~(?=\S)(.+?)(?<=\S)~~/, render: (m) => `<s>${renderInline(m[1])}</s>` },
  { pattern: /\|\|(?=\S)(.+?)(?<=\S)\|\|/, render: (m) => `<tg-spoiler>${renderInline(m[1])}</tg-spoiler>` },
  { pattern: /(?<![*\w])\*(?=[^*\s])([^*\n]+?)(?<=\S)\*(?![*\w])/, render: (m) => `<i>${renderInline(m[1])}</i>` },
  { pattern: /(?<![_\w])_(?=[^_\s])([^_\n]+?)(?<=\S)_(?![_\w])/, render: (m) => `<i>${renderInline(m[1])}</i>` },
];

/** Renders inline Markdown (code, links, bold, italic, underline, strike, spoiler) of one line. */
export function renderInline(text: string): string {
  let out = '';
  let rest = text;
  while (rest.length > 0) {
    let best: { rule: InlineRule; match: RegExpExecArray } | undefined;
    for (const rule of inlineRules) {
      const match = rule.pattern.exec(rest);
      if (match && (!best || match.index < best.match.index)) best = { rule, match };
    }
    if (!best) return out + escapeHtml(rest);
    out += escapeHtml(rest.slice(0, best.match.index)) + best.rule.render(best.match);
    rest = rest.slice(best.match.index + best.match[0].length);
  }
  return out;
}

const fencePattern = /^\s*(```|~~~)\s*([\w+#.-]*)\s*$/;

/** Converts a whole Markdown answer to Telegram HTML. */
export function markdownToTelegramHtml(markdown: string): string {
  const lines = markdown.replace(/\r\n?/g, '\n').split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const fence = fencePattern.exec(line);
    if (fence) {
      const body: string[] = [];
      let j = i + 1;
      while (j < lines.length && !(lines[j].trim().startsWith(fence[1]) && lines[j].trim().replace(/[`~]/g, '') === '')) body.push(lines[j++]);
      const code = escapeHtml(body.join('\n'));
      out.push(fence[2] ? `<pre><code class="language-${fence[2]}">${code}</code></pre>` : `<pre>${code}</pre>`);
      i = j; // skips the closing fence (or runs off the end of an unfinished, still-streaming block)
      continue;
    }
    if (/^\s*>/.test(line)) {
      const quoted: string[] = [];
      while (i < lines.length && /^\s*>/.test(lines[i])) quoted.push(renderInline(lines[i++].replace(/^\s*>\s?/, '')));
      i--;
      out.push(`<blockquote>${quoted.join('\n')}</blockquote>`);
      continue;
    }
    const heading = /^#{1,6}\s+(.*)$/.exec(line);
    if (heading) {
      out.push(`<b>${renderInline(heading[1])}</b>`);
      continue;
    }
    const bullet = /^(\s*)[-*+]\s+(.*)$/.exec(line);
    if (bullet) {
      out.push(`${bullet[1]}• ${renderInline(bullet[2])}`);
      continue;
    }
    if (/^\s*([-*_])(\s*\1){2,}\s*$/.test(line)) {
      out.push('──────────');
      continue;
    }
    out.push(renderInline(line));
  }
  return out.join('\n');
}
