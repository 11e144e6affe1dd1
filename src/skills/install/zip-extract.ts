/**
 * Unpacks an uploaded skill ZIP into a fresh folder, refusing anything unsafe before a byte is
 * written outside it: path traversal (`..`, absolute or drive paths), symlinks, too many files,
 * too many bytes (declared or actually inflated), and zip bombs (compression ratio).
 */
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import { ErrorCode, HearthError } from '../../core/errors.js';

export interface ZipLimits {
  maxFiles: number;
  maxUnpackedBytes: number;
  maxCompressionRatio: number;
}

/** Entries this small are never ratio-checked: tiny text files compress oddly without being bombs. */
const ratioFloorBytes = 64 * 1024;
const symlinkType = 0o120000;
const fileTypeMask = 0o170000;

function reject(reason: string): HearthError {
  return new HearthError(ErrorCode.skillZip, `rejected skill ZIP: ${reason}`, 400);
}

/** Why an entry's name is unsafe, or undefined when it is fine. */
export function unsafePathReason(name: string): string | undefined {
  if (name.includes('\\')) return `backslash in path "${name}"`;
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) return `absolute path "${name}"`;
  if (name.split('/').includes('..')) return `path traversal "${name}"`;
  if (name.includes('\0')) return 'NUL in path';
  return undefined;
}

function openZip(zip: Buffer): Promise<yauzl.ZipFile> {
  return new Promise((res, rej) =>
    yauzl.fromBuffer(zip, { lazyEntries: true, validateEntrySizes: true, decodeStrings: true }, (err, zf) =>
      err ? rej(reject(`not a valid ZIP (${err.message})`)) : res(zf),
    ),
  );
}

/** mkdir that turns a clash with an earlier entry ("a" as a file, then "a/b") into a rejection. */
async function mkdirFor(dir: string, entryName: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    throw reject(
      `"${entryName}" clashes with an earlier entry (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
}

function openEntry(zf: yauzl.ZipFile, entry: yauzl.Entry): Promise<NodeJS.ReadableStream> {
  return new Promise((res, rej) => zf.openReadStream(entry, (err, s) => (err ? rej(reject(err.message)) : res(s))));
}

/** Extracts `zip` into `dest` (which must not exist yet). Throws HEARTH_E_SKILL_ZIP with the reason. */
export async function extractSkillZip(
  zip: Buffer,
  dest: string,
  limits: ZipLimits,
): Promise<{ files: number; bytes: number }> {
  const zf = await openZip(zip);
  try {
    if (zf.entryCount > limits.maxFiles)
      throw reject(`${zf.entryCount} files, more than the limit of ${limits.maxFiles}`);
    await mkdir(dest, { recursive: true });
    const root = resolve(dest);
    let files = 0;
    let declared = 0;
    let actual = 0;
    for (;;) {
      const entry = await new Promise<yauzl.Entry | undefined>((res, rej) => {
        zf.once('entry', res);
        zf.once('end', () => res(undefined));
        zf.once('error', (err: Error) =>
          rej(/path|characters/i.test(err.message) ? reject(`unsafe path (${err.message})`) : reject(err.message)),
        );
        zf.readEntry();
      });
      zf.removeAllListeners('entry').removeAllListeners('end').removeAllListeners('error');
      if (!entry) break;
      const why = unsafePathReason(entry.fileName);
      if (why) throw reject(why);
      const mode = (entry.externalFileAttributes >>> 16) & fileTypeMask;
      if (mode === symlinkType) throw reject(`symlink "${entry.fileName}"`);
      const target = resolve(root, entry.fileName);
      if (target !== root && !target.startsWith(root + sep)) throw reject(`path traversal "${entry.fileName}"`);
      if (entry.fileName.endsWith('/')) {
        await mkdirFor(target, entry.fileName);
        continue;
      }
      files++;
      declared += entry.uncompressedSize;
      if (declared > limits.maxUnpackedBytes)
        throw reject(`unpacked size over the limit of ${limits.maxUnpackedBytes} bytes`);
      if (
        entry.uncompressedSize > ratioFloorBytes &&
        entry.uncompressedSize / Math.max(entry.compressedSize, 1) > limits.maxCompressionRatio
      ) {
        throw reject(`compression ratio of "${entry.fileName}" over ${limits.maxCompressionRatio} (zip bomb?)`);
      }
      await mkdirFor(dirname(target), entry.fileName);
      // Count what really inflates: declared sizes can lie (yauzl also checks them against the data).
      let entryBytes = 0;
      const meter = new Transform({
        transform(chunk: Buffer, _enc, done) {
          entryBytes += chunk.length;
          actual += chunk.length;
          if (entryBytes > entry.uncompressedSize)
            return done(reject(`"${entry.fileName}" inflates past its declared size`));
          if (actual > limits.maxUnpackedBytes)
            return done(reject(`unpacked size over the limit of ${limits.maxUnpackedBytes} bytes`));
          done(null, chunk);
        },
      });
      try {
        await pipeline(await openEntry(zf, entry), meter, createWriteStream(target, { flags: 'wx', mode: 0o644 }));
      } catch (err) {
        if (err instanceof HearthError) throw err;
        throw reject(`"${entry.fileName}": ${(err as Error).message}`);
      }
    }
    return { files, bytes: actual };
  } finally {
    zf.close();
  }
}
