/**
 * The backup archive: a gzip'd tar whose first member is `manifest.json`, optionally encrypted as a
 * whole (archive-cipher.ts). Reading one always checks every member against the manifest first.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tar from 'tar';
import { decryptFile, encryptFile, isEncryptedArchive } from './archive-cipher.js';
import { hashFile, MANIFEST_NAME, parseManifest, type Manifest } from './manifest.js';

/** Packs `staging` (plus its manifest) into `out`, atomically: a half-written archive never has the final name. */
export async function writeArchive(staging: string, manifest: Manifest, out: string, key?: Buffer): Promise<void> {
  await writeFile(join(staging, MANIFEST_NAME), JSON.stringify(manifest, null, 2));
  const entries = (await readdir(staging)).filter((n) => n !== MANIFEST_NAME).sort();
  const plain = `${out}.tar.tmp`;
  try {
    await tar.c(
      { gzip: true, file: plain, cwd: staging, portable: true, mode: 0o600 } as tar.TarOptionsWithAliasesAsyncFile,
      [MANIFEST_NAME, ...entries],
    );
    if (key) {
      await encryptFile(plain, `${out}.tmp`, key);
      await rename(`${out}.tmp`, out);
    } else await rename(plain, out);
  } finally {
    await rm(plain, { force: true });
    await rm(`${out}.tmp`, { force: true });
  }
}

/** An archive opened for reading: its plain tar (decrypted into a temporary folder when needed). */
export interface OpenedArchive {
  tarFile: string;
  encrypted: boolean;
  close(): Promise<void>;
}

/** Opens an archive; an encrypted one needs the key. Throws a message a user can act on. */
export async function openArchive(file: string, key: Buffer | undefined): Promise<OpenedArchive> {
  if (!existsSync(file)) throw new Error(`${file}: no such file`);
  if (!(await isEncryptedArchive(file))) return { tarFile: file, encrypted: false, close: async () => undefined };
  if (!key)
    throw new Error(
      `${file} is encrypted: set HEARTH_BACKUP_KEY (or backup.encryption.keyFile) to the key it was written with`,
    );
  const dir = await mkdtemp(join(tmpdir(), 'hearth-backup-'));
  const close = () => rm(dir, { recursive: true, force: true });
  try {
    await decryptFile(file, join(dir, 'archive.tar.gz'), key);
  } catch (err) {
    await close();
    throw err;
  }
  return { tarFile: join(dir, 'archive.tar.gz'), encrypted: true, close };
}

export interface VerifyReport {
  manifest?: Manifest;
  /** Empty when the archive is whole. */
  problems: string[];
}

/**
 * Reads every member of the tar, hashing as it goes, and compares with the manifest: a changed,
 * missing or unexpected member, a damaged gzip/tar stream or a bad manifest is a problem. Model
 * files are looked up in `modelCache` when given.
 */
export async function verifyTar(tarFile: string, modelCache?: string): Promise<VerifyReport> {
  const seen = new Map<string, { sha256: string; size: number }>();
  let manifestText: string | undefined;
  const problems: string[] = [];
  const pending: Array<Promise<void>> = [];
  try {
    await tar.t({
      file: tarFile,
      strict: true,
      onReadEntry: (entry) => {
        if (entry.type === 'Directory') return entry.resume();
        const path = entry.path.replace(/^\.\//, '');
        const hash = createHash('sha256');
        const chunks: Buffer[] = [];
        let size = 0;
        pending.push(
          new Promise<void>((resolve, reject) => {
            entry.on('data', (c: Buffer) => {
              hash.update(c);
              size += c.length;
              if (path === MANIFEST_NAME) chunks.push(c);
            });
            entry.on('end', () => {
              if (path === MANIFEST_NAME) manifestText = Buffer.concat(chunks).toString('utf8');
              else seen.set(path, { sha256: hash.digest('hex'), size });
              resolve();
            });
            entry.on('error', reject);
          }),
        );
      },
    });
    await Promise.all(pending);
  } catch (err) {
    return { problems: [`the archive is damaged (${(err as Error).message})`] };
  }
  if (manifestText === undefined) return { problems: ['the archive has no manifest.json: not a Hearth backup'] };
  let manifest: Manifest;
  try {
    manifest = parseManifest(manifestText);
  } catch (err) {
    return { problems: [(err as Error).message] };
  }
  const listed = new Set<string>();
  for (const m of manifest.members) {
    listed.add(m.path);
    const got = seen.get(m.path);
    if (!got) problems.push(`${m.path}: missing from the archive`);
    else if (got.sha256 !== m.sha256 || got.size !== m.size)
      problems.push(`${m.path}: checksum mismatch (the member was changed or damaged)`);
  }
  for (const path of seen.keys())
    if (!listed.has(path)) problems.push(`${path}: in the archive but not in its manifest`);
  if (modelCache) {
    for (const m of manifest.models) {
      const cached = join(modelCache, m.sha256);
      if (!existsSync(cached)) problems.push(`${m.path}: not in the model cache ${modelCache}`);
      else if ((await hashFile(cached)).sha256 !== m.sha256)
        problems.push(`${m.path}: the model cache copy is damaged`);
    }
  }
  return { manifest, problems };
}

/** Unpacks a verified tar into `dest`. */
export async function extractTar(tarFile: string, dest: string): Promise<void> {
  await tar.x({ file: tarFile, cwd: dest, strict: true, preservePaths: false });
}
