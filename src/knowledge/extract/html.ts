/**
 * HTML through a real parser (htmlparser2): `<title>` is the document's own title, `<h1>`–`<h6>`
 * start sections, block elements end paragraphs, and script, style, navigation and the like are
 * skipped. Also reads the HTML mammoth makes of a DOCX.
 */
import { Parser } from 'htmlparser2';
import type { Block, ExtractedDocument } from '../types.js';

const skipped = new Set([
  'script',
  'style',
  'noscript',
  'template',
  'svg',
  'head',
  'nav',
  'iframe',
  'object',
  'select',
  'button',
]);
const blocks = new Set([
  'p',
  'div',
  'section',
  'article',
  'main',
  'header',
  'footer',
  'aside',
  'li',
  'ul',
  'ol',
  'dl',
  'dt',
  'dd',
  'table',
  'tr',
  'blockquote',
  'pre',
  'figure',
  'figcaption',
  'address',
  'details',
  'summary',
  'form',
  'fieldset',
  'body',
  'br',
  'hr',
]);
const cells = new Set(['td', 'th']);

/** Parses the whole HTML (it is in memory already) and returns its blocks. */
export function parseHtml(html: string): { title?: string; blocks: Block[] } {
  const out: Block[] = [];
  let title: string | undefined;
  let inTitle = false;
  let titleText = '';
  let skipDepth = 0;
  let heading: number | undefined;
  let text = '';

  const flush = () => {
    const t = text
      .replace(/[ \t\f\v\u00a0]+/g, ' ')
      .replace(/ *\n */g, '\n')
      .replace(/\n{2,}/g, '\n')
      .trim();
    text = '';
    if (!t) return;
    if (heading !== undefined) out.push({ kind: 'heading', level: heading, text: t.replace(/\s+/g, ' ') });
    else {
      const last = out.at(-1);
      // Consecutive short blocks (list items, table rows) of one section form one paragraph.
      if (last?.kind === 'text' && last.text.length + t.length < 400 && !/[.!?:]$/.test(last.text))
        last.text += `\n${t}`;
      else out.push({ kind: 'text', text: t });
    }
  };

  const parser = new Parser(
    {
      onopentag(name) {
        if (name === 'title' && title === undefined) inTitle = true;
        if (skipped.has(name)) skipDepth++;
        if (skipDepth) return;
        const level = /^h([1-6])$/.exec(name);
        if (level) {
          flush();
          heading = Number(level[1]);
        } else if (blocks.has(name)) {
          if (name === 'br') text += '\n';
          else flush();
        } else if (cells.has(name)) text += ' ';
      },
      ontext(data) {
        if (inTitle) titleText += data;
        else if (!skipDepth) text += data;
      },
      onclosetag(name) {
        if (name === 'title' && inTitle) {
          inTitle = false;
          title = titleText.replace(/\s+/g, ' ').trim() || undefined;
        }
        if (skipped.has(name)) {
          skipDepth = Math.max(0, skipDepth - 1);
          return;
        }
        if (skipDepth) return;
        if (/^h[1-6]$/.test(name)) {
          flush();
          heading = undefined;
        } else if (blocks.has(name)) flush();
      },
    },
    { decodeEntities: true, lowerCaseTags: true },
  );
  parser.write(html);
  parser.end();
  flush();
  return { title, blocks: out };
}

export function extractHtml(data: Buffer): ExtractedDocument {
  const { title, blocks: parsed } = parseHtml(data.toString('utf8'));
  return { title, blocks: iterate(parsed) };
}

async function* iterate(list: Block[]): AsyncGenerator<Block> {
  yield* list;
}
