/**
 * The fake Bot API's parser for `parse_mode: "HTML"`, following the rules in the Bot API
 * documentation ("Formatting options → HTML style"): only the listed tags, properly nested and
 * closed; `<`, `>` and `&` in text must be escaped; only `&lt;`, `&gt;`, `&amp;`, `&quot;` and
 * numeric entities are recognised. Text that breaks a rule is rejected like Telegram does:
 * `400 Bad Request: can't parse entities: …`.
 */

const allowedTags = new Set([
  'b',
  'strong',
  'i',
  'em',
  'u',
  'ins',
  's',
  'strike',
  'del',
  'tg-spoiler',
  'span',
  'a',
  'code',
  'pre',
  'blockquote',
  'tg-emoji',
]);

export type HtmlParse = { ok: true; text: string } | { ok: false; error: string };

function decodeEntity(entity: string): string | undefined {
  const named: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"' };
  if (entity in named) return named[entity];
  const numeric = /^#(x[0-9a-f]+|\d+)$/i.exec(entity);
  if (!numeric) return undefined;
  const code = numeric[1][0].toLowerCase() === 'x' ? parseInt(numeric[1].slice(1), 16) : parseInt(numeric[1], 10);
  return String.fromCodePoint(code);
}

/** Parses Telegram HTML; on success returns the plain text the user sees. */
export function parseTelegramHtml(html: string): HtmlParse {
  const stack: string[] = [];
  let text = '';
  for (let i = 0; i < html.length;) {
    const ch = html[i];
    if (ch === '<') {
      const end = html.indexOf('>', i);
      if (end < 0) return { ok: false, error: `can't parse entities: Unclosed start tag at byte offset ${i}` };
      const raw = html.slice(i + 1, end);
      const closing = raw.startsWith('/');
      const name = /^\/?([a-z-]+)/i.exec(raw)?.[1]?.toLowerCase();
      if (!name || !allowedTags.has(name)) {
        return { ok: false, error: `can't parse entities: Unsupported start tag "${name ?? raw}" at byte offset ${i}` };
      }
      if (closing) {
        const open = stack.pop();
        if (open !== name)
          return {
            ok: false,
            error: `can't parse entities: Can't find end tag corresponding to start tag "${open ?? name}"`,
          };
      } else {
        if (name === 'span' && !/class\s*=\s*"tg-spoiler"/.test(raw))
          return { ok: false, error: 'can\'t parse entities: Tag "span" must have class "tg-spoiler"' };
        if (name === 'a' && !/href\s*=\s*"[^"]*"/.test(raw))
          return { ok: false, error: 'can\'t parse entities: Tag "a" must have attribute "href"' };
        stack.push(name);
      }
      i = end + 1;
      continue;
    }
    if (ch === '&') {
      const end = html.indexOf(';', i);
      const decoded = end > i ? decodeEntity(html.slice(i + 1, end)) : undefined;
      if (decoded === undefined) {
        // Telegram accepts a bare '&' only when it does not start something that looks like an entity.
        if (end > i && /^[a-z#0-9]+$/i.test(html.slice(i + 1, end)))
          return { ok: false, error: `can't parse entities: Unsupported HTML entity at byte offset ${i}` };
        text += '&';
        i++;
        continue;
      }
      text += decoded;
      i = end + 1;
      continue;
    }
    if (ch === '>') return { ok: false, error: `can't parse entities: Unexpected end tag at byte offset ${i}` };
    text += ch;
    i++;
  }
  if (stack.length > 0)
    return {
      ok: false,
      error: `can't parse entities: Can't find end tag corresponding to start tag "${stack.at(-1)}"`,
    };
  return { ok: true, text };
}
