/**
 * AES-256-GCM encryption of sensitive fields (channel tokens, provider API keys, optionally
 * message bodies). Values are encrypted with data keys kept in a keyring file, each data key
 * wrapped by the master key (KEK). A value carries the id of its data key:
 *
 *   hearth:enc:v1:<keyId>:<iv base64url>:<ciphertext+tag base64url>
 *
 * so rotation can add a key, re-encrypt values one by one while both keys decrypt, then retire
 * the old one. Another process (the `hearth keys rotate` CLI) may change the keyring file while a
 * server runs; the cipher notices the file changed and reloads it.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createOnce } from './exclusive-file.js';
import { dirname } from 'node:path';
import { ErrorCode, HearthError } from '../core/errors.js';

const PREFIX = 'hearth:enc:v1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;

interface KeyringFile {
  version: 1;
  /** Fingerprint of the KEK the keys are wrapped with, to name a wrong master key clearly. */
  kek: string;
  active: string;
  keys: Array<{ id: string; createdAt: number; wrapped: string }>;
}

function kekFingerprint(kek: Buffer): string {
  return createHmac('sha256', kek).update('hearth keyring fingerprint').digest('hex').slice(0, 16);
}

function seal(key: Buffer, plaintext: Buffer, aad: string): Buffer {
  const iv = randomBytes(IV_BYTES);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(Buffer.from(aad));
  const body = Buffer.concat([c.update(plaintext), c.final()]);
  return Buffer.concat([iv, body, c.getAuthTag()]);
}

/** Decrypts iv|ciphertext|tag; undefined when authentication fails (wrong key or tampering). */
function open(key: Buffer, sealed: Buffer, aad: string): Buffer | undefined {
  if (sealed.length < IV_BYTES + TAG_BYTES) return undefined;
  try {
    const d = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, IV_BYTES));
    d.setAAD(Buffer.from(aad));
    d.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    return Buffer.concat([d.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)), d.final()]);
  } catch {
    return undefined;
  }
}

function newKeyId(): string {
  return `k${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
}

export class FieldCipher {
  private keys = new Map<string, Buffer>();
  private created = new Map<string, number>();
  private active = '';
  private loadedMtime = 0;

  private constructor(
    private readonly file: string,
    private kek: Buffer,
  ) {}

  /** Opens the keyring at `file` with the KEK, creating it with one data key on first use. */
  static open(file: string, kek: Buffer): FieldCipher {
    const cipher = new FieldCipher(file, kek);
    if (!existsSync(file)) {
      // First run: create the keyring with one data key, unless another replica just did.
      const id = newKeyId();
      cipher.keys.set(id, randomBytes(32));
      cipher.created.set(id, Date.now());
      cipher.active = id;
      createOnce(file, cipher.serialize());
    }
    cipher.load();
    return cipher;
  }

  /** True when a stored value is in the encrypted format (so plaintext from older versions can be migrated). */
  static isEncrypted(value: string): boolean {
    return value.startsWith(PREFIX);
  }

  /** The data key id a value was encrypted with, or undefined for plaintext. */
  static keyIdOf(value: string): string | undefined {
    return FieldCipher.isEncrypted(value) ? value.slice(PREFIX.length).split(':')[0] : undefined;
  }

  get activeKeyId(): string {
    this.reloadIfChanged();
    return this.active;
  }

  keyIds(): string[] {
    this.reloadIfChanged();
    return [...this.keys.keys()];
  }

  /**
   * Encrypts under the active data key. `context` (e.g. `channels.slack.botToken`) is bound as
   * associated data, so a ciphertext copied into another field does not decrypt.
   */
  encrypt(plaintext: string, context = ''): string {
    this.reloadIfChanged();
    const key = this.keys.get(this.active)!;
    const sealed = seal(key, Buffer.from(plaintext, 'utf8'), `${this.active}|${context}`);
    const iv = sealed.subarray(0, IV_BYTES).toString('base64url');
    return `${PREFIX}${this.active}:${iv}:${sealed.subarray(IV_BYTES).toString('base64url')}`;
  }

  /** Decrypts a value from `encrypt`; a clear HEARTH_E_CRYPTO error for unknown keys, tampering or a wrong key. */
  decrypt(value: string, context = ''): string {
    if (!FieldCipher.isEncrypted(value))
      throw new HearthError(ErrorCode.crypto, 'value is not in the encrypted format');
    const [kid, iv, body, extra] = value.slice(PREFIX.length).split(':');
    if (!kid || !iv || !body || extra !== undefined)
      throw new HearthError(ErrorCode.crypto, 'encrypted value is malformed');
    let key = this.keys.get(kid);
    if (!key) {
      this.reloadIfChanged(true);
      key = this.keys.get(kid);
    }
    if (!key)
      throw new HearthError(
        ErrorCode.crypto,
        `value was encrypted with data key ${kid}, which is not in the keyring (retired or from another installation)`,
      );
    const plain = open(
      key,
      Buffer.concat([Buffer.from(iv, 'base64url'), Buffer.from(body, 'base64url')]),
      `${kid}|${context}`,
    );
    if (!plain)
      throw new HearthError(
        ErrorCode.crypto,
        `value failed authentication under data key ${kid}: it was altered, or belongs to another field`,
      );
    return plain.toString('utf8');
  }

  /** Adds a new data key and makes it the active one. Returns its id. */
  addKey(): string {
    this.reloadIfChanged();
    const id = newKeyId();
    this.keys.set(id, randomBytes(32));
    this.created.set(id, Date.now());
    this.active = id;
    this.save();
    return id;
  }

  /** Removes a data key; values still encrypted with it become unreadable, so callers check usage first. */
  retireKey(id: string): void {
    this.reloadIfChanged();
    if (id === this.active)
      throw new HearthError(ErrorCode.crypto, `data key ${id} is the active key; add a new key before retiring it`);
    if (!this.keys.delete(id)) throw new HearthError(ErrorCode.crypto, `no data key ${id} in the keyring`);
    this.save();
  }

  /** Re-wraps every data key under a new master key (KEK rotation); stored values are untouched. */
  rewrap(newKek: Buffer): void {
    this.reloadIfChanged();
    this.kek = newKek;
    this.save();
  }

  private load(): void {
    const st = statSync(this.file);
    const ring = JSON.parse(readFileSync(this.file, 'utf8')) as KeyringFile;
    if (ring.version !== 1 || !Array.isArray(ring.keys))
      throw new HearthError(ErrorCode.crypto, `keyring ${this.file} has an unknown format`);
    if (ring.kek !== kekFingerprint(this.kek)) {
      throw new HearthError(
        ErrorCode.crypto,
        `the master key (HEARTH_MASTER_KEY or key file) is not the one keyring ${this.file} was written with; encrypted values cannot be read with it`,
      );
    }
    const keys = new Map<string, Buffer>();
    this.created = new Map(ring.keys.map((k) => [k.id, k.createdAt]));
    for (const k of ring.keys) {
      const key = open(this.kek, Buffer.from(k.wrapped, 'base64url'), `keyring|${k.id}`);
      if (!key)
        throw new HearthError(
          ErrorCode.crypto,
          `data key ${k.id} in ${this.file} does not open with the master key (file altered?)`,
        );
      keys.set(k.id, key);
    }
    if (!keys.has(ring.active))
      throw new HearthError(ErrorCode.crypto, `keyring ${this.file} names a missing active key ${ring.active}`);
    this.keys = keys;
    this.active = ring.active;
    this.loadedMtime = st.mtimeMs;
  }

  private reloadIfChanged(force = false): void {
    if (!existsSync(this.file)) return;
    const mtime = statSync(this.file).mtimeMs;
    if (force || mtime !== this.loadedMtime) this.load();
  }

  private serialize(): string {
    const ring: KeyringFile = {
      version: 1,
      kek: kekFingerprint(this.kek),
      active: this.active,
      keys: [...this.keys].map(([id, key]) => ({
        id,
        createdAt: this.created.get(id) ?? Date.now(),
        wrapped: seal(this.kek, key, `keyring|${id}`).toString('base64url'),
      })),
    };
    return JSON.stringify(ring, null, 2);
  }

  private save(): void {
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    // Write then rename, so a concurrent reader never sees half a keyring.
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, this.serialize(), { mode: 0o600 });
    renameSync(tmp, this.file);
    this.loadedMtime = statSync(this.file).mtimeMs;
  }
}
