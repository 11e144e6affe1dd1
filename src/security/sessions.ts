/**
 * Login sessions as refresh-token families: each refresh rotates the token, and presenting a
 * token that was already rotated away (a stolen copy being replayed) revokes the whole family,
 * which also ends every access token issued under it.
 */
import { randomUUID } from 'node:crypto';
import type { Role } from '../core/auth.js';
import type { RefreshFamilyStore } from './store.js';
import type { TokenSigner } from './token-signer.js';

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  /** Access token lifetime in seconds. */
  expiresIn: number;
}

export type RefreshOutcome =
  | { ok: true; tokens: TokenPair; subject: string }
  | { ok: false; reason: 'invalid' | 'revoked' | 'reused'; subject?: string };

export class Sessions {
  constructor(
    private readonly store: RefreshFamilyStore,
    private readonly signer: TokenSigner,
    private readonly refreshTtlSec: number,
  ) {}

  /** Starts a session for a verified person and returns its first token pair. */
  async start(subject: string, role: Role, via: string): Promise<TokenPair> {
    const now = Date.now();
    const family = {
      id: randomUUID(),
      subject,
      role,
      via,
      currentJti: randomUUID(),
      createdAt: now,
      expiresAt: now + this.refreshTtlSec * 1000,
    };
    await this.store.deleteExpiredFamilies(now);
    await this.store.createFamily(family);
    return this.pair(family.id, subject, role, via, family.currentJti, family.expiresAt);
  }

  /** Exchanges a refresh token for a new pair; a replayed token revokes its family. */
  async refresh(refreshToken: string): Promise<RefreshOutcome> {
    const claims = await this.signer.verifyRefresh(refreshToken);
    if (!claims) return { ok: false, reason: 'invalid' };
    const family = await this.store.getFamily(claims.sid);
    if (!family || family.subject !== claims.sub) return { ok: false, reason: 'invalid' };
    if (family.revokedAt !== undefined || family.expiresAt < Date.now())
      return { ok: false, reason: 'revoked', subject: family.subject };
    const next = randomUUID();
    if (family.currentJti !== claims.jti || !(await this.store.rotateFamily(family.id, claims.jti, next))) {
      await this.store.revokeFamily(family.id, Date.now(), 'refresh token reused');
      return { ok: false, reason: 'reused', subject: family.subject };
    }
    const tokens = await this.pair(family.id, family.subject, family.role, family.via, next, family.expiresAt);
    return { ok: true, tokens, subject: family.subject };
  }

  /** Ends the session a refresh token belongs to (logout). Returns the subject when it was valid. */
  async end(refreshToken: string): Promise<string | undefined> {
    const claims = await this.signer.verifyRefresh(refreshToken);
    if (!claims) return undefined;
    await this.store.revokeFamily(claims.sid, Date.now(), 'logout');
    return claims.sub;
  }

  /** Ends a session by id (logout with an access token). */
  async endById(sid: string, reason: string): Promise<void> {
    await this.store.revokeFamily(sid, Date.now(), reason);
  }

  /** True while the session exists, is unexpired and not revoked. */
  async isActive(sid: string): Promise<boolean> {
    const f = await this.store.getFamily(sid);
    return !!f && f.revokedAt === undefined && f.expiresAt >= Date.now();
  }

  private async pair(
    sid: string,
    sub: string,
    role: Role,
    via: string,
    jti: string,
    expiresAt: number,
  ): Promise<TokenPair> {
    return {
      accessToken: await this.signer.signAccess({ sub, role, via, sid }),
      refreshToken: await this.signer.signRefresh({ sub, sid, jti, expiresAt }),
      tokenType: 'Bearer',
      expiresIn: this.signer.accessTtlSec,
    };
  }
}
