/**
 * The WhatsApp Web credential files as seen by `hearth keys rotate`. Rotation re-encrypts every
 * value it knows of and then retires data keys nothing uses; credential files it did not know of
 * would become unreadable. This source lists them (one value per file, with the context the file
 * was encrypted with) so they are re-encrypted under the new key like every other field.
 * Shaped like the security module's `EncryptedFieldSource`, which it satisfies structurally.
 */
import { readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileContext } from './encrypted-auth-state.js';

/** One encrypted credential file: its name, its content and its associated-data context. */
export interface AuthField {
  id: string;
  value: string;
  context: string;
}

/** Lists and rewrites the encrypted files of a WhatsApp auth folder (a missing folder has none). */
export function whatsappAuthKeySource(authDir: string) {
  return {
    name: `whatsapp-auth:${authDir}`,
    async *fields(): AsyncIterable<AuthField> {
      const names = await readdir(authDir).catch(() => [] as string[]);
      for (const name of names) {
        if (!name.endsWith('.json')) continue;
        const value = (await readFile(join(authDir, name), 'utf8').catch(() => '')).trim();
        if (value.startsWith('hearth:enc:')) yield { id: name, value, context: fileContext(name) };
      }
    },
    /** Replaces a file's value only while it still holds `expected` (a concurrent save wins). */
    async replace(id: string, expected: string, value: string): Promise<boolean> {
      const path = join(authDir, id);
      const current = (await readFile(path, 'utf8').catch(() => '')).trim();
      if (current !== expected) return false;
      const tmp = `${path}.${process.pid}.rotate.tmp`;
      await writeFile(tmp, value, { mode: 0o600 });
      await rename(tmp, path);
      return true;
    },
  };
}
