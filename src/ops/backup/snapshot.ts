/**
 * Takes a consistent copy of everything a Hearth installation stores into a staging folder, while
 * Hearth keeps serving: every SQLite database through SQLite's online backup API (a transactionally
 * consistent copy, writers are not blocked for long), every other file of the data folder as is,
 * the config files, and for PostgreSQL a `pg_dump` (one snapshot transaction). Model files go to
 * a content-addressed cache beside the archives instead, so they are copied once, not per backup.
 */
import { copyFile, mkdir, open, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import Database from '../../storage/sqlite-driver.js';
import { hashFile, type Manifest, type ManifestMember } from './manifest.js';
import { pgDump } from './postgres.js';

/** What to back up. */
export interface SnapshotSource {
  /** The data folder (absolute). */
  dataDir: string;
  /** Config files to include, by their name in the archive's `config/` folder. */
  configFiles: Array<{ name: string; file: string }>;
  history: { kind: 'sqlite' | 'postgres' | 'mongodb'; sqlitePath?: string; url?: string };
  /** Folders inside the data folder that are not backed up (the backups themselves). */
  exclude: string[];
  /** The model cache folder; undefined leaves model files out. */
  modelCache?: string;
}

export interface BackupProgress {
  step: string;
  done: number;
  total: number;
}

const SQLITE_HEADER = Buffer.from('SQLite format 3\0');
/** Files that are SQLite's transient companions or downloads in progress: never a consistent state. */
const TRANSIENT = /(-wal|-shm|-journal|\.part|\.tmp)$/;
/** Archives written into the data folder (`--out ./data/…`) are not backed up into the next one. */
const ARCHIVE = /^hearth-backup-.*\.tar\.gz(\.enc)?$/;

async function isSqlite(file: string): Promise<boolean> {
  const fh = await open(file, 'r');
  try {
    const head = Buffer.alloc(SQLITE_HEADER.length);
    const { bytesRead } = await fh.read(head, 0, head.length, 0);
    return bytesRead === head.length && head.equals(SQLITE_HEADER);
  } finally {
    await fh.close();
  }
}

/** Regular files under `dir`, relative to it, skipping excluded folders and transient files. */
async function listFiles(dir: string, exclude: Set<string>): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        if (!exclude.has(p)) await walk(p);
      } else if (e.isFile() && !TRANSIENT.test(e.name) && !ARCHIVE.test(e.name)) out.push(relative(dir, p));
      // Sockets (sidecar skills), FIFOs and symlinks are not data.
    }
  };
  if (existsSync(dir)) await walk(dir);
  return out.sort();
}

/** SQLite's online backup of `src` into `dest`: consistent even while another process writes. */
export async function backupSqlite(src: string, dest: string): Promise<void> {
  const db = new Database(src, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 10000');
    // All pages in one step, under one read transaction (WAL: writers go on meanwhile). In small
    // steps, every write by another connection between two steps restarts the copy, and a busy
    // installation would never finish its backup.
    await db.backup(dest, { progress: () => 0x7fffffff });
  } finally {
    db.close();
  }
}

/**
 * Copies model files into the cache (`<sha256>` per file) unless an earlier backup put them there.
 * Hashes are remembered by (path, size, mtime), so unchanged multi-gigabyte files are not re-read.
 */
async function cacheModels(
  modelsDir: string,
  cacheDir: string,
): Promise<{ models: Manifest['models']; copied: number }> {
  const files = await listFiles(modelsDir, new Set());
  const models: Manifest['models'] = [];
  if (files.length === 0) return { models, copied: 0 };
  await mkdir(cacheDir, { recursive: true });
  const indexFile = join(cacheDir, 'index.json');
  const index: Record<string, { size: number; mtimeMs: number; sha256: string }> = existsSync(indexFile)
    ? JSON.parse(await readFile(indexFile, 'utf8'))
    : {};
  let copied = 0;
  for (const rel of files) {
    const file = join(modelsDir, rel);
    const st = await stat(file);
    const known = index[file];
    const sha256 =
      known && known.size === st.size && known.mtimeMs === st.mtimeMs ? known.sha256 : (await hashFile(file)).sha256;
    index[file] = { size: st.size, mtimeMs: st.mtimeMs, sha256 };
    const cached = join(cacheDir, sha256);
    if (!existsSync(cached)) {
      await copyFile(file, `${cached}.tmp`);
      // The copy is checked before it counts: a model changed mid-copy is not recorded under a wrong hash.
      if ((await hashFile(`${cached}.tmp`)).sha256 !== sha256)
        throw new Error(`model file ${rel} changed while it was copied; run the backup again`);
      await rename(`${cached}.tmp`, cached);
      copied++;
    }
    models.push({ path: ['data', 'models', ...rel.split(sep)].join('/'), size: st.size, sha256 });
  }
  await writeFile(indexFile, JSON.stringify(index));
  return { models, copied };
}

/** Writes the snapshot into `staging` and returns its manifest (members hashed). */
export async function takeSnapshot(
  source: SnapshotSource,
  staging: string,
  options: { hearthVersion: string; now?: () => Date; onProgress?: (p: BackupProgress) => void } = {
    hearthVersion: '0',
  },
): Promise<{ manifest: Manifest; modelsCopied: number }> {
  const dataDir = resolve(source.dataDir);
  const modelsDir = join(dataDir, 'models');
  const exclude = new Set([...source.exclude.map((d) => resolve(d)), modelsDir]);
  const files = await listFiles(dataDir, exclude);
  const members: ManifestMember[] = [];
  const total = files.length + source.configFiles.length + (source.history.kind === 'sqlite' ? 0 : 1) + 1;
  let done = 0;
  const progress = (step: string) => options.onProgress?.({ step, done: ++done, total });

  const add = async (archivePath: string, write: (dest: string) => Promise<void>, kind: ManifestMember['kind']) => {
    const dest = join(staging, ...archivePath.split('/'));
    await mkdir(dirname(dest), { recursive: true });
    await write(dest);
    const { sha256, size } = await hashFile(dest);
    members.push({ path: archivePath, size, sha256, kind });
  };

  for (const rel of files) {
    const src = join(dataDir, rel);
    const archivePath = ['data', ...rel.split(sep)].join('/');
    const sqlite = await isSqlite(src);
    await add(
      archivePath,
      (dest) => (sqlite ? backupSqlite(src, dest) : copyFile(src, dest)),
      sqlite ? 'sqlite' : 'file',
    );
    progress(rel);
  }
  const h = source.history;
  // A history file configured outside the data folder is restored as the default `hearth.db`.
  if (
    h.kind === 'sqlite' &&
    h.sqlitePath &&
    !resolve(h.sqlitePath).startsWith(dataDir + sep) &&
    existsSync(h.sqlitePath)
  ) {
    await add('data/hearth.db', (dest) => backupSqlite(h.sqlitePath!, dest), 'sqlite');
  }
  let schema: string | undefined;
  if (h.kind === 'postgres') {
    await add(
      'postgres/history.dump',
      async (dest) => {
        schema = (await pgDump(h.url!, dest)).schema;
      },
      'pg_dump',
    );
    progress('PostgreSQL history');
  }
  for (const c of source.configFiles) {
    if (existsSync(c.file)) await add(`config/${c.name}`, (dest) => copyFile(c.file, dest), 'file');
    progress(`config ${c.name}`);
  }
  const { models, copied } = source.modelCache
    ? await cacheModels(modelsDir, source.modelCache)
    : { models: [], copied: 0 };
  progress('models');
  const manifest: Manifest = {
    format: 'hearth-backup/1',
    createdAt: (options.now?.() ?? new Date()).toISOString(),
    hearthVersion: options.hearthVersion,
    history: { kind: h.kind, included: h.kind !== 'mongodb', ...(schema ? { schema } : {}) },
    members,
    models,
  };
  return { manifest, modelsCopied: copied };
}
