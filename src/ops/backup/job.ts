/**
 * One scheduled backup: take it, upload it when `backup.s3` is set, apply retention in the folder
 * and the bucket, and report — a metric and a log line either way, so a failing backup is seen
 * (the shipped alert rules watch the metric).
 */
import { readdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import type { HearthConfig } from '../../core/config.js';
import { ErrorCode, errorSummary } from '../../core/errors.js';
import { archiveTime, backupDirOf, runBackup, type BackupResult } from './backup.js';
import type { BackupMetrics } from './backup-metrics.js';
import { expiredBackups, type DatedBackup } from './retention.js';
import { S3BackupTarget } from './s3-target.js';

export interface BackupJobOptions {
  config: HearthConfig;
  configFile?: string;
  channelsFile?: string;
  log: Logger;
  metrics?: BackupMetrics;
  env?: Record<string, string | undefined>;
  now?: () => Date;
}

const dated = (names: string[]): DatedBackup[] =>
  names.flatMap((name) => {
    const at = archiveTime(name);
    return at ? [{ name, at }] : [];
  });

/** Backs up, uploads, prunes; resolves with the result, rejects (after logging) on failure. */
export async function backupJob(o: BackupJobOptions): Promise<BackupResult & { pruned: string[]; uploaded?: string }> {
  const { config, log } = o;
  const b = config.backup;
  try {
    const result = await runBackup({
      config,
      configFile: o.configFile,
      channelsFile: o.channelsFile,
      env: o.env,
      now: o.now,
    });
    const dir = dirname(result.file);
    const pruned = expiredBackups(dated(await readdir(dir)), b.keepDaily, b.keepWeekly);
    for (const name of pruned) await rm(join(dir, name), { force: true });
    let uploaded: string | undefined;
    if (b.s3) {
      const s3 = new S3BackupTarget(b.s3, o.env);
      try {
        uploaded = (
          await s3.upload(
            result.file,
            join(dir, 'model-cache'),
            result.manifest.models.map((m) => m.sha256),
          )
        ).key;
        for (const name of expiredBackups(dated(await s3.list()), b.keepDaily, b.keepWeekly)) await s3.delete(name);
      } finally {
        s3.close();
      }
    }
    o.metrics?.succeeded(o.now?.() ?? new Date(), result.durationMs, result.bytes);
    log.info(
      {
        backup: {
          file: result.file,
          bytes: result.bytes,
          durationMs: result.durationMs,
          members: result.manifest.members.length,
          encrypted: result.encrypted,
          uploaded,
          pruned,
        },
      },
      'backup done',
    );
    return { ...result, pruned, uploaded };
  } catch (err) {
    o.metrics?.failed();
    log.error({ errorCode: ErrorCode.backup, err: errorSummary(err), backupDir: backupDirOf(config) }, 'backup failed');
    throw err;
  }
}
