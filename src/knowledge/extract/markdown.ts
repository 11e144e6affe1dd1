/**
 * Markdown through a real parser (mdast-util-from-markdown): ATX and setext headings start
 * sections; paragraphs, lists, quotes, tables and code blocks are body text. YAML front matter's
 * `title:` is the document's own title.
 */
import { fromMarkdown } from 'mdast-util-from-markdown';
import type { Block, ExtractedDocument } from '../types.js';

interface MdNode {
  type: string;
  depth?: number;
  value?: string;
  children?: MdNode[];
}

export function extractMarkdown(data: Buffer): ExtractedDocument {
  let text = data.toString('utf8').replace(/^\uFEFF/, '');
  let title: string | undefined;
  const front = /^---\r?\n([\s\S]*?)\r?\n---\r?\n/.exec(text);
  if (front) {
    title = /^title:\s*["']?(.+?)["']?\s*$/m.exec(front[1])?.[1];
    text = text.slice(front[0].length);
  }
  const tree = fromMarkdown(text) as MdNode;
  return { title, blocks: blocksOf(tree) };
}

async function* blocksOf(tree: MdNode): AsyncGenerator<Block> {
  for (const node of tree.children ?? []) {
    if (node.type === 'heading') {
      const t = plain(node).trim();
      if (t) yield { kind: 'heading', level: node.depth ?? 1, text: t };
    } else if (node.type === 'code') {
      if (node.value?.trim()) yield { kind: 'text', text: node.value };
    } else if (node.type === 'html' || node.type === 'thematicBreak' || node.type === 'definition') {
      continue;
    } else {
      const t = flow(node).trim();
      if (t) yield { kind: 'text', text: t };
    }
  }
}

/** Text of a block node, list items and table rows on their own lines. */
function flow(node: MdNode): string {
  if (node.type === 'list') return (node.children ?? []).map((item) => `- ${flow(item).trim()}`).join('\n');
  if (node.type === 'listItem' || node.type === 'blockquote' || node.type === 'table') {
    return (node.children ?? []).map(flow).join('\n');
  }
  if (node.type === 'tableRow') return (node.children ?? []).map(plain).join(' | ');
  if (node.type === 'code') return node.value ?? '';
  return plain(node);
}

/** Inline text: values of text, inline code and the like, concatenated. */
function plain(node: MdNode): string {
  if (node.type === 'html') return '';
  if (typeof node.value === 'string') return node.value;
  if (node.type === 'break') return '\n';
  return (node.children ?? []).map(plain).join('');
}
