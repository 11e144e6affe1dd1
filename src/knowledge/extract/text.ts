/** Plain text: paragraphs split at blank lines; no headings (the file name titles it). */
import type { Block, ExtractedDocument } from '../types.js';

export function extractText(data: Buffer): ExtractedDocument {
  const text = data.toString('utf8').replace(/^\uFEFF/, '');
  return { blocks: paragraphs(text) };
}

async function* paragraphs(text: string): AsyncGenerator<Block> {
  for (const p of text.split(/\r?\n\s*\r?\n/)) {
    const t = p.trim();
    if (t) yield { kind: 'text', text: t };
  }
}
