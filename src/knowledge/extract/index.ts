/**
 * Reads a document of any supported kind into its title and blocks. Unsupported kinds fail with
 * HEARTH_E_KNOWLEDGE_UNSUPPORTED, unreadable files with HEARTH_E_KNOWLEDGE_EXTRACT: one bad file
 * fails alone.
 */
import { ErrorCode, HearthError } from '../../core/errors.js';
import type { ExtractedDocument } from '../types.js';
import { detectKind, mimeOf, type DocumentKind } from './detect.js';
import { extractText } from './text.js';

export { detectKind, mimeOf, type DocumentKind } from './detect.js';

/** Extensions and types accepted, for error messages. */
export const SUPPORTED = 'PDF, DOCX, HTML, Markdown or plain text';

export interface ExtractInput {
  fileName: string;
  mimeType?: string;
  data: Buffer;
}

/** The kind of a file, or a HEARTH_E_KNOWLEDGE_UNSUPPORTED error naming it. */
export function kindOf(input: Pick<ExtractInput, 'fileName' | 'mimeType'> & { head: Buffer }): DocumentKind {
  const kind = detectKind(input.fileName, input.mimeType, input.head);
  if (!kind) {
    const what = input.mimeType ? `${input.fileName} (${input.mimeType})` : input.fileName;
    throw new HearthError(ErrorCode.knowledgeUnsupported, `unsupported file type: ${what}; send ${SUPPORTED}`, 415);
  }
  return kind;
}

export async function extractDocument(
  input: ExtractInput,
): Promise<ExtractedDocument & { kind: DocumentKind; mimeType: string }> {
  const kind = kindOf({ ...input, head: input.data.subarray(0, 4096) });
  // Each parser is loaded the first time such a file is read (PDF.js and mammoth are large; none
  // is paid for by a process that never reads a document).
  const read = {
    pdf: async (d: Buffer) => (await import('./pdf.js')).extractPdf(d),
    docx: async (d: Buffer) => (await import('./docx.js')).extractDocx(d),
    html: async (d: Buffer) => (await import('./html.js')).extractHtml(d),
    markdown: async (d: Buffer) => (await import('./markdown.js')).extractMarkdown(d),
    text: extractText,
  }[kind];
  const doc = await read(input.data);
  return { ...doc, kind, mimeType: mimeOf[kind] };
}
