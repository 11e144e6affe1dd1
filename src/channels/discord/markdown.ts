/**
 * Markdown (as models write it) → Discord's Markdown, by walking the parsed tree
 * (shared/markup-renderer.ts). Discord renders most of it natively (bold, italics, strike, code,
 * fences, quotes, lists, headings #–###, masked links); what it does not is rewritten: tables (a
 * code block, so columns line up), images (a link), headings deeper than ### (bold). Text is
 * re-escaped for Discord's own parser, which differs from CommonMark (`||spoilers||`, `__underline__`,
 * `_` closing at any word boundary): a character is escaped only where Discord could read it as
 * markup, so ordinary prose (`2 * 3`, `snake_case`, `a | b`) goes out unchanged.
 */
import { renderMarkdown, type Dialect } from '../shared/markup-renderer.js';

const space = /\s/;
const wordChar = /[\p{L}\p{N}]/u;
const punctuation = /[!-/:-@[-`{-~]/;
/** Line starts Discord reads as a block: heading, subtext, quote, bullet, numbered item. */
const blockStart = /^(?:#{1,3} |-# |> |>>> |[-*+] |\d+[.)] )/;

/** True when the character at `i` sits between whitespace (or the edges of a line) on both sides. */
function loose(text: string, i: number): boolean {
  const before = text[i - 1];
  const after = text[i + 1];
  return (before === undefined ? false : space.test(before)) && (after === undefined ? false : space.test(after));
}

function escapeChar(text: string, i: number): boolean {
  const ch = text[i];
  switch (ch) {
    case '\\':
      return punctuation.test(text[i + 1] ?? '');
    case '`':
      return true;
    case '*':
      return !loose(text, i);
    case '_':
      return !loose(text, i) && !(wordChar.test(text[i - 1] ?? '') && wordChar.test(text[i + 1] ?? ''));
    case '~':
    case '|':
      return text[i - 1] === ch || text[i + 1] === ch;
    case ']':
      return text[i + 1] === '(';
    default:
      return false;
  }
}

/** Escapes what Discord would otherwise read as markup in a run of plain text. */
export function escapeDiscord(text: string, lineStart: boolean): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const atLineStart = i === 0 ? lineStart : text[i - 1] === '\n';
    if (atLineStart && blockStart.test(text.slice(i, i + 6))) {
      const digits = /^\d+/.exec(text.slice(i))?.[0];
      out += digits ? `${digits}\\` : '\\';
      i += digits ? digits.length : 0;
      out += text[i];
      continue;
    }
    out += escapeChar(text, i) ? `\\${text[i]}` : text[i];
  }
  return out;
}

/** Parentheses and spaces would end a masked link's URL early; percent-encoding keeps it whole. */
function linkTarget(url: string): string {
  return url.replace(/[()<> ]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

const discord: Dialect = {
  text: escapeDiscord,
  strong: (inner) => `**${inner}**`,
  emphasis: (inner) => `*${inner}*`,
  strike: (inner) => `~~${inner}~~`,
  inlineCode: (value) => (value.includes('`') ? `\`\` ${value} \`\`` : `\`${value}\``),
  link: (label, url) => `[${label}](${linkTarget(url)})`,
  // Discord links bare URLs itself, before any formatting, so they go out exactly as written.
  bareLink: (written) => written,
  headingPrefix: (depth) => (depth <= 3 ? `${'#'.repeat(depth)} ` : undefined),
  codeBlock: (value, lang) => '```' + (lang ?? '') + '\n' + value + '\n```',
  // Discord does not nest quotes; an inner quote's `>` shows as text, which still reads as a quote.
  quote: { prefix: '> ' },
  bullet: '- ',
  rule: '──────────',
};

/** Converts one answer; pure, safe for partial (still streaming) text. */
export function markdownToDiscord(markdown: string): string {
  return renderMarkdown(markdown, discord);
}
