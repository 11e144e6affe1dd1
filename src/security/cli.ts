/**
 * Entry points for the CLI (`hearth keys rotate`, `hearth audit verify`, `hearth audit export`).
 * Each opens the data folder's security files itself, so it runs beside a live server.
 */
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import type { Writable } from 'node:stream';
import type { Logger } from 'pino';
import { openSqliteAuditLog, type AuditVerifyReport } from './audit-log.js';
import type { SecurityConfig } from './context.js';
import type { EncryptedFieldSource } from './encrypted-fields.js';
import { openFieldCipher, securityPaths } from './data-files.js';
import { rotateDataKey, type RotationReport } from './key-rotation.js';
import { openSqliteSecretStore } from './secret-store.js';

export interface RotateKeysOptions {
  config: SecurityConfig;
  dataDir: string;
  log: Logger;
  env?: Record<string, string | undefined>;
  /** Stores with encrypted fields besides the secret store (e.g. the history store's message bodies). */
  sources?: EncryptedFieldSource[];
  /** Remove old data keys no value uses any more (default true). */
  retire?: boolean;
}

/** `hearth keys rotate`: new data key, everything re-encrypted, unused old keys retired, audited. */
export async function rotateKeys(o: RotateKeysOptions): Promise<RotationReport> {
  const cipher = openFieldCipher(o.config, o.dataDir, o.env ?? process.env, o.log);
  const paths = securityPaths(o.dataDir);
  const secrets = openSqliteSecretStore(paths.db, cipher);
  const audit = openSqliteAuditLog(paths.audit, o.config.audit.retentionDays);
  try {
    const report = await rotateDataKey(cipher, [secrets, ...(o.sources ?? [])], o.retire ?? true);
    await audit.record({
      actor: 'cli',
      action: 'keys.rotate',
      target: report.newKeyId,
      result: 'ok',
      detail: { ...report },
    });
    return report;
  } catch (err) {
    await audit.record({
      actor: 'cli',
      action: 'keys.rotate',
      result: 'error',
      detail: { error: (err as Error).message },
    });
    throw err;
  } finally {
    secrets.close();
    audit.close();
  }
}

/**
 * `hearth audit verify`: checks the hash chain and prints one line per problem.
 * Returns the exit code (0 intact, 1 tampered, 2 no audit log) with the report.
 */
export async function verifyAudit(o: {
  dataDir: string;
  retentionDays?: number;
  print?: (line: string) => void;
}): Promise<{ exitCode: number; report?: AuditVerifyReport }> {
  const print = o.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const file = securityPaths(o.dataDir).audit;
  if (!existsSync(file)) {
    print(`no audit log at ${file}`);
    return { exitCode: 2 };
  }
  const audit = openSqliteAuditLog(file, o.retentionDays ?? 365);
  try {
    const report = await audit.verify();
    if (report.ok) print(`audit log intact: ${report.rows} rows verified`);
    else {
      print(`audit log TAMPERED: ${report.problems.length} problem(s) in ${report.rows} rows`);
      for (const p of report.problems) print(`  row ${p.seq}: ${p.kind}: ${p.message}`);
    }
    return { exitCode: report.ok ? 0 : 1, report };
  } finally {
    audit.close();
  }
}

/** `hearth audit export`: writes the log as JSON lines to `out`; returns the number of rows. */
export async function exportAudit(o: { dataDir: string; out: Writable; since?: number }): Promise<number> {
  const audit = openSqliteAuditLog(securityPaths(o.dataDir).audit, 365);
  let n = 0;
  try {
    for await (const line of audit.export({ since: o.since })) {
      n++;
      if (!o.out.write(`${line}\n`)) await once(o.out, 'drain');
    }
    return n;
  } finally {
    audit.close();
  }
}
