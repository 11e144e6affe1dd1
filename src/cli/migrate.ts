/**
 * `hearth migrate`: brings the configured history database to this release's schema. Start does
 * this automatically (unless `storage.history.autoMigrate` is off); operators run it explicitly
 * before rolling out replicas, e.g. as a Kubernetes Job.
 */
import { loadConfig } from '../core/config-load.js';
import { createHistoryStore } from '../storage/index.js';
import { PostgresHistoryStore } from '../storage/history/postgres.js';
import { SqliteHistoryStore } from '../storage/history/sqlite.js';
import { reportConfigError } from './config-validate.js';

/** Opens the history store with migrations on and prints the schema version it is at. */
export async function migrateCommand(opts: { config?: string }): Promise<void> {
  try {
    const { config } = loadConfig({ file: opts.config });
    const cfg = {
      ...config,
      storage: { ...config.storage, history: { ...config.storage.history, autoMigrate: true } },
    };
    const store = await createHistoryStore(cfg);
    await store.open();
    const version =
      store instanceof PostgresHistoryStore
        ? await store.schemaVersion()
        : store instanceof SqliteHistoryStore
          ? store.schemaVersion()
          : undefined;
    await store.close();
    console.log(
      `history (${config.storage.history.kind}): schema is current${version !== undefined ? ` (version ${version})` : ''}`,
    );
  } catch (err) {
    reportConfigError(err);
    process.exitCode = 1;
  }
}
