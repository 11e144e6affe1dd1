/**
 * WhatsApp Web credentials at rest. Baileys' `useMultiFileAuthState` keeps the linked device's
 * identity and Signal session keys as plaintext JSON files; whoever copies them can read the
 * account's messages. This adapter has the same shape (creds + keys get/set, Baileys' `BufferJSON`
 * for serialization, one file per item with the same names) but every file holds one value
 * encrypted by the security module's field cipher (AES-256-GCM), bound to its file name so files
 * cannot be swapped. Plaintext files left by an older Hearth (or by Baileys itself) are encrypted
 * in place when the folder is opened.
 */
import { mkdir, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  BufferJSON,
  initAuthCreds,
  proto,
  type AuthenticationCreds,
  type AuthenticationState,
  type SignalDataSet,
  type SignalDataTypeMap,
} from '@whiskeysockets/baileys';
import { ErrorCode, HearthError } from '../../core/errors.js';

/** The part of the security module's FieldCipher this store needs (ChannelDeps.cipher). */
export interface TextCipher {
  encrypt(plain: string, context: string): string;
  decrypt(value: string, context: string): string;
}

/** What the store gives the channel: Baileys' auth state, the creds saver, and what it migrated. */
export interface FileAuthState {
  state: AuthenticationState;
  saveCreds(): Promise<void>;
  /** Names of plaintext files that were encrypted while opening. */
  migrated: string[];
  /** Resolves when every read and write started so far has finished (before the folder is deleted). */
  settled(): Promise<void>;
}

/** Marks a value written by `FieldCipher.encrypt` (see src/security/field-cipher.ts). */
const ENCRYPTED_PREFIX = 'hearth:enc:';

/** The associated-data context of one file: a ciphertext only opens under its own file name. */
export function fileContext(fileName: string): string {
  return `channels.whatsapp.auth/${fileName}`;
}

/** Baileys' file naming: `/` and `:` are not safe in file names. */
function fileNameOf(item: string): string {
  return item.replace(/\//g, '__').replace(/:/g, '-');
}

/** Serializes reads and writes per file, as Baileys does, so a write never races a read. */
class FileLocks {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(path: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(path) ?? Promise.resolve();
    const next = previous.then(work, work);
    const tail = next.catch(() => undefined);
    this.tails.set(path, tail);
    void tail.then(() => {
      if (this.tails.get(path) === tail) this.tails.delete(path);
    });
    return next;
  }

  /** Resolves when all work queued so far is done. */
  async idle(): Promise<void> {
    while (this.tails.size > 0) await Promise.all([...this.tails.values()]);
  }
}

/**
 * Opens (creating if needed) the auth folder. With a `cipher`, every file is stored encrypted and
 * plaintext files found are encrypted now; without one, files stay plaintext JSON (Baileys'
 * format) and an encrypted folder fails with HEARTH_E_CRYPTO rather than being overwritten.
 */
export async function useEncryptedFileAuthState(
  folder: string,
  cipher: TextCipher | undefined,
): Promise<FileAuthState> {
  const info = await stat(folder).catch(() => undefined);
  if (info && !info.isDirectory())
    throw new HearthError(ErrorCode.storage, `WhatsApp auth folder ${folder} is not a directory`);
  await mkdir(folder, { recursive: true, mode: 0o700 });
  const locks = new FileLocks();

  const decode = (fileName: string, text: string): unknown => {
    if (text.startsWith(ENCRYPTED_PREFIX)) {
      if (!cipher)
        throw new HearthError(
          ErrorCode.crypto,
          `WhatsApp credential ${fileName} is encrypted but no cipher was given to the channel`,
        );
      let plain: string;
      try {
        plain = cipher.decrypt(text.trim(), fileContext(fileName));
      } catch (error) {
        const why = error instanceof Error ? error.message : String(error);
        throw new HearthError(
          ErrorCode.crypto,
          `WhatsApp credentials in ${folder} cannot be decrypted (${fileName}: ${why}); start with the master key they were written with, or delete the folder and link the device again`,
          500,
          { cause: error },
        );
      }
      return JSON.parse(plain, BufferJSON.reviver);
    }
    return JSON.parse(text, BufferJSON.reviver);
  };

  const encode = (fileName: string, value: unknown): string => {
    const json = JSON.stringify(value, BufferJSON.replacer);
    return cipher ? cipher.encrypt(json, fileContext(fileName)) : json;
  };

  const write = (fileName: string, value: unknown) =>
    locks.run(join(folder, fileName), async () => {
      const path = join(folder, fileName);
      // Write then rename: a crash mid-write must not leave a half file that no longer decrypts.
      const tmp = `${path}.${process.pid}.tmp`;
      await writeFile(tmp, encode(fileName, value), { mode: 0o600 });
      await rename(tmp, path);
    });

  /** Reads one file; a missing file is `null`, unreadable JSON is `null` (as in Baileys), a crypto failure throws. */
  const read = (fileName: string) =>
    locks.run(join(folder, fileName), async () => {
      let text: string;
      try {
        text = await readFile(join(folder, fileName), 'utf8');
      } catch {
        return null;
      }
      try {
        return decode(fileName, text);
      } catch (error) {
        if (error instanceof HearthError) throw error;
        return null;
      }
    });

  const remove = (fileName: string) =>
    locks.run(join(folder, fileName), async () => {
      await unlink(join(folder, fileName)).catch(() => undefined);
    });

  const migrated = cipher ? await encryptPlaintextFiles(folder, read, write) : [];
  const creds = ((await read('creds.json')) as AuthenticationCreds | null) ?? initAuthCreds();

  return {
    migrated,
    settled: () => locks.idle(),
    saveCreds: () => write('creds.json', creds),
    state: {
      creds,
      keys: {
        async get<T extends keyof SignalDataTypeMap>(type: T, ids: string[]) {
          const data: { [id: string]: SignalDataTypeMap[T] } = {};
          await Promise.all(
            ids.map(async (id) => {
              let value = (await read(fileNameOf(`${type}-${id}.json`))) as unknown;
              if (type === 'app-state-sync-key' && value)
                value = proto.Message.AppStateSyncKeyData.fromObject(value as object);
              data[id] = value as SignalDataTypeMap[T];
            }),
          );
          return data;
        },
        async set(data: SignalDataSet) {
          const tasks: Promise<void>[] = [];
          for (const category of Object.keys(data) as Array<keyof SignalDataSet>) {
            const items = data[category] ?? {};
            for (const id of Object.keys(items)) {
              const value = items[id];
              const fileName = fileNameOf(`${category}-${id}.json`);
              tasks.push(value ? write(fileName, value) : remove(fileName));
            }
          }
          await Promise.all(tasks);
        },
      },
    },
  };
}

/** Encrypts, in place, every plaintext JSON file of the folder; returns their names. */
async function encryptPlaintextFiles(
  folder: string,
  read: (fileName: string) => Promise<unknown>,
  write: (fileName: string, value: unknown) => Promise<void>,
): Promise<string[]> {
  const migrated: string[] = [];
  for (const fileName of await readdir(folder)) {
    if (!fileName.endsWith('.json')) continue;
    const head = await readFile(join(folder, fileName), 'utf8').catch(() => '');
    if (!head || head.startsWith(ENCRYPTED_PREFIX)) continue;
    const value = await read(fileName);
    if (value === null) continue;
    await write(fileName, value);
    migrated.push(fileName);
  }
  return migrated;
}
