/**
 * Blobs in a local folder. Metadata sits beside each file as `<file>.meta.json`. Keys are checked
 * so that no key can name a path outside the folder.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomUUID } from 'node:crypto';
import type { BlobMeta, BlobStore } from '../../core/stores.js';
import { ErrorCode, HearthError } from '../../core/errors.js';

export class LocalBlobStore implements BlobStore {
  private readonly root: string;

  constructor(dir: string) {
    this.root = resolve(dir);
  }

  private pathOf(key: string): string {
    const p = resolve(this.root, key);
    if (!key || key.includes('\0') || !p.startsWith(this.root + sep)) {
      throw new HearthError(ErrorCode.badRequest, `invalid blob key "${key}"`, 400);
    }
    return p;
  }

  async put(key: string, data: Buffer | Readable, meta: Omit<BlobMeta, 'size'> = {}): Promise<BlobMeta> {
    const file = this.pathOf(key);
    await mkdir(dirname(file), { recursive: true });
    // Write to a temporary name and rename, so a reader never sees half a file.
    const tmp = `${file}.${randomUUID()}.tmp`;
    try {
      if (Buffer.isBuffer(data)) await writeFile(tmp, data);
      else await pipeline(data, createWriteStream(tmp));
      const { size } = await stat(tmp);
      const full: BlobMeta = { ...meta, size };
      await writeFile(`${file}.meta.json`, JSON.stringify(full));
      await rename(tmp, file);
      return full;
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  async get(key: string): Promise<Buffer | undefined> {
    try {
      return await readFile(this.pathOf(key));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async stream(key: string): Promise<Readable | undefined> {
    const file = this.pathOf(key);
    try {
      await stat(file);
    } catch {
      return undefined;
    }
    return createReadStream(file);
  }

  async head(key: string): Promise<BlobMeta | undefined> {
    const file = this.pathOf(key);
    try {
      const meta = JSON.parse(await readFile(`${file}.meta.json`, 'utf8')) as BlobMeta;
      return meta;
    } catch {
      try {
        return { size: (await stat(file)).size };
      } catch {
        return undefined;
      }
    }
  }

  async delete(key: string): Promise<void> {
    const file = this.pathOf(key);
    await rm(file, { force: true });
    await rm(`${file}.meta.json`, { force: true });
  }

  async close(): Promise<void> {}
}
