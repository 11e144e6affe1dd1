/**
 * The text a reader sees in a run of inline Markdown, without any markup: for a Slack link label
 * (which shows no formatting) and for table cells laid out in monospace. Written here rather than
 * taken from `mdast-util-to-string` because a cell's link must keep its URL, which that drops.
 */
import type { PhrasingContent } from 'mdast';
import { writtenAs, type MarkdownDoc } from './markdown-tree.js';

/** Plain text of inline nodes; with `withUrls`, a link written `[label](url)` reads `label (url)`. */
export function plainText(nodes: PhrasingContent[], doc: MarkdownDoc, withUrls = false): string {
  return nodes.map((node) => plainNode(node, doc, withUrls)).join('');
}

function plainNode(node: PhrasingContent, doc: MarkdownDoc, withUrls: boolean): string {
  switch (node.type) {
    case 'text':
    case 'inlineCode':
    case 'html':
      return node.value;
    case 'break':
      return ' ';
    case 'image':
    case 'imageReference':
      return node.alt ?? '';
    case 'footnoteReference':
      return `[${node.label ?? node.identifier}]`;
    case 'link':
    case 'linkReference': {
      const label = plainText(node.children, doc, withUrls);
      const url = node.type === 'link' ? node.url : doc.definitions.get(node.identifier)?.url;
      const written = writtenAs(node, doc).startsWith('[');
      return withUrls && written && url && url !== label ? `${label} (${url})` : label;
    }
    default:
      return 'children' in node ? plainText(node.children, doc, withUrls) : '';
  }
}
