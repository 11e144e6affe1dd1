/**
 * `hearth backup`: snapshot → manifest → one archive (optionally encrypted), named by its time, in
 * the backup folder or at `--out`. Shared by the CLI and the scheduled backups of `hearth start`.
 */
import { existsSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { HearthConfig } from '../../core/config.js';
import { writeArchive } from './archive.js';
import { loadBackupKey } from './archive-cipher.js';
import type { Manifest } from './manifest.js';
import { takeSnapshot, type BackupProgress } from './snapshot.js';

type Env = Record<string, string | undefined>;

export const ARCHIVE_PREFIX = 'hearth-backup-';

/** The archive name for a time: `hearth-backup-2026-12-02T03-00-00Z.tar.gz` (sorts by time; `.enc` when encrypted). */
export function archiveName(at: Date, encrypted: boolean): string {
  const stamp = at
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replaceAll(':', '-');
  return `${ARCHIVE_PREFIX}${stamp}.tar.gz${encrypted ? '.enc' : ''}`;
}

/** The time an archive name carries, or undefined for other files. */
export function archiveTime(name: string): Date | undefined {
  const m = /^hearth-backup-(\d{4}-\d\d-\d\dT\d\d)-(\d\d)-(\d\d)Z\.tar\.gz(\.enc)?$/.exec(name);
  if (!m) return undefined;
  const d = new Date(`${m[1]}:${m[2]}:${m[3]}Z`);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** The backup folder: `backup.dir`, else `<dataDir>/backups`. */
export function backupDirOf(config: HearthConfig): string {
  return resolve(config.backup.dir ?? join(config.dataDir, 'backups'));
}

export interface BackupOptions {
  config: HearthConfig;
  /** The config file it was loaded from, and channels.yml: both go into the archive. */
  configFile?: string;
  channelsFile?: string;
  /** A file path, or an existing folder to write a time-named archive into. Default: the backup folder. */
  out?: string;
  env?: Env;
  now?: () => Date;
  hearthVersion?: string;
  onProgress?: (p: BackupProgress) => void;
}

export interface BackupResult {
  file: string;
  manifest: Manifest;
  bytes: number;
  durationMs: number;
  encrypted: boolean;
  modelsCopied: number;
}

/** Takes one backup while Hearth may be running. */
export async function runBackup(o: BackupOptions): Promise<BackupResult> {
  const started = Date.now();
  const env = o.env ?? process.env;
  const now = o.now?.() ?? new Date();
  const key = loadBackupKey(o.config.backup.encryption.keyFile, env);
  const backupDir = backupDirOf(o.config);
  let file: string;
  if (o.out && !(existsSync(o.out) && statSync(o.out).isDirectory()) && !o.out.endsWith('/')) file = resolve(o.out);
  else file = join(resolve(o.out ?? backupDir), archiveName(now, !!key));
  const dir = dirname(file);
  await mkdir(dir, { recursive: true });
  const staging = await mkdtemp(join(dir, '.hearth-backup-staging-'));
  const h = o.config.storage.history;
  try {
    const { manifest, modelsCopied } = await takeSnapshot(
      {
        dataDir: resolve(o.config.dataDir),
        configFiles: [
          ...(o.configFile ? [{ name: 'hearth.yml', file: o.configFile }] : []),
          ...(o.channelsFile ? [{ name: 'channels.yml', file: o.channelsFile }] : []),
        ],
        history: { kind: h.kind, sqlitePath: h.path, url: h.url ?? env.HEARTH_HISTORY_URL },
        exclude: [backupDir, staging, join(dir, 'model-cache')],
        modelCache: o.config.backup.models ? join(dir, 'model-cache') : undefined,
      },
      staging,
      { hearthVersion: o.hearthVersion ?? '0.1.0', now: () => now, onProgress: o.onProgress },
    );
    await writeArchive(staging, manifest, file, key);
    return {
      file,
      manifest,
      bytes: (await stat(file)).size,
      durationMs: Date.now() - started,
      encrypted: !!key,
      modelsCopied,
    };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
