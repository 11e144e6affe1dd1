/**
 * Walks a parsed Markdown answer (see markdown-tree.ts) and writes it in one platform's markup.
 * The walk — block spacing, list numbering and indentation, quotes, nested emphasis, reference
 * links, tables — is the same for every platform; a `Dialect` says only how each construct is
 * written and how plain text is escaped. Because every marker comes from a complete tree node,
 * the output is always balanced, also for a half-streamed answer (an unclosed `**` is text, an
 * unclosed fence a code block that ends where the text does).
 */
import type { Heading, List, Nodes, PhrasingContent, RootContent } from 'mdast';
import { parseMarkdown, writtenAs, type MarkdownDoc } from './markdown-tree.js';
import { plainText } from './plain-text.js';
import { tableGrid } from './table-grid.js';
import {
  hang,
  joinBlocks,
  quoteLines,
  textLines,
  toText,
  verbatimLines,
  type Line,
  type QuoteStyle,
} from './rendered-lines.js';

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
  /** A code block (also a table, laid out as a monospace grid); lines after its first are verbatim. */
  codeBlock(value: string, lang: string | undefined): string;
  quote: QuoteStyle;
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
  return toText(new Walk(doc, dialect).blocks(doc.root.children, 0));
}

class Walk {
  constructor(
    private readonly doc: MarkdownDoc,
    private readonly dialect: Dialect,
  ) {}

  /** Sibling blocks, separated as in the source: a blank line stays one, adjacent lines stay adjacent. */
  blocks(nodes: RootContent[], quoteDepth: number): Line[] {
    const rendered = nodes
      .map((node) => ({ node, lines: this.block(node, quoteDepth) }))
      .filter((b) => b.lines.length > 0);
    return joinBlocks(
      rendered.map((b, i) => ({
        lines: b.lines,
        blankBefore: i > 0 && this.blankBetween(rendered[i - 1].node, b.node),
      })),
    );
  }

  private blankBetween(before: Nodes, after: Nodes): boolean {
    const from = before.position?.end.offset;
    const to = after.position?.start.offset;
    return from === undefined || to === undefined || this.doc.source.slice(from, to).split('\n').length > 2;
  }

  private block(node: RootContent, quoteDepth: number): Line[] {
    const d = this.dialect;
    switch (node.type) {
      case 'paragraph':
        return textLines(this.inlines(node.children, outside, true));
      case 'heading': {
        const prefix = d.headingPrefix?.(node.depth);
        if (prefix !== undefined) return textLines(prefix + this.inlines(node.children, outside, false));
        const inner = this.inlines(node.children, { ...outside, strong: true }, false);
        return inner === '' ? [] : textLines(d.strong(inner));
      }
      case 'code':
        // Nothing to show yet (a fence just opened while streaming): an empty block would be an empty message.
        return node.value === '' ? [] : verbatimLines(d.codeBlock(node.value, node.lang ?? undefined));
      case 'table':
        return verbatimLines(d.codeBlock(tableGrid(node, this.doc), undefined));
      case 'blockquote':
        return quoteLines(this.blocks(node.children, quoteDepth + 1), d.quote, quoteDepth > 0);
      case 'list':
        return this.list(node, quoteDepth);
      case 'footnoteDefinition': {
        const marker = `[${node.label ?? node.identifier}] `;
        return hang(d.text(marker, true), marker.length, this.blocks(node.children, quoteDepth));
      }
      case 'thematicBreak':
        return textLines(d.rule);
      case 'html':
        return textLines(d.text(node.value, true));
      default:
        // Definitions show nothing (their links do); no other block type comes out of the parser.
        return [];
    }
  }

  private list(node: List, quoteDepth: number): Line[] {
    const items = node.children.map((item, i) => {
      const marker = node.ordered ? `${(node.start ?? 1) + i}. ` : this.dialect.bullet;
      const box = item.checked === true ? '☑ ' : item.checked === false ? '☐ ' : '';
      return hang(marker + box, [...marker].length, this.blocks(item.children, quoteDepth));
    });
    return joinBlocks(
      items.map((lines, i) => ({
        lines,
        blankBefore: i > 0 && this.blankBetween(node.children[i - 1], node.children[i]),
      })),
    );
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
        return open.strong
          ? this.inlines(node.children, open, false)
          : d.strong(this.inlines(node.children, { ...open, strong: true }, false));
      case 'emphasis':
        return open.emphasis
          ? this.inlines(node.children, open, false)
          : d.emphasis(this.inlines(node.children, { ...open, emphasis: true }, false));
      case 'delete':
        return open.strike
          ? this.inlines(node.children, open, false)
          : d.strike(this.inlines(node.children, { ...open, strike: true }, false));
      case 'inlineCode':
        // CommonMark: a line ending inside a code span is a space.
        return d.inlineCode(node.value.replace(/\n/g, ' '), open.inLink);
      case 'break':
        return '\n';
      case 'link':
        return this.link(node, node.url, node.children, open);
      case 'linkReference': {
        const definition = this.doc.definitions.get(node.identifier);
        return definition
          ? this.link(node, definition.url, node.children, open)
          : d.text(writtenAs(node, this.doc), lineStart);
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
