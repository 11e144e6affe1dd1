/**
 * Walks a parsed Markdown answer (see markdown-tree.ts) and writes it in one platform's markup.
 * The walk — block spacing, list numbering and indentation, nested emphasis, reference links,
 * tables — is the same for every platform; a `Dialect` says only how each construct is written
 * and how plain text is escaped. Because every marker comes from a tree node that is complete,
 * the output is always balanced, also for a half-streamed answer (an unclosed `**` is text, an
 * unclosed fence a code block that ends where the text does).
 */
import type { Heading, List, Nodes, PhrasingContent, RootContent } from 'mdast';
import { parseMarkdown, writtenAs, type MarkdownDoc } from './markdown-tree.js';
import { plainText } from './plain-text.js';
import { tableGrid } from './table-grid.js';

/** How one platform writes each construct. Every function is pure. */
export interface Dialect {
  /** Plain text so the platform shows it literally; `lineStart` when it begins a line of its block. */
  text(value: string, lineStart: boolean): string;
  strong(inner: string): string;
  emphasis(inner: string): string;
  strike(inner: string): string;
  /** An inline code span; `inLink` when it is part of a link's label. */
  inlineCode(value: string, inLink: boolean): string;
  /** A link written `[label](url)` (or an image with alt text): `label` rendered, `plain` its bare text. */
  link(label: string, url: string, plain: string): string;
  /** A URL or address written bare (`https://…`, `www.…`, `<…>`) or an image without alt text. */
  bareLink(written: string): string;
  /** The line prefix of a heading the platform shows natively (`## `); undefined shows it bold. */
  headingPrefix?(depth: Heading['depth']): string | undefined;
  /** A code block (also a table, laid out as a monospace grid). */
  codeBlock(value: string, lang: string | undefined): string;
  /** A block quote around rendered blocks; `nested` inside another quote. */
  quote(inner: string, nested: boolean): string;
  /** The marker of an unordered list item, with its trailing space. */
  bullet: string;
  /** A thematic break (`---`). */
  rule: string;
}

/** Which emphasis is already open: a nested one of the same kind adds no second marker pair. */
interface Inline {
  strong: boolean;
  emphasis: boolean;
  strike: boolean;
  inLink: boolean;
}

const outside: Inline = { strong: false, emphasis: false, strike: false, inLink: false };

/** Converts one Markdown answer (complete or still streaming) to the dialect's markup. */
export function renderMarkdown(markdown: string, dialect: Dialect): string {
  const doc = parseMarkdown(markdown);
  return new Walk(doc, dialect).blocks(doc.root.children, 0);
}

/** Prefixes every line of `text` (a quote marker, say). */
export function prefixLines(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((line) => prefix + line)
    .join('\n');
}

class Walk {
  constructor(
    private readonly doc: MarkdownDoc,
    private readonly dialect: Dialect,
  ) {}

  /** Sibling blocks, separated as in the source: a blank line stays one, adjacent lines stay adjacent. */
  blocks(nodes: RootContent[], quoteDepth: number): string {
    let out = '';
    let previous: RootContent | undefined;
    for (const node of nodes) {
      const rendered = this.block(node, quoteDepth);
      if (rendered === '') continue;
      if (previous) out += this.gap(previous, node);
      out += rendered;
      previous = node;
    }
    return out;
  }

  private gap(before: Nodes, after: Nodes): string {
    const from = before.position?.end.offset;
    const to = after.position?.start.offset;
    if (from === undefined || to === undefined) return '\n\n';
    return this.doc.source.slice(from, to).split('\n').length > 2 ? '\n\n' : '\n';
  }

  private block(node: RootContent, quoteDepth: number): string {
    const d = this.dialect;
    switch (node.type) {
      case 'paragraph':
        return this.inlines(node.children, outside, true);
      case 'heading': {
        const prefix = d.headingPrefix?.(node.depth);
        if (prefix !== undefined) return prefix + this.inlines(node.children, outside, false);
        const inner = this.inlines(node.children, { ...outside, strong: true }, false);
        return inner === '' ? '' : d.strong(inner);
      }
      case 'code':
        // Nothing to show yet (a fence just opened while streaming): an empty block would be an empty message.
        return node.value === '' ? '' : d.codeBlock(node.value, node.lang ?? undefined);
      case 'table':
        return d.codeBlock(tableGrid(node, this.doc), undefined);
      case 'blockquote': {
        const inner = this.blocks(node.children, quoteDepth + 1);
        return inner === '' ? '' : d.quote(inner, quoteDepth > 0);
      }
      case 'list':
        return this.list(node, quoteDepth);
      case 'footnoteDefinition': {
        const marker = `[${node.label ?? node.identifier}] `;
        return d.text(marker, true) + hang(this.blocks(node.children, quoteDepth), marker.length);
      }
      case 'thematicBreak':
        return d.rule;
      case 'html':
        return d.text(node.value, true);
      default:
        // Definitions show nothing (their links do); no other block type is produced by the parser.
        return '';
    }
  }

  private list(node: List, quoteDepth: number): string {
    let out = '';
    node.children.forEach((item, i) => {
      const marker = node.ordered ? `${(node.start ?? 1) + i}. ` : this.dialect.bullet;
      const box = item.checked === true ? '☑ ' : item.checked === false ? '☐ ' : '';
      if (i > 0) out += this.gap(node.children[i - 1], item);
      out += marker + box + hang(this.blocks(item.children, quoteDepth), [...marker].length);
    });
    return out;
  }

  private inlines(nodes: PhrasingContent[], open: Inline, startsLine: boolean): string {
    let out = '';
    let lineStart = startsLine;
    for (const node of nodes) {
      out += this.inline(node, open, lineStart);
      lineStart = node.type === 'break';
    }
    return out;
  }

  private inline(node: PhrasingContent, open: Inline, lineStart: boolean): string {
    const d = this.dialect;
    switch (node.type) {
      case 'text':
      case 'html':
        return d.text(node.value, lineStart);
      case 'strong':
        return open.strong ? this.inlines(node.children, open, false) : d.strong(this.inlines(node.children, { ...open, strong: true }, false));
      case 'emphasis':
        return open.emphasis ? this.inlines(node.children, open, false) : d.emphasis(this.inlines(node.children, { ...open, emphasis: true }, false));
      case 'delete':
        return open.strike ? this.inlines(node.children, open, false) : d.strike(this.inlines(node.children, { ...open, strike: true }, false));
      case 'inlineCode':
        return d.inlineCode(node.value, open.inLink);
      case 'break':
        return '\n';
      case 'link':
        return this.link(node, node.url, node.children, open);
      case 'linkReference': {
        const definition = this.doc.definitions.get(node.identifier);
        return definition ? this.link(node, definition.url, node.children, open) : d.text(writtenAs(node, this.doc), lineStart);
      }
      case 'image':
      case 'imageReference': {
        const url = node.type === 'image' ? node.url : this.doc.definitions.get(node.identifier)?.url;
        if (url === undefined) return d.text(writtenAs(node, this.doc), lineStart);
        return node.alt ? d.link(d.text(node.alt, false), url, node.alt) : d.bareLink(url);
      }
      case 'footnoteReference':
        return d.text(`[${node.label ?? node.identifier}]`, lineStart);
      default:
        return '';
    }
  }

  private link(node: Nodes, url: string, children: PhrasingContent[], open: Inline): string {
    const plain = plainText(children, this.doc);
    // An autolink (GFM's bare `https://…`/`www.…`/e-mail, or `<…>`) is shown as written: every
    // platform links bare URLs itself, and a label that repeats the URL adds nothing.
    if (!writtenAs(node, this.doc).startsWith('[') || plain === '') return this.dialect.bareLink(plain || url);
    return this.dialect.link(this.inlines(children, { ...open, inLink: true }, false), url, plain);
  }
}

/** Indents every line after the first by `width` spaces, so a list item's later lines hang under its text. */
function hang(text: string, width: number): string {
  const pad = ' '.repeat(width);
  return text
    .split('\n')
    .map((line, i) => (i === 0 || line === '' ? line : pad + line))
    .join('\n');
}
