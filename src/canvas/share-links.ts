/**
 * Share links: a signed, expiring grant to view or edit one room, carried in the page URL
 * (`/canvas/<room>#share=<token>`) so a person without an account can join. The token is a JWT
 * (jose, HS256 pinned) whose key lives in the data folder — shared by every replica and carried by
 * backups — so any replica verifies a link another one issued. jose is loaded with the first link
 * issued or checked.
 */
import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export type Rights = 'view' | 'edit';

const AUDIENCE = 'hearth-canvas';
const ISSUER = 'hearth';

/**
 * The key file's bytes, creating it on first use. Written to a temporary name and hard-linked into
 * place, so replicas starting together agree on one key and nobody reads a half-written file.
 */
function loadOrCreateKey(file: string): Uint8Array {
  try {
    return new Uint8Array(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, randomBytes(32).toString('base64'), { mode: 0o600 });
  try {
    linkSync(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    rmSync(tmp, { force: true });
  }
  return new Uint8Array(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64'));
}

export class ShareLinks {
  private readonly key: Uint8Array;

  constructor(keyFile: string) {
    this.key = loadOrCreateKey(keyFile);
  }

  async issue(room: string, rights: Rights, ttlSec: number): Promise<{ token: string; expiresAt: number }> {
    const expiresAt = Math.floor(Date.now() / 1000) + ttlSec;
    const { SignJWT } = await import('jose');
    const token = await new SignJWT({ rights })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject(room)
      .setIssuedAt()
      .setExpirationTime(expiresAt)
      .sign(this.key);
    return { token, expiresAt: expiresAt * 1000 };
  }

  /** The rights a token grants on `room`, or undefined for a forged, expired or other room's token. */
  async verify(token: string, room: string): Promise<Rights | undefined> {
    try {
      const { jwtVerify } = await import('jose');
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: ['HS256'],
        audience: AUDIENCE,
        issuer: ISSUER,
        subject: room,
      });
      return payload.rights === 'edit' || payload.rights === 'view' ? payload.rights : undefined;
    } catch {
      return undefined;
    }
  }
}
