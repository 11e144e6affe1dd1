import { after, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import Database, { type SqliteDatabase } from '../../src/storage/sqlite-driver.js';
import { openSqliteAuditLog, type AuditLog } from '../../src/security/audit-log.js';
import { exportAudit, verifyAudit } from '../../src/security/cli.js';

const DAY = 86_400_000;

describe('hash-chained audit log', () => {
  const root = mkdtempSync(join(tmpdir(), 'hearth-audit-'));
  let dataDir: string;
  let file: string;
  let log: AuditLog;
  let n = 0;

  beforeEach(async () => {
    dataDir = join(root, String(n++));
    file = join(dataDir, 'security', 'audit.db');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(dataDir, 'security'), { recursive: true });
    log = openSqliteAuditLog(file, 180);
    await log.record({ actor: 'admin', action: 'auth.login', ip: '10.0.0.1', result: 'ok' });
    await log.record({
      actor: 'admin',
      action: 'model.switch',
      target: 'gpt',
      result: 'ok',
      detail: { from: 'a', to: 'b' },
    });
    await log.record({ actor: 'viewer', action: 'skill.upload', target: 'weather', result: 'denied' });
    await log.record({
      actor: 'admin',
      action: 'token.issue',
      target: 't1',
      result: 'ok',
      detail: { apiKey: 'sk-should-not-appear-anywhere-0000' },
    });
    log.close();
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  /** Runs `hearth audit verify` and returns its exit code and printed lines. */
  async function verify() {
    const lines: string[] = [];
    const { exitCode } = await verifyAudit({ dataDir, print: (l) => lines.push(l) });
    return { exitCode, text: lines.join('\n') };
  }

  /** Opens the database as an attacker would, with the append-only triggers dropped. */
  function attacker(): SqliteDatabase {
    const db = new Database(file);
    db.exec('DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;');
    return db;
  }

  it('verifies an untouched log and never stores secrets from details', async () => {
    const r = await verify();
    assert.equal(r.exitCode, 0, r.text);
    const out = new PassThrough();
    let text = '';
    out.on('data', (c: Buffer) => (text += c.toString()));
    assert.equal(await exportAudit({ dataDir, out }), 4);
    const rows = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { seq: number; action: string; hash: string; time: string });
    assert.deepEqual(
      rows.map((r) => r.action),
      ['auth.login', 'model.switch', 'skill.upload', 'token.issue'],
    );
    assert.ok(rows.every((r) => /^[0-9a-f]{64}$/.test(r.hash) && r.time));
    assert.ok(!text.includes('sk-should-not-appear'));
  });

  it('refuses UPDATE and DELETE through SQL (append-only triggers)', () => {
    const db = new Database(file);
    assert.throws(() => db.prepare("UPDATE audit SET result = 'ok' WHERE seq = 3").run(), /append-only/);
    assert.throws(() => db.prepare('DELETE FROM audit WHERE seq = 2').run(), /append-only/);
    db.close();
  });

  it('detects an edited row and names it', async () => {
    const db = attacker();
    db.prepare("UPDATE audit SET result = 'ok' WHERE seq = 3").run();
    db.close();
    const r = await verify();
    assert.equal(r.exitCode, 1);
    assert.match(r.text, /row 3: edited/);
  });

  it('detects an edited row whose hash was recomputed (the next link breaks)', async () => {
    const db = attacker();
    const { createHash } = await import('node:crypto');
    const row = db.prepare('SELECT * FROM audit WHERE seq = 2').get() as Record<string, unknown>;
    row.target = 'other-model';
    const hash = createHash('sha256')
      .update(
        JSON.stringify([
          row.seq,
          row.ts,
          row.actor,
          row.action,
          row.target,
          row.ip,
          row.result,
          row.detail,
          row.prev_hash,
        ]),
      )
      .digest('hex');
    db.prepare('UPDATE audit SET target = ?, hash = ? WHERE seq = 2').run(row.target, hash);
    db.close();
    const r = await verify();
    assert.equal(r.exitCode, 1);
    assert.match(r.text, /row 3: relinked/);
  });

  it('detects a deleted row', async () => {
    const db = attacker();
    db.prepare('DELETE FROM audit WHERE seq = 2').run();
    db.close();
    const r = await verify();
    assert.equal(r.exitCode, 1);
    assert.match(r.text, /row 2: deleted: rows 2\.\.2 are missing/);
  });

  it('detects rows cut from the end', async () => {
    const db = attacker();
    db.prepare('DELETE FROM audit WHERE seq = 4').run();
    db.close();
    const r = await verify();
    assert.equal(r.exitCode, 1);
    assert.match(r.text, /truncated/);
  });

  it('pruning past the retention keeps the chain verifiable; deleting old rows by hand does not', async () => {
    const a = openSqliteAuditLog(file, 180);
    const { removed } = await a.prune(Date.now() + 200 * DAY);
    a.close();
    assert.equal(removed, 4);
    assert.equal((await verify()).exitCode, 0);

    const b = openSqliteAuditLog(file, 180);
    await b.record({ actor: 'admin', action: 'config.change', result: 'ok' });
    await b.record({ actor: 'admin', action: 'config.change', result: 'ok' });
    b.close();
    const db = attacker();
    // An attacker "prunes" by hand: removes the prune record and moves the anchor.
    const first = db.prepare('SELECT seq, hash FROM audit ORDER BY seq LIMIT 1').get() as { seq: number; hash: string };
    db.prepare('DELETE FROM audit WHERE seq = ?').run(first.seq);
    db.prepare('UPDATE audit_anchor SET seq = ?, hash = ?').run(first.seq, first.hash);
    db.close();
    const r = await verify();
    assert.equal(r.exitCode, 1);
    assert.match(r.text, /anchor/);
  });

  it('retention of less than 180 days is not accepted by the config', async () => {
    const { configSchema } = await import('../../src/core/config.js');
    assert.equal(configSchema.safeParse({ security: { audit: { retentionDays: 30 } } }).success, false);
  });
});
