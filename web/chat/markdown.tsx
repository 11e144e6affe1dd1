/**
 * An answer's Markdown (GFM: tables, lists, code blocks). Nothing the model writes becomes markup:
 * react-markdown builds React elements, never innerHTML, and raw HTML in the text is turned into
 * plain text here (so `<img onerror=…>` shows as those characters). Links open in a new tab
 * without the opener; images are shown as links, so an answer cannot make the page fetch a URL.
 */
import Markdown, { type Components } from 'react-markdown';
import remarkGfm from 'remark-gfm';

interface Node {
  type: string;
  value?: string;
  children?: Node[];
}

/** Raw HTML (block or inline) becomes a text node with the same characters. */
function remarkHtmlAsText() {
  const walk = (node: Node): void => {
    if (node.type === 'html') node.type = 'text';
    node.children?.forEach(walk);
  };
  return (tree: Node) => walk(tree);
}

const components: Components = {
  a: ({ href, children }) => (
    <a href={href} target="_blank" rel="noopener noreferrer">
      {children}
    </a>
  ),
  img: ({ src, alt }) => (
    <a href={typeof src === 'string' ? src : undefined} target="_blank" rel="noopener noreferrer">
      {alt || 'image'}
    </a>
  ),
};

export function Answer({ text }: { text: string }) {
  return (
    <Markdown remarkPlugins={[remarkGfm, remarkHtmlAsText]} components={components}>
      {text}
    </Markdown>
  );
}
