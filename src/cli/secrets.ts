/**
 * `hearth secrets set|list|delete`: the values config files refer to as `${secret:NAME}`, kept
 * encrypted in the data folder's secret store (AES-256-GCM under the keyring, rotated by
 * `hearth keys rotate`). `set` reads the value from stdin — hidden on a terminal, or piped — so it
 * never appears in a shell history or a process list. A running Hearth picks a changed value up on
 * its next start or config reload.
 */
import { resolve } from 'node:path';
import { loadConfig } from '../core/config-load.js';
import { createLogger } from '../gateway/logger.js';
import { openFieldCipher, securityPaths } from '../security/data-files.js';
import { SECRET_NAME } from '../security/secret-refs.js';
import { CONFIG_SECRET_PREFIX, openSqliteSecretStore, type SecretStore } from '../security/secret-store.js';
import { readHidden, readPiped } from './admin.js';
import { reportConfigError } from './config-validate.js';

async function withStore<T>(file: string | undefined, run: (store: SecretStore) => Promise<T>): Promise<T> {
  let config;
  try {
    config = loadConfig({ file }).config;
  } catch (err) {
    reportConfigError(err);
    process.exit(1);
  }
  const dataDir = resolve(config.dataDir);
  const cipher = openFieldCipher(config.security, dataDir, process.env, createLogger('warn'));
  const store = openSqliteSecretStore(securityPaths(dataDir).db, cipher);
  try {
    return await run(store);
  } finally {
    store.close();
  }
}

function checkName(name: string): boolean {
  if (SECRET_NAME.test(name)) return true;
  console.error(`"${name}" is not a secret name: 1-100 letters, digits, _ . - (starting with a letter or digit)`);
  process.exitCode = 1;
  return false;
}

export async function secretsSetCommand(name: string, opts: { config?: string }): Promise<void> {
  if (!checkName(name)) return;
  const value = process.stdin.isTTY ? await readHidden(`value of ${name}: `) : await readPiped();
  if (!value) {
    console.error('the value is empty; nothing was stored');
    process.exitCode = 1;
    return;
  }
  await withStore(opts.config, (store) => store.set(CONFIG_SECRET_PREFIX + name, value));
  console.log(`stored ${name} (encrypted); refer to it as \${secret:${name}}`);
}

export async function secretsListCommand(opts: { config?: string }): Promise<void> {
  const names = await withStore(opts.config, (store) => store.names());
  for (const n of names) if (n.startsWith(CONFIG_SECRET_PREFIX)) console.log(n.slice(CONFIG_SECRET_PREFIX.length));
}

export async function secretsDeleteCommand(name: string, opts: { config?: string }): Promise<void> {
  if (!checkName(name)) return;
  const gone = await withStore(opts.config, (store) => store.delete(CONFIG_SECRET_PREFIX + name));
  if (!gone) {
    console.error(`no secret ${name}`);
    process.exitCode = 1;
  }
}
