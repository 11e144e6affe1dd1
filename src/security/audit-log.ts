/**
 * The audit log of administrative actions: append-only and hash-chained. Each row stores the
 * SHA-256 of its own content plus the previous row's hash, and a head record names the last row,
 * so editing, deleting, reordering or truncating rows is detected by `verify()`.
 * Pruning (retention) removes a prefix of the chain and records an anchor — the last removed
 * row's hash — both in a side table and as an `audit.prune` row inside the chain, so the
 * remaining chain still verifies and a forged anchor does not.
 */
import { createHash } from 'node:crypto';
import { openDatabase } from '../storage/sqlite-driver.js';
import { maskSecrets } from './redaction.js';

export interface AuditEntry {
  /** Principal id (`admin`, `oidc:…`, `token:…`, `api-token`, `cli`) or `anonymous`. */
  actor: string;
  /** What was attempted: `auth.login`, `model.switch`, `skill.upload`, `keys.rotate`, `token.issue`… */
  action: string;
  target?: string;
  ip?: string;
  result: 'ok' | 'denied' | 'error';
  detail?: Record<string, unknown>;
}

export interface AuditRow extends Required<Omit<AuditEntry, 'detail'>> {
  seq: number;
  ts: number;
  detail: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

export interface AuditProblem {
  seq: number;
  kind: 'edited' | 'deleted' | 'relinked' | 'truncated' | 'anchor';
  message: string;
}

export interface AuditVerifyReport {
  ok: boolean;
  /** Rows checked. */
  rows: number;
  problems: AuditProblem[];
}

export interface AuditLog {
  record(entry: AuditEntry): Promise<AuditRow>;
  verify(): Promise<AuditVerifyReport>;
  /** Rows as JSON lines (hashes included, so an export can be verified offline). */
  export(options?: { since?: number }): AsyncIterable<string>;
  /** Removes rows older than the retention period; returns how many. */
  prune(now?: number): Promise<{ removed: number }>;
  close(): void;
}

const GENESIS = '0'.repeat(64);
const DAY_MS = 86_400_000;

const schema = `
CREATE TABLE IF NOT EXISTS audit (
  seq INTEGER PRIMARY KEY, ts INTEGER NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, target TEXT NOT NULL,
  ip TEXT NOT NULL, result TEXT NOT NULL, detail TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_ts ON audit (ts);
CREATE TABLE IF NOT EXISTS audit_head (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL, hash TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS audit_anchor (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL, hash TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS audit_prune_gate (open INTEGER NOT NULL);
INSERT OR IGNORE INTO audit_head (id, seq, hash) VALUES (1, 0, '${GENESIS}');
INSERT OR IGNORE INTO audit_anchor (id, seq, hash) VALUES (1, 0, '${GENESIS}');
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit WHEN (SELECT COUNT(*) FROM audit_prune_gate) = 0
  BEGIN SELECT RAISE(ABORT, 'audit log is append-only; rows leave only by retention pruning'); END;
`;

interface DbRow {
  seq: number;
  ts: number;
  actor: string;
  action: string;
  target: string;
  ip: string;
  result: string;
  detail: string;
  prev_hash: string;
  hash: string;
}

/** The hash of a row: its content and the previous row's hash. */
function rowHash(r: Omit<DbRow, 'hash'>): string {
  return createHash('sha256')
    .update(JSON.stringify([r.seq, r.ts, r.actor, r.action, r.target, r.ip, r.result, r.detail, r.prev_hash]))
    .digest('hex');
}

function toRow(r: DbRow): AuditRow {
  return {
    seq: r.seq,
    ts: r.ts,
    actor: r.actor,
    action: r.action,
    target: r.target,
    ip: r.ip,
    result: r.result as AuditRow['result'],
    detail: JSON.parse(r.detail) as Record<string, unknown>,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

/** Opens the audit log in the SQLite file `file`. */
export function openSqliteAuditLog(file: string, retentionDays: number): AuditLog {
  const db = openDatabase(file);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  db.exec(schema);
  const q = {
    head: db.prepare('SELECT seq, hash FROM audit_head WHERE id = 1'),
    anchor: db.prepare('SELECT seq, hash FROM audit_anchor WHERE id = 1'),
    insert: db.prepare(
      'INSERT INTO audit (seq, ts, actor, action, target, ip, result, detail, prev_hash, hash) VALUES (@seq, @ts, @actor, @action, @target, @ip, @result, @detail, @prev_hash, @hash)',
    ),
    setHead: db.prepare('UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1'),
    setAnchor: db.prepare('UPDATE audit_anchor SET seq = ?, hash = ? WHERE id = 1'),
    all: db.prepare('SELECT * FROM audit ORDER BY seq'),
    since: db.prepare('SELECT * FROM audit WHERE ts >= ? ORDER BY seq'),
    lastBefore: db.prepare('SELECT seq, hash FROM audit WHERE ts < ? ORDER BY seq DESC LIMIT 1'),
    openGate: db.prepare('INSERT INTO audit_prune_gate (open) VALUES (1)'),
    closeGate: db.prepare('DELETE FROM audit_prune_gate'),
    deleteThrough: db.prepare('DELETE FROM audit WHERE seq <= ?'),
    lastPrune: db.prepare("SELECT detail FROM audit WHERE action = 'audit.prune' ORDER BY seq DESC LIMIT 1"),
  };

  const append = db.transaction((entry: AuditEntry): DbRow => {
    const head = q.head.get() as { seq: number; hash: string };
    const base = {
      seq: head.seq + 1,
      ts: Date.now(),
      actor: entry.actor,
      action: entry.action,
      target: entry.target ?? '',
      ip: entry.ip ?? '',
      result: entry.result,
      detail: JSON.stringify(maskSecrets(entry.detail ?? {})),
      prev_hash: head.hash,
    };
    const row = { ...base, hash: rowHash(base) };
    q.insert.run(row);
    q.setHead.run(row.seq, row.hash);
    return row;
  });

  const pruneThrough = db.transaction((seq: number, hash: string): number => {
    q.openGate.run();
    try {
      const removed = q.deleteThrough.run(seq).changes;
      q.setAnchor.run(seq, hash);
      return removed;
    } finally {
      q.closeGate.run();
    }
  });

  return {
    async record(entry) {
      return toRow(append.immediate(entry));
    },

    async verify() {
      const problems: AuditProblem[] = [];
      const anchor = q.anchor.get() as { seq: number; hash: string };
      const head = q.head.get() as { seq: number; hash: string };
      let expectedSeq = anchor.seq + 1;
      let prev = anchor.hash;
      let rows = 0;
      for (const r of q.all.iterate() as Iterable<DbRow>) {
        rows++;
        if (r.seq !== expectedSeq) {
          const msg =
            r.seq > expectedSeq
              ? `rows ${expectedSeq}..${r.seq - 1} are missing (deleted)`
              : `row ${r.seq} is out of order`;
          problems.push({ seq: expectedSeq, kind: 'deleted', message: msg });
        } else if (r.prev_hash !== prev) {
          problems.push({
            seq: r.seq,
            kind: 'relinked',
            message: `row ${r.seq} does not follow row ${r.seq - 1}: the earlier row was rewritten`,
          });
        }
        const { hash, ...content } = r;
        if (rowHash(content) !== hash)
          problems.push({
            seq: r.seq,
            kind: 'edited',
            message: `row ${r.seq} (${r.action}) was edited after it was written`,
          });
        prev = r.hash;
        expectedSeq = r.seq + 1;
      }
      if (head.seq !== expectedSeq - 1 || head.hash !== prev) {
        problems.push({
          seq: head.seq,
          kind: 'truncated',
          message: `the log should end at row ${head.seq} but ends at row ${expectedSeq - 1}: rows were removed from the end`,
        });
      }
      if (anchor.seq > 0) {
        const last = q.lastPrune.get() as { detail: string } | undefined;
        const d = last ? (JSON.parse(last.detail) as { throughSeq?: number; anchorHash?: string }) : undefined;
        if (!d || d.throughSeq !== anchor.seq || d.anchorHash !== anchor.hash) {
          problems.push({
            seq: anchor.seq,
            kind: 'anchor',
            message: `the prune anchor (row ${anchor.seq}) matches no audit.prune record: rows were removed outside retention pruning`,
          });
        }
      }
      return { ok: problems.length === 0, rows, problems };
    },

    async *export(options = {}) {
      const stmt = options.since === undefined ? q.all.iterate() : q.since.iterate(options.since);
      for (const r of stmt as Iterable<DbRow>)
        yield JSON.stringify({ ...toRow(r), time: new Date(r.ts).toISOString() });
    },

    async prune(now = Date.now()) {
      const cutoff = now - retentionDays * DAY_MS;
      const last = q.lastBefore.get(cutoff) as { seq: number; hash: string } | undefined;
      if (!last) return { removed: 0 };
      const removed = pruneThrough.immediate(last.seq, last.hash);
      append.immediate({
        actor: 'system',
        action: 'audit.prune',
        result: 'ok',
        detail: { throughSeq: last.seq, anchorHash: last.hash, removed, retentionDays },
      });
      return { removed };
    },

    close() {
      db.close();
    },
  };
}
