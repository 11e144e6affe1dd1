/**
 * Optional encryption of a whole backup archive with AES-256-GCM (node:crypto). Layout:
 * `HRTHENC1` · 12-byte IV · ciphertext · 16-byte tag. The tag covers the header too, so a flipped
 * byte anywhere makes decryption fail instead of yielding a damaged archive.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';

const MAGIC = Buffer.from('HRTHENC1');
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * The backup key: env HEARTH_BACKUP_KEY, else the configured key file; base64 of 32 bytes.
 * Undefined when neither is set (archives are then written unencrypted).
 */
export function loadBackupKey(
  keyFile: string | undefined,
  env: Record<string, string | undefined> = process.env,
): Buffer | undefined {
  const text = env.HEARTH_BACKUP_KEY?.trim() || (keyFile ? readFileSync(keyFile, 'utf8').trim() : undefined);
  if (!text) return undefined;
  const key = Buffer.from(text, 'base64');
  // The key's value is never put in the message: only what is wrong with it.
  if (key.length !== 32)
    throw new Error(
      `the backup key (${env.HEARTH_BACKUP_KEY ? 'HEARTH_BACKUP_KEY' : keyFile}) must be base64 of 32 bytes, it has ${key.length}`,
    );
  return key;
}

/** True when the file starts with the encrypted-archive header. */
export async function isEncryptedArchive(file: string): Promise<boolean> {
  const fh = await open(file, 'r');
  try {
    const head = Buffer.alloc(MAGIC.length);
    const { bytesRead } = await fh.read(head, 0, MAGIC.length, 0);
    return bytesRead === MAGIC.length && head.equals(MAGIC);
  } finally {
    await fh.close();
  }
}

/** Encrypts `src` into `dest`. */
export async function encryptFile(src: string, dest: string, key: Buffer): Promise<void> {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(MAGIC);
  const out = createWriteStream(dest, { mode: 0o600 });
  out.write(Buffer.concat([MAGIC, iv]));
  await pipeline(createReadStream(src), cipher, out, { end: false });
  await new Promise<void>((resolve, reject) => out.end(cipher.getAuthTag(), () => resolve()).on('error', reject));
}

/** Decrypts `src` into `dest`; throws (and `dest` must then be discarded) when the key is wrong or a byte changed. */
export async function decryptFile(src: string, dest: string, key: Buffer): Promise<void> {
  const fh = await open(src, 'r');
  let iv: Buffer;
  let tag: Buffer;
  let size: number;
  try {
    size = (await fh.stat()).size;
    if (size < MAGIC.length + IV_BYTES + TAG_BYTES) throw new Error('the encrypted archive is truncated');
    iv = Buffer.alloc(IV_BYTES);
    await fh.read(iv, 0, IV_BYTES, MAGIC.length);
    tag = Buffer.alloc(TAG_BYTES);
    await fh.read(tag, 0, TAG_BYTES, size - TAG_BYTES);
  } finally {
    await fh.close();
  }
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(MAGIC);
  decipher.setAuthTag(tag);
  const body = createReadStream(src, { start: MAGIC.length + IV_BYTES, end: size - TAG_BYTES - 1 });
  try {
    await pipeline(body, decipher, createWriteStream(dest, { mode: 0o600 }));
  } catch (err) {
    throw new Error('the archive could not be decrypted: wrong key, or the file was changed or damaged', {
      cause: err,
    });
  }
}
