/**
 * Where the security module keeps its files inside the data folder, and opening the field
 * cipher from them (shared by the server and the CLI).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { SecurityConfig } from './context.js';
import { FieldCipher } from './field-cipher.js';
import { loadMasterKey } from './master-key.js';

/** Paths of the security files inside the data folder. */
export function securityPaths(dataDir: string) {
  const dir = join(dataDir, 'security');
  return {
    dir,
    db: join(dir, 'security.db'),
    audit: join(dir, 'audit.db'),
    keyring: join(dir, 'keyring.json'),
    masterKey: join(dir, 'master.key'),
    jwtKey: join(dir, 'jwt-signing.jwk'),
  };
}

/** Opens the field cipher (keyring + master key) of a data folder. */
export function openFieldCipher(
  config: SecurityConfig,
  dataDir: string,
  env: Record<string, string | undefined>,
  log: Logger,
): FieldCipher {
  const paths = securityPaths(dataDir);
  mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
  const kek = loadMasterKey({ env, file: config.encryption.masterKeyFile, generatedFile: paths.masterKey, log });
  return FieldCipher.open(paths.keyring, kek);
}
