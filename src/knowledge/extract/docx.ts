/**
 * DOCX through mammoth (Word's heading styles become `<h1>`…, then the HTML extractor cuts sections).
 * The document's own title is the `dc:title` of `docProps/core.xml`, read with yauzl and an XML parser.
 */
import { Parser } from 'htmlparser2';
import mammoth from 'mammoth';
import yauzl from 'yauzl';
import { ErrorCode, HearthError } from '../../core/errors.js';
import type { ExtractedDocument } from '../types.js';
import { parseHtml } from './html.js';

export async function extractDocx(data: Buffer): Promise<ExtractedDocument> {
  let html: string;
  try {
    // Images are dropped (an empty src), so a DOCX full of pictures is not inflated into base64.
    const result = await mammoth.convertToHtml(
      { buffer: data },
      { convertImage: mammoth.images.imgElement(async () => ({ src: '' })) },
    );
    html = result.value;
  } catch (err) {
    throw new HearthError(ErrorCode.knowledgeExtract, `not a readable DOCX file: ${(err as Error).message}`, 422, {
      cause: err,
    });
  }
  const title = await coreTitle(data).catch(() => undefined);
  const { blocks } = parseHtml(html);
  return {
    title,
    blocks: (async function* () {
      yield* blocks;
    })(),
  };
}

/** `dc:title` from docProps/core.xml, if the file has one. */
async function coreTitle(data: Buffer): Promise<string | undefined> {
  const xml = await readZipEntry(data, 'docProps/core.xml', 1024 * 1024);
  if (!xml) return undefined;
  let inTitle = false;
  let title = '';
  const parser = new Parser(
    {
      onopentag: (name) => void (name === 'dc:title' && (inTitle = true)),
      ontext: (t) => void (inTitle && (title += t)),
      onclosetag: (name) => void (name === 'dc:title' && (inTitle = false)),
    },
    { xmlMode: true, decodeEntities: true },
  );
  parser.write(xml.toString('utf8'));
  parser.end();
  return title.trim() || undefined;
}

function readZipEntry(data: Buffer, name: string, maxBytes: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(data, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err ?? new Error('not a ZIP'));
      let found = false;
      zip.on('entry', (entry: yauzl.Entry) => {
        if (entry.fileName !== name || entry.uncompressedSize > maxBytes) return zip.readEntry();
        found = true;
        zip.openReadStream(entry, (e, stream) => {
          if (e || !stream) return reject(e);
          const parts: Buffer[] = [];
          stream.on('data', (c: Buffer) => parts.push(c));
          stream.on('end', () => {
            zip.close();
            resolve(Buffer.concat(parts));
          });
          stream.on('error', reject);
        });
      });
      zip.on('end', () => !found && resolve(undefined));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}
