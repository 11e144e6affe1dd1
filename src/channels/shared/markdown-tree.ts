/**
 * The one parse of a model's Markdown answer into an mdast syntax tree, shared by every chat
 * channel's renderer. Parsing once with a CommonMark + GFM parser (micromark) means emphasis
 * nesting, code spans, link destinations with parentheses, fences and tables are decided by the
 * spec rather than by per-platform regexes; each platform only walks the tree.
 *
 * `mdast-util-from-markdown` is used directly rather than through remark/unified: we need the
 * tree and nothing else (no plugins, no serializer), and it parses synchronously.
 */
import type { Definition, Nodes, Root, RootContent, TableRow } from 'mdast';
import { fromMarkdown } from 'mdast-util-from-markdown';
import { gfmFromMarkdown } from 'mdast-util-gfm';
import { gfm } from 'micromark-extension-gfm';

/** A parsed answer: the tree, the text it was parsed from (for block spacing) and its link definitions. */
export interface MarkdownDoc {
  root: Root;
  source: string;
  /** `[label]: url` definitions by normalized identifier, for reference links. */
  definitions: Map<string, Definition>;
}

// Raw HTML is switched off: no chat platform renders a model's HTML, so `<b>` or `<script>` is
// text to show (escaped where the platform needs it), and an HTML block would otherwise swallow
// the Markdown after it. A single `~` stays text: in chat it usually means "about", and GFM's
// single-tilde strikethrough would eat "~5 min … ~10 min" ranges.
const parseOptions = {
  extensions: [gfm({ singleTilde: false }), { disable: { null: ['htmlFlow', 'htmlText'] } }],
  mdastExtensions: [gfmFromMarkdown()],
};

/** Parses one (possibly partial, still streaming) Markdown answer; never throws. */
export function parseMarkdown(markdown: string): MarkdownDoc {
  const source = markdown.replace(/\r\n?/g, '\n');
  const root = fromMarkdown(source, parseOptions);
  endTablesAtPipelessRows(root, source);
  const definitions = new Map<string, Definition>();
  collectDefinitions(root.children, definitions);
  return { root, source, definitions };
}

function collectDefinitions(nodes: RootContent[], into: Map<string, Definition>): void {
  for (const node of nodes) {
    if (node.type === 'definition' && !into.has(node.identifier)) into.set(node.identifier, node);
    if ('children' in node) collectDefinitions(node.children as RootContent[], into);
  }
}

/**
 * GFM continues a table on every following non-blank line, so a line of prose written right
 * under a table becomes a one-cell row. Models mean it as prose (and people read it so); a row
 * whose source line has no `|` ends the table here, and it and any rows after it become paragraphs.
 */
function endTablesAtPipelessRows(parent: { children: RootContent[] }, source: string): void {
  parent.children = parent.children.flatMap((node): RootContent[] => {
    if (node.type !== 'table') {
      if ('children' in node && node.type !== 'paragraph' && node.type !== 'heading')
        endTablesAtPipelessRows(node as { children: RootContent[] }, source);
      return [node];
    }
    const cut = node.children.findIndex((row, i) => i > 0 && !rowSource(row, source).includes('|'));
    if (cut < 0) return [node];
    const tail = node.children.slice(cut).map((row): RootContent => ({
      type: 'paragraph',
      children: row.children.flatMap((cell, i) =>
        i === 0 ? cell.children : [{ type: 'text', value: ' | ' }, ...cell.children],
      ),
      position: row.position,
    }));
    node.children = node.children.slice(0, cut);
    if (node.position && node.children.at(-1)?.position)
      node.position = { ...node.position, end: node.children.at(-1)!.position!.end };
    return [node, ...tail];
  });
}

function rowSource(row: TableRow, source: string): string {
  return row.position ? source.slice(row.position.start.offset, row.position.end.offset) : '|';
}

/** The source text a node was parsed from (empty for a node the parser did not place). */
export function writtenAs(node: Nodes, doc: MarkdownDoc): string {
  return node.position ? doc.source.slice(node.position.start.offset, node.position.end.offset) : '';
}
