/**
 * `hearth history export --user X` and `hearth history delete --user X`: per-user export and
 * erasure, the same on every history backend (they go through the HistoryStore seam).
 */
import { writeFileSync } from 'node:fs';
import { loadConfig } from '../core/config-load.js';
import type { HistoryStore } from '../core/stores.js';
import { createHistoryStore } from '../storage/index.js';
import { reportConfigError } from './config-validate.js';

async function withHistory<T>(
  configFile: string | undefined,
  fn: (h: HistoryStore) => Promise<T>,
): Promise<T | undefined> {
  try {
    const store = await createHistoryStore(loadConfig({ file: configFile }).config);
    await store.open();
    try {
      return await fn(store);
    } finally {
      await store.close();
    }
  } catch (err) {
    reportConfigError(err);
    process.exitCode = 1;
    return undefined;
  }
}

/** Writes every conversation and turn of one user as JSON, to stdout or `--out`. */
export async function historyExportCommand(opts: { user: string; out?: string; config?: string }): Promise<void> {
  await withHistory(opts.config, async (h) => {
    const dump = { userId: opts.user, exportedAt: new Date().toISOString(), ...(await h.exportUser(opts.user)) };
    const text = JSON.stringify(dump, null, 2) + '\n';
    if (opts.out) {
      writeFileSync(opts.out, text, { mode: 0o600 });
      console.error(
        `exported ${dump.conversations.length} conversations, ${dump.messages.length} messages to ${opts.out}`,
      );
    } else process.stdout.write(text);
  });
}

/** Deletes everything stored about one user; prints how many conversations went. */
export async function historyDeleteCommand(opts: { user: string; config?: string }): Promise<void> {
  await withHistory(opts.config, async (h) => {
    const d = await h.deleteUser(opts.user);
    console.log(
      `deleted ${d.conversations} conversations of user ${opts.user} (and ${d.messages} turns in shared conversations)`,
    );
  });
}
