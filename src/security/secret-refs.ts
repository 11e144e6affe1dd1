/**
 * Secrets kept out of the config file: a value written `${secret:NAME}` (the whole string) is read
 * from the encrypted secret store in the data folder, where `hearth secrets set NAME` or
 * `PUT /admin/secrets/NAME` put it. So a Home Assistant token, an MQTT password or a bot token is
 * encrypted at rest like the model keys added through the console, and rotated by `hearth keys rotate`.
 *
 * Resolved when Hearth starts and on every config reload, after validation (the reference is a string
 * like any other value), so it works for any string setting; `dataDir` and `security.encryption` are
 * needed to open the store and cannot themselves be references.
 */
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import { ConfigError, type ConfigProblem } from '../core/config-load.js';
import type { HearthConfig } from '../core/config.js';
import { openFieldCipher, securityPaths } from './data-files.js';
import { readConfigSecrets } from './secret-store.js';

/** What a secret may be called: it becomes part of a URL path and a CLI argument. */
export const SECRET_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;
const REF = /^\$\{secret:([^}]*)\}$/;

interface Ref {
  path: string[];
  name: string;
}

function refsIn(value: unknown, path: string[], out: Ref[]): Ref[] {
  if (typeof value === 'string') {
    const m = REF.exec(value);
    if (m) out.push({ path, name: m[1]! });
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => refsIn(v, [...path, String(i)], out));
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) refsIn(v, [...path, k], out);
  }
  return out;
}

function replaced(value: unknown, secrets: ReadonlyMap<string, string>): unknown {
  if (typeof value === 'string') {
    const m = REF.exec(value);
    return m ? (secrets.get(m[1]!) ?? value) : value;
  }
  if (Array.isArray(value)) return value.map((v) => replaced(v, secrets));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaced(v, secrets)]));
  return value;
}

/**
 * `value` with every `${secret:NAME}` replaced by the stored secret. Unknown or malformed names are
 * a ConfigError naming the file, the key and the command that sets the secret.
 */
export function resolveSecretRefs<T>(value: T, secrets: ReadonlyMap<string, string>, file: string): T {
  const problems: ConfigProblem[] = [];
  for (const ref of refsIn(value, [], [])) {
    const path = ref.path.join('.');
    if (!SECRET_NAME.test(ref.name))
      problems.push({ file, path, reason: `"${ref.name}" is not a secret name (letters, digits, _ . -)` });
    else if (!secrets.has(ref.name))
      problems.push({
        file,
        path,
        reason: `secret "${ref.name}" is not in the secret store: run \`hearth secrets set ${ref.name}\``,
      });
  }
  if (problems.length) throw new ConfigError(problems);
  return replaced(value, secrets) as T;
}

/** Whether anything in `value` is a `${secret:…}` reference. */
export function hasSecretRefs(value: unknown): boolean {
  return refsIn(value, [], []).length > 0;
}

/**
 * The secrets a config refers to, read from its data folder; an empty map (and no store opened)
 * when it refers to none.
 */
export function configSecrets(
  config: HearthConfig,
  extra: unknown,
  env: Record<string, string | undefined>,
  log: Logger,
): ReadonlyMap<string, string> {
  if (!hasSecretRefs(config) && !hasSecretRefs(extra)) return new Map();
  const dataDir = resolve(config.dataDir);
  const cipher = openFieldCipher(config.security, dataDir, env, log);
  return readConfigSecrets(securityPaths(dataDir).db, cipher);
}
