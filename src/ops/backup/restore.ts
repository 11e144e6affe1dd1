/**
 * `hearth restore PATH [--data-dir DIR]`: checks everything before it writes anything — the target
 * folder is empty (or new), every member matches the manifest, a PostgreSQL target holds no Hearth
 * rows — then unpacks beside the target and moves it into place, so a refused or failed restore
 * leaves the target as it was.
 */
import { existsSync, statSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, rename, rm, rmdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { ErrorCode, HearthError } from '../../core/errors.js';
import { extractTar, openArchive, verifyTar } from './archive.js';
import { loadBackupKey } from './archive-cipher.js';
import type { Manifest } from './manifest.js';
import { currentSchema, hearthRowCount, pgRestore, redactUrl } from './postgres.js';

type Env = Record<string, string | undefined>;

export interface RestoreOptions {
  archive: string;
  /** The data folder to restore into: must be empty or absent. */
  dataDir: string;
  /** PostgreSQL to restore the history dump into (the archive's own schema): config, HEARTH_HISTORY_URL. */
  historyUrl?: string;
  /** Where the archive's model files are kept; default `model-cache` beside the archive. */
  modelCache?: string;
  keyFile?: string;
  env?: Env;
  onProgress?: (step: string) => void;
}

export interface RestoreResult {
  dataDir: string;
  manifest: Manifest;
  /** Where the archived hearth.yml / channels.yml were put (they are not applied by themselves). */
  configDir?: string;
}

const refuse = (message: string) => new HearthError(ErrorCode.backup, message, 400);

/** Opens and fully checks an archive; returns its manifest and problems (empty when whole). */
export async function verifyBackup(
  archive: string,
  options: { keyFile?: string; env?: Env; modelCache?: string } = {},
) {
  const opened = await openArchive(archive, loadBackupKey(options.keyFile, options.env ?? process.env));
  try {
    return {
      encrypted: opened.encrypted,
      ...(await verifyTar(opened.tarFile, options.modelCache ?? join(dirname(resolve(archive)), 'model-cache'))),
    };
  } finally {
    await opened.close();
  }
}

export async function runRestore(o: RestoreOptions): Promise<RestoreResult> {
  const target = resolve(o.dataDir);
  const step = o.onProgress ?? (() => undefined);
  if (existsSync(target)) {
    if (!statSync(target).isDirectory()) throw refuse(`${target} is not a folder; nothing was changed`);
    if ((await readdir(target)).length > 0)
      throw refuse(`${target} is not empty: restore writes only into an empty or new data folder; nothing was changed`);
  }
  step('checking the archive');
  let opened;
  try {
    opened = await openArchive(o.archive, loadBackupKey(o.keyFile, o.env ?? process.env));
  } catch (err) {
    throw refuse(`${(err as Error).message}; nothing was changed`);
  }
  await mkdir(dirname(target), { recursive: true });
  const staging = await mkdtemp(join(dirname(target), '.hearth-restore-'));
  try {
    const modelCache = o.modelCache ?? join(dirname(resolve(o.archive)), 'model-cache');
    const report = await verifyTar(opened.tarFile, modelCache);
    if (!report.manifest || report.problems.length > 0) {
      throw refuse(`${o.archive} failed verification, nothing was changed:\n  ${report.problems.join('\n  ')}`);
    }
    const manifest = report.manifest;
    const pgDump = manifest.members.find((m) => m.kind === 'pg_dump');
    if (pgDump) {
      if (!o.historyUrl)
        throw refuse(
          'the archive holds PostgreSQL history: give --history-url (or storage.history.url / HEARTH_HISTORY_URL); nothing was changed',
        );
      const schema = await currentSchema(o.historyUrl);
      if (schema !== manifest.history.schema) {
        throw refuse(
          `the archive's PostgreSQL history is schema "${manifest.history.schema}" but ${redactUrl(o.historyUrl)} uses "${schema}" (set its search_path); nothing was changed`,
        );
      }
      if ((await hearthRowCount(o.historyUrl)) > 0)
        throw refuse(
          `schema "${schema}" of ${redactUrl(o.historyUrl)} already holds Hearth data; restore needs an empty one; nothing was changed`,
        );
    }
    step('unpacking');
    await extractTar(opened.tarFile, staging);
    const data = join(staging, 'data');
    await mkdir(data, { recursive: true });
    for (const m of manifest.models) {
      const dest = join(staging, ...m.path.split('/'));
      await mkdir(dirname(dest), { recursive: true });
      await copyFile(join(modelCache, m.sha256), dest);
    }
    if (pgDump) {
      step('restoring PostgreSQL history');
      await pgRestore(o.historyUrl!, join(staging, ...pgDump.path.split('/')), manifest.history.schema!, staging);
    }
    let configDir: string | undefined;
    if (existsSync(join(staging, 'config'))) {
      configDir = join(target, 'config-from-backup');
      await rename(join(staging, 'config'), join(data, 'config-from-backup'));
    }
    if (existsSync(target)) await rmdir(target); // empty, checked above
    await rename(data, target);
    step('done');
    return { dataDir: target, manifest, configDir };
  } finally {
    await opened.close();
    await rm(staging, { recursive: true, force: true });
  }
}
