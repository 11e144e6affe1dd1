/**
 * The embedded implementation of the security stores: one SQLite file (`security.db`).
 */
import { openDatabase } from '../storage/sqlite-driver.js';
import type { Role } from '../core/auth.js';
import type { MachineTokenRecord, OidcPending, RefreshFamilyRecord, SecurityStore, UserRecord } from './store.js';

const schema = `
CREATE TABLE IF NOT EXISTS users (
  username TEXT PRIMARY KEY, password_hash TEXT NOT NULL, role TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS machine_tokens (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, hash TEXT NOT NULL UNIQUE, role TEXT NOT NULL, scopes TEXT NOT NULL,
  created_by TEXT NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER, revoked_at INTEGER, last_used_at INTEGER
);
CREATE TABLE IF NOT EXISTS refresh_families (
  id TEXT PRIMARY KEY, subject TEXT NOT NULL, role TEXT NOT NULL, via TEXT NOT NULL, current_jti TEXT NOT NULL,
  created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, revoked_at INTEGER, revoked_reason TEXT
);
CREATE TABLE IF NOT EXISTS oidc_pending (
  state TEXT PRIMARY KEY, code_verifier TEXT NOT NULL, nonce TEXT NOT NULL, expires_at INTEGER NOT NULL
);
`;

type Row = Record<string, unknown>;
const opt = (v: unknown): number | undefined => (v === null || v === undefined ? undefined : Number(v));

function tokenFrom(r: Row): MachineTokenRecord {
  return {
    id: String(r.id),
    name: String(r.name),
    hash: String(r.hash),
    role: r.role as Role,
    scopes: JSON.parse(String(r.scopes)) as string[],
    createdBy: String(r.created_by),
    createdAt: Number(r.created_at),
    expiresAt: opt(r.expires_at),
    revokedAt: opt(r.revoked_at),
    lastUsedAt: opt(r.last_used_at),
  };
}

function familyFrom(r: Row): RefreshFamilyRecord {
  return {
    id: String(r.id),
    subject: String(r.subject),
    role: r.role as Role,
    via: String(r.via),
    currentJti: String(r.current_jti),
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
    revokedAt: opt(r.revoked_at),
    revokedReason: r.revoked_reason === null ? undefined : String(r.revoked_reason),
  };
}

/** Opens (creating if needed) the security database at `file`. */
export function openSqliteSecurityStore(file: string): SecurityStore {
  const db = openDatabase(file);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  db.exec(schema);
  const q = {
    findUser: db.prepare('SELECT * FROM users WHERE username = ?'),
    upsertUser: db.prepare(
      'INSERT INTO users (username, password_hash, role) VALUES (?, ?, ?) ON CONFLICT(username) DO UPDATE SET password_hash = excluded.password_hash, role = excluded.role',
    ),
    insertToken: db.prepare(
      'INSERT INTO machine_tokens (id, name, hash, role, scopes, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    findToken: db.prepare('SELECT * FROM machine_tokens WHERE hash = ?'),
    listTokens: db.prepare('SELECT * FROM machine_tokens ORDER BY created_at'),
    revokeToken: db.prepare('UPDATE machine_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL'),
    touchToken: db.prepare('UPDATE machine_tokens SET last_used_at = ? WHERE id = ?'),
    createFamily: db.prepare(
      'INSERT INTO refresh_families (id, subject, role, via, current_jti, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    getFamily: db.prepare('SELECT * FROM refresh_families WHERE id = ?'),
    rotateFamily: db.prepare(
      'UPDATE refresh_families SET current_jti = ? WHERE id = ? AND current_jti = ? AND revoked_at IS NULL',
    ),
    revokeFamily: db.prepare(
      'UPDATE refresh_families SET revoked_at = ?, revoked_reason = ? WHERE id = ? AND revoked_at IS NULL',
    ),
    deleteExpired: db.prepare('DELETE FROM refresh_families WHERE expires_at < ?'),
    putPending: db.prepare('INSERT INTO oidc_pending (state, code_verifier, nonce, expires_at) VALUES (?, ?, ?, ?)'),
    takePending: db.prepare('DELETE FROM oidc_pending WHERE state = ? RETURNING *'),
    dropStalePending: db.prepare('DELETE FROM oidc_pending WHERE expires_at < ?'),
  };
  return {
    async findUser(username) {
      const r = q.findUser.get(username) as Row | undefined;
      return r
        ? { username: String(r.username), passwordHash: String(r.password_hash), role: r.role as Role }
        : undefined;
    },
    async upsertUser(u: UserRecord) {
      q.upsertUser.run(u.username, u.passwordHash, u.role);
    },
    async insertToken(t) {
      q.insertToken.run(
        t.id,
        t.name,
        t.hash,
        t.role,
        JSON.stringify(t.scopes),
        t.createdBy,
        t.createdAt,
        t.expiresAt ?? null,
      );
    },
    async findTokenByHash(hash) {
      const r = q.findToken.get(hash) as Row | undefined;
      return r ? tokenFrom(r) : undefined;
    },
    async listTokens() {
      return (q.listTokens.all() as Row[]).map(tokenFrom);
    },
    async revokeToken(id, at) {
      return q.revokeToken.run(at, id).changes > 0;
    },
    async touchToken(id, at) {
      q.touchToken.run(at, id);
    },
    async createFamily(f) {
      q.createFamily.run(f.id, f.subject, f.role, f.via, f.currentJti, f.createdAt, f.expiresAt);
    },
    async getFamily(id) {
      const r = q.getFamily.get(id) as Row | undefined;
      return r ? familyFrom(r) : undefined;
    },
    async rotateFamily(id, fromJti, toJti) {
      return q.rotateFamily.run(toJti, id, fromJti).changes > 0;
    },
    async revokeFamily(id, at, reason) {
      q.revokeFamily.run(at, reason, id);
    },
    async deleteExpiredFamilies(before) {
      q.deleteExpired.run(before);
    },
    async putPending(p: OidcPending) {
      q.dropStalePending.run(Date.now());
      q.putPending.run(p.state, p.codeVerifier, p.nonce, p.expiresAt);
    },
    async takePending(state, now) {
      const r = q.takePending.get(state) as Row | undefined;
      if (!r || Number(r.expires_at) < now) return undefined;
      return {
        state: String(r.state),
        codeVerifier: String(r.code_verifier),
        nonce: String(r.nonce),
        expiresAt: Number(r.expires_at),
      };
    },
    close() {
      db.close();
    },
  };
}
