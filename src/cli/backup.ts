/**
 * `hearth backup [--out PATH]`, `hearth backup verify PATH` and `hearth restore PATH [--data-dir DIR]`.
 * Exit 0 on success; non-zero with the reason on stderr otherwise.
 */
import { resolve } from 'node:path';
import { loadConfig } from '../core/config-load.js';
import { runBackup } from '../ops/backup/backup.js';
import { runRestore, verifyBackup } from '../ops/backup/restore.js';
import { reportConfigError } from './config-validate.js';
import { progressBar } from './progress-bar.js';

function loadOrExit(file: string | undefined) {
  try {
    return loadConfig({ file });
  } catch (err) {
    reportConfigError(err);
    process.exit(1);
  }
}

const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;

/** Writes one archive of everything stored; Hearth may keep running meanwhile. */
export async function backupCommand(opts: { out?: string; config?: string }): Promise<void> {
  const { config, file } = loadOrExit(opts.config);
  const bar = progressBar();
  try {
    const r = await runBackup({
      config,
      configFile: file,
      channelsFile: config.channels ? resolve(config.channels) : undefined,
      out: opts.out,
      hearthVersion: process.env.npm_package_version,
      onProgress: (p) => bar.update(p.done, p.total, p.step),
    });
    bar.end();
    const models = r.manifest.models.length
      ? `, ${r.manifest.models.length} model files (${r.modelsCopied} new in the model cache)`
      : '';
    const note = r.manifest.history.included ? '' : ' — MongoDB history is not included: back it up with mongodump';
    console.log(
      `backup written: ${r.file} (${mib(r.bytes)}, ${r.manifest.members.length} members${models}${r.encrypted ? ', encrypted' : ''})${note}`,
    );
  } catch (err) {
    bar.end();
    console.error(`backup failed: ${(err as Error).message}`);
    process.exitCode = 1;
  }
}

/** Checks every member of an archive against its manifest; exit 1 naming each problem. */
export async function backupVerifyCommand(path: string, opts: { config?: string }): Promise<void> {
  const { config } = loadOrExit(opts.config);
  try {
    const r = await verifyBackup(path, { keyFile: config.backup.encryption.keyFile });
    if (r.problems.length > 0) {
      console.error(`${path}: NOT OK`);
      for (const p of r.problems) console.error(`  ${p}`);
      process.exitCode = 1;
      return;
    }
    console.log(
      `${path}: ok — ${r.manifest!.members.length} members and ${r.manifest!.models.length} model files match their checksums (taken ${r.manifest!.createdAt})`,
    );
  } catch (err) {
    console.error(`${path}: ${(err as Error).message}`);
    process.exitCode = 1;
  }
}

/** Restores an archive into an empty data folder (and an empty PostgreSQL schema for PostgreSQL history). */
export async function restoreCommand(
  path: string,
  opts: { dataDir?: string; historyUrl?: string; config?: string },
): Promise<void> {
  const { config } = loadOrExit(opts.config);
  try {
    const r = await runRestore({
      archive: path,
      dataDir: opts.dataDir ?? config.dataDir,
      historyUrl: opts.historyUrl ?? config.storage.history.url ?? process.env.HEARTH_HISTORY_URL,
      keyFile: config.backup.encryption.keyFile,
      onProgress: (step) => process.stderr.isTTY && process.stderr.write(`${step}…\n`),
    });
    console.log(`restored ${r.manifest.createdAt} backup into ${r.dataDir}`);
    if (r.configDir)
      console.log(
        `the archived config files are in ${r.configDir} (not applied: copy them where Hearth reads its config)`,
      );
  } catch (err) {
    console.error(`restore failed: ${(err as Error).message}`);
    process.exitCode = 1;
  }
}
