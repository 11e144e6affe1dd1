/**
 * Storage seams of the security module. The embedded shape implements them on SQLite
 * (sqlite-security-store.ts); a PostgreSQL adapter implements the same interfaces when scaled.
 */
import type { Role } from '../core/auth.js';

export interface UserRecord {
  username: string;
  passwordHash: string;
  role: Role;
}

export interface UserStore {
  findUser(username: string): Promise<UserRecord | undefined>;
  upsertUser(user: UserRecord): Promise<void>;
}

/** A machine API token; only the SHA-256 of the secret is stored. */
export interface MachineTokenRecord {
  id: string;
  name: string;
  hash: string;
  role: Role;
  scopes: string[];
  createdBy: string;
  createdAt: number;
  expiresAt?: number;
  revokedAt?: number;
  lastUsedAt?: number;
}

export interface MachineTokenStore {
  insertToken(t: MachineTokenRecord): Promise<void>;
  findTokenByHash(hash: string): Promise<MachineTokenRecord | undefined>;
  listTokens(): Promise<MachineTokenRecord[]>;
  /** Marks a token revoked; false when no such (unrevoked) token exists. */
  revokeToken(id: string, at: number): Promise<boolean>;
  touchToken(id: string, at: number): Promise<void>;
}

/**
 * One login session: a chain of refresh tokens of which only the newest (`currentJti`) is valid.
 * Presenting an older one means it was stolen or replayed, so the whole family is revoked.
 */
export interface RefreshFamilyRecord {
  id: string;
  subject: string;
  role: Role;
  via: string;
  currentJti: string;
  createdAt: number;
  expiresAt: number;
  revokedAt?: number;
  revokedReason?: string;
}

export interface RefreshFamilyStore {
  createFamily(f: RefreshFamilyRecord): Promise<void>;
  getFamily(id: string): Promise<RefreshFamilyRecord | undefined>;
  /** Compare-and-set of the current token id; false when `fromJti` is no longer current (a replay or a race). */
  rotateFamily(id: string, fromJti: string, toJti: string): Promise<boolean>;
  revokeFamily(id: string, at: number, reason: string): Promise<void>;
  /** Drops families that expired before `before` (housekeeping). */
  deleteExpiredFamilies(before: number): Promise<void>;
}

/** The per-login secrets of an OIDC authorization request, keyed by `state`. */
export interface OidcPending {
  state: string;
  codeVerifier: string;
  nonce: string;
  expiresAt: number;
}

export interface OidcPendingStore {
  putPending(p: OidcPending): Promise<void>;
  /** Returns and deletes the entry (single use); undefined when absent or expired. */
  takePending(state: string, now: number): Promise<OidcPending | undefined>;
}

export type SecurityStore = UserStore & MachineTokenStore & RefreshFamilyStore & OidcPendingStore & { close(): void };
