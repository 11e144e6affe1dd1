/**
 * PDF through unpdf (PDF.js built for servers), read page by page: each page's text is handed on
 * and the page released before the next, so a 200 MB manual never holds more than one page's text.
 * Sections come from the PDF's outline (bookmarks) where it has one, else from lines set in a
 * clearly larger font than the page's body text. The Info dictionary's Title is the document's own.
 */
import { getDocumentProxy } from 'unpdf';
import { ErrorCode, HearthError } from '../../core/errors.js';
import type { Block, ExtractedDocument } from '../types.js';

type PdfDocument = Awaited<ReturnType<typeof getDocumentProxy>>;
type OutlineNode = Awaited<ReturnType<PdfDocument['getOutline']>>[number];

interface TextItem {
  str: string;
  hasEOL?: boolean;
  height?: number;
  transform?: number[];
}

/** A line set this much larger than the page's most common size reads as a heading. */
const HEADING_SCALE = 1.25;

export async function extractPdf(data: Buffer): Promise<ExtractedDocument> {
  let pdf: PdfDocument;
  try {
    // PDF.js takes ownership of (and detaches) the array it is given: hand it a copy's view.
    pdf = await getDocumentProxy(new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice(), {
      verbosity: 0,
    });
  } catch (err) {
    const name = (err as Error)?.name;
    const reason =
      name === 'PasswordException'
        ? 'the PDF is password-protected'
        : `not a readable PDF (${(err as Error)?.message ?? err})`;
    throw new HearthError(ErrorCode.knowledgeExtract, reason, 422, { cause: err });
  }
  let title: string | undefined;
  try {
    const meta = await pdf.getMetadata();
    const info = meta.info as { Title?: unknown };
    title = typeof info?.Title === 'string' && info.Title.trim() ? info.Title.trim() : undefined;
  } catch {
    title = undefined;
  }
  const outline = await outlineByPage(pdf).catch(() => new Map<number, Block[]>());
  return { title, totalPages: pdf.numPages, blocks: pages(pdf, outline) };
}

async function* pages(pdf: PdfDocument, outline: Map<number, Block[]>): AsyncGenerator<Block> {
  try {
    for (let n = 1; n <= pdf.numPages; n++) {
      const page = await pdf.getPage(n);
      try {
        const content = await page.getTextContent();
        const lines = linesOf(content.items as TextItem[]);
        yield* outline.get(n) ?? [];
        yield* pageBlocks(lines, n, outline.size === 0);
      } finally {
        await page.cleanup();
      }
    }
  } finally {
    await pdf.loadingTask.destroy();
  }
}

interface Line {
  text: string;
  size: number;
}

function linesOf(items: TextItem[]): Line[] {
  const lines: Line[] = [];
  let text = '';
  let size = 0;
  let lastY: number | undefined;
  const end = () => {
    const t = text.replace(/\s+/g, ' ').trim();
    if (t) lines.push({ text: t, size });
    text = '';
    size = 0;
  };
  for (const item of items) {
    if (typeof item.str !== 'string') continue;
    const y = item.transform?.[5];
    if (lastY !== undefined && y !== undefined && Math.abs(y - lastY) > Math.max(2, (item.height ?? 0) * 0.5) && text)
      end();
    text += item.str;
    size = Math.max(size, item.height ?? Math.abs(item.transform?.[3] ?? 0));
    if (y !== undefined) lastY = y;
    if (item.hasEOL) end();
  }
  end();
  return lines;
}

/** A page's lines as blocks: paragraphs of body text, and headings when the outline gave none. */
function* pageBlocks(lines: Line[], page: number, detectHeadings: boolean): Generator<Block> {
  const body = commonSize(lines);
  let paragraph: string[] = [];
  const flush = function* (): Generator<Block> {
    if (paragraph.length) yield { kind: 'text', text: paragraph.join('\n'), page };
    paragraph = [];
  };
  for (const line of lines) {
    const isHeading = detectHeadings && body > 0 && line.size >= body * HEADING_SCALE && line.text.length <= 120;
    if (isHeading) {
      yield* flush();
      yield {
        kind: 'heading',
        level: line.size >= body * 1.8 ? 1 : line.size >= body * 1.5 ? 2 : 3,
        text: line.text,
        page,
      };
    } else paragraph.push(line.text);
  }
  yield* flush();
}

/** The font size most characters of the page are set in. */
function commonSize(lines: Line[]): number {
  const weight = new Map<number, number>();
  for (const l of lines) {
    const key = Math.round(l.size * 2) / 2;
    weight.set(key, (weight.get(key) ?? 0) + l.text.length);
  }
  let best = 0;
  let bestWeight = -1;
  for (const [size, w] of weight) if (w > bestWeight) [best, bestWeight] = [size, w];
  return best;
}

/** The outline's entries as heading blocks, keyed by the 1-based page they point at. */
async function outlineByPage(pdf: PdfDocument): Promise<Map<number, Block[]>> {
  const out = new Map<number, Block[]>();
  const outline = await pdf.getOutline();
  const visit = async (nodes: OutlineNode[], level: number) => {
    for (const node of nodes) {
      const page = await pageOf(pdf, node.dest);
      const text = node.title?.trim();
      if (page && text) {
        const list = out.get(page) ?? [];
        list.push({ kind: 'heading', level, text, page });
        out.set(page, list);
      }
      if (node.items?.length) await visit(node.items as OutlineNode[], level + 1);
    }
  };
  await visit(outline ?? [], 1);
  return out;
}

async function pageOf(pdf: PdfDocument, dest: OutlineNode['dest']): Promise<number | undefined> {
  const explicit = typeof dest === 'string' ? await pdf.getDestination(dest) : dest;
  const target = explicit?.[0];
  if (typeof target === 'number') return target + 1;
  if (target && typeof target === 'object') return (await pdf.getPageIndex(target)) + 1;
  return undefined;
}
