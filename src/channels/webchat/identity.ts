/**
 * Web chat identity: one per browser, so a person's conversations, budget and memory follow them
 * across reloads and conversations (SPEC §14). The server issues it; the page keeps it in
 * localStorage and sends it in every `hello`.
 *
 * An identity is `<uid>.<mac>`: `uid` is 128 random bits, `mac` the HMAC-SHA256 of `uid` under a key
 * only the server holds (dataDir/security/webchat-identity.key). Nothing is stored per identity, so
 * any replica sharing the key recognizes it, and a forged or altered identity fails the MAC: it is
 * treated like no identity at all (a new anonymous user), never as someone else. Knowing a user id
 * (`web-<uid>`, shown in the console and usage) does not let anyone build the identity without the key.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const UID = /^[A-Za-z0-9_-]{22}$/;
const CONTEXT = 'hearth webchat identity v1:';

export class WebChatIdentities {
  constructor(private readonly key: Buffer) {
    if (key.length < 32) throw new Error('the web chat identity key must have at least 256 bits');
  }

  /** A new identity and the user id it stands for. */
  issue(): { identity: string; userId: string } {
    const uid = randomBytes(16).toString('base64url');
    return { identity: `${uid}.${this.mac(uid)}`, userId: userIdOf(uid) };
  }

  /** The user id of a genuine identity; undefined for anything else (absent, malformed, forged). */
  verify(identity: unknown): string | undefined {
    if (typeof identity !== 'string' || identity.length > 100) return undefined;
    const [uid, mac, ...rest] = identity.split('.');
    if (rest.length || !uid || !mac || !UID.test(uid)) return undefined;
    const expected = Buffer.from(this.mac(uid));
    const given = Buffer.from(mac);
    return given.length === expected.length && timingSafeEqual(given, expected) ? userIdOf(uid) : undefined;
  }

  private mac(uid: string): string {
    return createHmac('sha256', this.key)
      .update(CONTEXT + uid)
      .digest('base64url');
  }
}

function userIdOf(uid: string): string {
  return `web-${uid}`;
}
