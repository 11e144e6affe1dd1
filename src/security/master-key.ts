/**
 * The key-encryption key (KEK) that wraps the data keys of the keyring: from env
 * `HEARTH_MASTER_KEY` (base64, 32 bytes), else a key file; on a first run without either, a key
 * is generated into the data folder (convenient, but it then sits next to the data it protects).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createOnce } from './exclusive-file.js';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { ErrorCode, HearthError } from '../core/errors.js';

function decode(text: string, where: string): Buffer {
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length !== 32) {
    throw new HearthError(
      ErrorCode.crypto,
      `${where} must be 32 bytes encoded as base64 (got ${key.length} bytes); generate one with: openssl rand -base64 32`,
    );
  }
  return key;
}

export interface MasterKeySource {
  env: Record<string, string | undefined>;
  /** security.encryption.masterKeyFile */
  file?: string;
  /** Where a generated key goes when neither the env nor the file gives one. */
  generatedFile: string;
  log: Logger;
}

/** Loads (or on first run creates) the 32-byte KEK. */
export function loadMasterKey(src: MasterKeySource): Buffer {
  const fromEnv = src.env.HEARTH_MASTER_KEY;
  if (fromEnv) return decode(fromEnv, 'HEARTH_MASTER_KEY');
  if (src.file) {
    if (!existsSync(src.file)) throw new HearthError(ErrorCode.crypto, `master key file ${src.file} does not exist`);
    return decode(readFileSync(src.file, 'utf8'), `master key file ${src.file}`);
  }
  if (existsSync(src.generatedFile))
    return decode(readFileSync(src.generatedFile, 'utf8'), `master key file ${src.generatedFile}`);
  const mine = randomBytes(32).toString('base64') + '\n';
  const key = decode(createOnce(src.generatedFile, mine), `master key file ${src.generatedFile}`);
  src.log.warn(
    { file: src.generatedFile },
    'generated a master key inside the data folder; set HEARTH_MASTER_KEY and remove the file to keep the key apart from the data',
  );
  return key;
}
