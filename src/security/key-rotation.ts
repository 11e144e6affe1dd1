/**
 * `hearth keys rotate`: add a new data key, re-encrypt every value of every source under it while
 * the old key still decrypts (no downtime: readers accept both), then retire old keys that no
 * value uses any more.
 */
import { FieldCipher } from './field-cipher.js';
import type { EncryptedFieldSource } from './encrypted-fields.js';

export interface RotationReport {
  newKeyId: string;
  reencrypted: number;
  /** Values changed by someone else mid-rotation and left as they were (already under the new key). */
  skipped: number;
  retired: string[];
  /** Old keys kept because values still use them (counts by key id). */
  stillInUse: Record<string, number>;
}

/** Re-encrypts values not under the active key; returns how many were rewritten and skipped. */
export async function reencryptAll(
  cipher: FieldCipher,
  sources: EncryptedFieldSource[],
): Promise<{ reencrypted: number; skipped: number }> {
  let reencrypted = 0;
  let skipped = 0;
  const active = cipher.activeKeyId;
  for (const source of sources) {
    for await (const f of source.fields()) {
      if (FieldCipher.keyIdOf(f.value) === active) continue;
      const plain = FieldCipher.isEncrypted(f.value) ? cipher.decrypt(f.value, f.context) : f.value;
      if (await source.replace(f.id, f.value, cipher.encrypt(plain, f.context))) reencrypted++;
      else skipped++;
    }
  }
  return { reencrypted, skipped };
}

/** How many stored values use each data key. */
export async function keyUsage(sources: EncryptedFieldSource[]): Promise<Record<string, number>> {
  const usage: Record<string, number> = {};
  for (const source of sources) {
    for await (const f of source.fields()) {
      const kid = FieldCipher.keyIdOf(f.value);
      if (kid) usage[kid] = (usage[kid] ?? 0) + 1;
    }
  }
  return usage;
}

/** Full rotation; with `retire`, old keys no value uses are removed from the keyring. */
export async function rotateDataKey(
  cipher: FieldCipher,
  sources: EncryptedFieldSource[],
  retire = true,
): Promise<RotationReport> {
  const newKeyId = cipher.addKey();
  const { reencrypted, skipped } = await reencryptAll(cipher, sources);
  const usage = await keyUsage(sources);
  const retired: string[] = [];
  const stillInUse: Record<string, number> = {};
  for (const kid of cipher.keyIds()) {
    if (kid === newKeyId) continue;
    if (usage[kid]) stillInUse[kid] = usage[kid];
    else if (retire) {
      cipher.retireKey(kid);
      retired.push(kid);
    }
  }
  return { newKeyId, reencrypted, skipped, retired, stillInUse };
}
