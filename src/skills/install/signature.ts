/**
 * Optional ed25519 signatures of uploaded skills. The signature (base64, multipart field
 * `signature`) covers the exact ZIP bytes; any configured public key may match.
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { ErrorCode, HearthError } from '../../core/errors.js';

/** DER prefix that turns a raw 32-byte ed25519 key into an SPKI structure. */
const ed25519SpkiPrefix = Buffer.from('302a300506032b6570032100', 'hex');

/** Parses a configured key: PEM, or base64 of the raw 32 bytes. */
export function parsePublicKey(text: string): KeyObject {
  if (text.includes('BEGIN')) return createPublicKey(text);
  const raw = Buffer.from(text.trim(), 'base64');
  if (raw.length !== 32)
    throw new HearthError(ErrorCode.config, 'an ed25519 public key is 32 bytes (base64) or PEM', 500);
  return createPublicKey({ key: Buffer.concat([ed25519SpkiPrefix, raw]), format: 'der', type: 'spki' });
}

/**
 * Checks the signature when one is required or given. Throws HEARTH_E_SKILL_SIGNATURE (400) when
 * it is required but missing, or present but matching none of the keys.
 */
export function checkSignature(
  zip: Buffer,
  signature: string | undefined,
  cfg: { required: boolean; publicKeys: readonly string[] },
): boolean {
  if (!signature) {
    if (cfg.required)
      throw new HearthError(
        ErrorCode.skillSignature,
        'this server only accepts signed skills: add the `signature` field',
        400,
      );
    return false;
  }
  if (cfg.publicKeys.length === 0) {
    if (cfg.required)
      throw new HearthError(ErrorCode.skillSignature, 'no public keys configured to check signatures', 400);
    return false;
  }
  const sig = Buffer.from(signature.trim(), 'base64');
  const ok = cfg.publicKeys.some((k) => {
    try {
      return verify(null, zip, parsePublicKey(k), sig);
    } catch {
      return false;
    }
  });
  if (!ok) throw new HearthError(ErrorCode.skillSignature, 'the skill signature does not match any trusted key', 400);
  return true;
}
