/**
 * Named secrets stored encrypted at rest (channel tokens and provider API keys set through the
 * admin console). SQLite table `secrets` in security.db; the value column only ever holds
 * ciphertext, bound to the secret's name so values cannot be swapped between names.
 */
import { existsSync } from 'node:fs';
import { openDatabase } from '../storage/sqlite-driver.js';
import type { EncryptedField, EncryptedFieldSource } from './encrypted-fields.js';
import type { FieldCipher } from './field-cipher.js';

export interface SecretStore extends EncryptedFieldSource {
  set(name: string, value: string): Promise<void>;
  get(name: string): Promise<string | undefined>;
  delete(name: string): Promise<boolean>;
  names(): Promise<string[]>;
  close(): void;
}

const contextOf = (name: string) => `secret:${name}`;

/**
 * Names of the secrets users set for `${secret:NAME}` config references carry this prefix in the
 * table, apart from the ones Hearth itself keeps there (added models' API keys).
 */
export const CONFIG_SECRET_PREFIX = 'config:';

/** The user-set secrets (`hearth secrets set`), by their name without the prefix; read synchronously at config load. */
export function readConfigSecrets(file: string, cipher: FieldCipher): Map<string, string> {
  const out = new Map<string, string>();
  if (!existsSync(file)) return out;
  const db = openDatabase(file, { readonly: true });
  try {
    const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'secrets'").get();
    if (!exists) return out;
    const rows = db
      .prepare('SELECT name, value FROM secrets WHERE substr(name, 1, ?) = ?')
      .all(CONFIG_SECRET_PREFIX.length, CONFIG_SECRET_PREFIX) as Array<{ name: string; value: string }>;
    for (const r of rows)
      out.set(r.name.slice(CONFIG_SECRET_PREFIX.length), cipher.decrypt(r.value, contextOf(r.name)));
    return out;
  } finally {
    db.close();
  }
}

/** Opens the secret table in the SQLite file `file`. */
export function openSqliteSecretStore(file: string, cipher: FieldCipher): SecretStore {
  const db = openDatabase(file);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  db.exec(
    'CREATE TABLE IF NOT EXISTS secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at INTEGER NOT NULL)',
  );
  const q = {
    set: db.prepare(
      'INSERT INTO secrets (name, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
    ),
    get: db.prepare('SELECT value FROM secrets WHERE name = ?'),
    del: db.prepare('DELETE FROM secrets WHERE name = ?'),
    all: db.prepare('SELECT name, value FROM secrets ORDER BY name'),
    replace: db.prepare('UPDATE secrets SET value = ?, updated_at = ? WHERE name = ? AND value = ?'),
  };
  return {
    name: 'secrets',
    async set(name, value) {
      q.set.run(name, cipher.encrypt(value, contextOf(name)), Date.now());
    },
    async get(name) {
      const row = q.get.get(name) as { value: string } | undefined;
      return row ? cipher.decrypt(row.value, contextOf(name)) : undefined;
    },
    async delete(name) {
      return q.del.run(name).changes > 0;
    },
    async names() {
      return (q.all.all() as Array<{ name: string }>).map((r) => r.name);
    },
    *fields(): Iterable<EncryptedField> {
      for (const r of q.all.all() as Array<{ name: string; value: string }>)
        yield { id: r.name, value: r.value, context: contextOf(r.name) };
    },
    async replace(id, expected, value) {
      return q.replace.run(value, Date.now(), id, expected).changes > 0;
    },
    close() {
      db.close();
    },
  };
}
