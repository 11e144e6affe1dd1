/**
 * `hearth history export --user X` and `hearth history delete --user X`: per-user export and
 * erasure, the same on every history backend and the same data as the admin API's
 * (src/privacy/user-data.ts): history, stored files, notes, pending pairings.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadConfig } from '../core/config-load.js';
import { AccessControl } from '../gateway/pipeline/access.js';
import { UserData } from '../privacy/user-data.js';
import { notesData } from '../skills/builtin/notes/index.js';
import { openStores } from '../storage/index.js';
import { reportConfigError } from './config-validate.js';

async function withUserData<T>(
  configFile: string | undefined,
  fn: (u: UserData) => Promise<T>,
): Promise<T | undefined> {
  try {
    const { config } = loadConfig({ file: configFile });
    const stores = await openStores(config);
    try {
      const access = new AccessControl(stores.history, stores.sessions);
      return await fn(
        new UserData(stores.history, stores.blobs, [notesData(resolve(config.dataDir)), access.personalData()]),
      );
    } finally {
      await stores.close();
    }
  } catch (err) {
    reportConfigError(err);
    process.exitCode = 1;
    return undefined;
  }
}

/** Writes everything stored about one user as JSON, to stdout or `--out`. */
export async function historyExportCommand(opts: { user: string; out?: string; config?: string }): Promise<void> {
  await withUserData(opts.config, async (u) => {
    const dump = await u.export(opts.user);
    const text = JSON.stringify(dump, null, 2) + '\n';
    if (opts.out) {
      writeFileSync(opts.out, text, { mode: 0o600 });
      console.error(
        `exported ${dump.conversations.length} conversations, ${dump.messages.length} messages, ${dump.blobs.length} files to ${opts.out}`,
      );
    } else process.stdout.write(text);
  });
}

/** Deletes everything stored about one user; prints what went. */
export async function historyDeleteCommand(opts: { user: string; config?: string }): Promise<void> {
  await withUserData(opts.config, async (u) => {
    const d = await u.delete(opts.user);
    const others = Object.entries(d)
      .filter(([k]) => !['conversations', 'messages'].includes(k))
      .map(([k, n]) => `${n} ${k}`)
      .join(', ');
    console.log(
      `deleted ${d.conversations} conversations of user ${opts.user} (and ${d.messages} of their messages in shared conversations; ${others})`,
    );
  });
}
