/**
 * Which extractor reads a file: by its name's extension, then its declared MIME type, then its
 * first bytes (a PDF or DOCX renamed or sent without a name is still recognised).
 */
export type DocumentKind = 'pdf' | 'docx' | 'html' | 'markdown' | 'text';

const byExtension: Record<string, DocumentKind> = {
  pdf: 'pdf',
  docx: 'docx',
  html: 'html',
  htm: 'html',
  xhtml: 'html',
  md: 'markdown',
  markdown: 'markdown',
  mdx: 'markdown',
  txt: 'text',
  text: 'text',
  csv: 'text',
  log: 'text',
};

const byMime: Record<string, DocumentKind> = {
  'application/pdf': 'pdf',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
  'text/html': 'html',
  'application/xhtml+xml': 'html',
  'text/markdown': 'markdown',
  'text/x-markdown': 'markdown',
  'text/plain': 'text',
  'text/csv': 'text',
};

/** The MIME type Hearth reports for a kind. */
export const mimeOf: Record<DocumentKind, string> = {
  pdf: 'application/pdf',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  html: 'text/html',
  markdown: 'text/markdown',
  text: 'text/plain',
};

/** The kind of a file, or undefined when no extractor reads it. `head` is its first bytes. */
export function detectKind(fileName: string, mimeType: string | undefined, head: Buffer): DocumentKind | undefined {
  if (head.subarray(0, 5).toString('latin1') === '%PDF-') return 'pdf';
  const ext = /\.([A-Za-z0-9]+)$/.exec(fileName)?.[1]?.toLowerCase();
  const named = ext ? byExtension[ext] : undefined;
  if (named) return named;
  const mime = mimeType?.split(';')[0].trim().toLowerCase();
  const declared = mime ? byMime[mime] : undefined;
  if (declared) return declared;
  // A ZIP (PK\x03\x04) without a telling name: DOCX keeps `word/document.xml` near the start.
  if (head.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04])) && head.includes('word/')) return 'docx';
  if (ext === undefined && looksLikeText(head)) return 'text';
  return undefined;
}

/** No NUL bytes and valid UTF-8 in the first bytes: plain text. */
function looksLikeText(head: Buffer): boolean {
  if (head.length === 0 || head.includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(0, Math.max(0, head.length - 4)));
    return true;
  } catch {
    return false;
  }
}
