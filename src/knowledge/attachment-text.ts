/**
 * A document attached in a chat, read with the knowledge base's extractors for the model: headings
 * kept as Markdown, the text cut at a token budget (reading stops there: a 500-page PDF is not
 * read to the end to offer its first pages), delimited so the model tells it from the user's words.
 */
import { approxTokens } from './chunking.js';
import { extractDocument } from './extract/index.js';

export async function attachmentText(
  file: { fileName: string; mimeType?: string; data: Buffer },
  maxTokens: number,
): Promise<string> {
  const doc = await extractDocument(file);
  const parts: string[] = [];
  let tokens = 0;
  let cut = false;
  for await (const block of doc.blocks) {
    const text = block.kind === 'heading' ? `${'#'.repeat(Math.min(block.level, 6))} ${block.text}` : block.text;
    const cost = approxTokens(text);
    if (tokens + cost > maxTokens) {
      const room = (maxTokens - tokens) * 4;
      if (room > 40) parts.push(text.slice(0, room));
      cut = true;
      break;
    }
    parts.push(text);
    tokens += cost;
  }
  // Stop the extractor (a PDF releases its document) when reading ended early.
  await (doc.blocks as AsyncGenerator<unknown>).return?.(undefined);
  const title = doc.title ? ` title="${doc.title.replaceAll('"', "'")}"` : '';
  const body =
    parts.join('\n\n') + (cut ? `\n\n[… the rest of the document is cut: it is longer than ${maxTokens} tokens]` : '');
  return `<document name="${file.fileName.replaceAll('"', "'")}"${title}>\n${body}\n</document>`;
}
