/**
 * API tokens for machines: `hth_<id>_<secret>`, shown once at issue, stored only as a SHA-256
 * hash (the secret has 256 bits of entropy, so a fast hash is enough), scoped, revocable, expiring.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Principal, Role } from '../core/auth.js';
import type { MachineTokenRecord, MachineTokenStore } from './store.js';

const TOKEN_SHAPE = /^hth_[A-Za-z0-9_-]{12}_[A-Za-z0-9_-]{43}$/;

/** A token record as shown to admins: never the hash. */
export type MachineTokenInfo = Omit<MachineTokenRecord, 'hash'>;

export interface IssueRequest {
  name: string;
  role: Role;
  scopes?: string[];
  expiresInSec?: number;
  createdBy: string;
}

function hashOf(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function info({ hash: _hash, ...rest }: MachineTokenRecord): MachineTokenInfo {
  return rest;
}

export class MachineTokens {
  constructor(private readonly store: MachineTokenStore) {}

  /** True when a bearer value has the shape of a machine token (cheap pre-check before any lookup). */
  static looksLike(token: string): boolean {
    return token.startsWith('hth_');
  }

  /** Creates a token; the returned `token` is the only time the secret is visible. */
  async issue(req: IssueRequest): Promise<{ token: string; info: MachineTokenInfo }> {
    const id = randomBytes(9).toString('base64url');
    const token = `hth_${id}_${randomBytes(32).toString('base64url')}`;
    const now = Date.now();
    const record: MachineTokenRecord = {
      id,
      name: req.name,
      hash: hashOf(token),
      role: req.role,
      scopes: req.scopes ?? [],
      createdBy: req.createdBy,
      createdAt: now,
      expiresAt: req.expiresInSec ? now + req.expiresInSec * 1000 : undefined,
    };
    await this.store.insertToken(record);
    return { token, info: info(record) };
  }

  /** The principal of a live token, or undefined for unknown, revoked, expired or malformed ones. */
  async authenticate(token: string): Promise<Principal | undefined> {
    if (!TOKEN_SHAPE.test(token)) return undefined;
    const record = await this.store.findTokenByHash(hashOf(token));
    const now = Date.now();
    if (!record || record.revokedAt !== undefined || (record.expiresAt !== undefined && record.expiresAt <= now))
      return undefined;
    await this.store.touchToken(record.id, now);
    const principal: Principal = { id: `token:${record.id}`, role: record.role, via: 'machine-token' };
    if (record.scopes.length > 0) principal.scopes = record.scopes;
    return principal;
  }

  async list(): Promise<MachineTokenInfo[]> {
    return (await this.store.listTokens()).map(info);
  }

  /** Revokes a token by id; false when there is no such live token. */
  revoke(id: string): Promise<boolean> {
    return this.store.revokeToken(id, Date.now());
  }
}
