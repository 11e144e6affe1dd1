/**
 * Backups of the history stores: PostgreSQL round trip (pg_dump → pg_restore compares every row,
 * an occupied schema is refused), and a SQLite backup taken under continuous writes restores to a
 * consistent state (intact database, every conversation a gap-free prefix of what was written).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import pg from 'pg';
import { configSchema, type ConfigInput } from '../../../src/core/config.js';
import type { StoredMessage } from '../../../src/core/stores.js';
import { runBackup } from '../../../src/ops/backup/backup.js';
import { runRestore } from '../../../src/ops/backup/restore.js';
import Database from '../../../src/storage/sqlite-driver.js';
import { PostgresHistoryStore } from '../../../src/storage/history/postgres.js';
import { SqliteHistoryStore } from '../../../src/storage/history/sqlite.js';
import { POSTGRES_URL } from '../../storage/backend-urls.js';

const roots: string[] = [];
function tempRoot(): string {
  const r = mkdtempSync(join(tmpdir(), 'hearth-backup-stores-'));
  roots.push(r);
  return r;
}
after(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

const config = (input: ConfigInput) => configSchema.parse(input);

function message(conversationId: string, n: number): StoredMessage {
  return {
    id: `${conversationId}-${String(n).padStart(6, '0')}`,
    conversationId,
    role: n % 2 ? 'assistant' : 'user',
    content: `turn ${n} ${'x'.repeat(200)}`,
    attachments: [],
    author: 'u1',
    createdAt: 1_700_000_000_000 + n,
    tokens: 50,
  };
}

async function seed(
  store: { upsertConversation: SqliteHistoryStore['upsertConversation']; append: SqliteHistoryStore['append'] },
  conversations: number,
  turns: number,
) {
  for (let c = 0; c < conversations; c++) {
    const id = `conv-${c}`;
    await store.upsertConversation({
      id,
      channel: 'webchat',
      chatId: id,
      userId: `user-${c}`,
      agent: 'default',
      createdAt: 1_700_000_000_000,
      updatedAt: 1_700_000_000_000,
    });
    for (let n = 0; n < turns; n++) await store.append(message(id, n));
  }
}

describe('PostgreSQL history backup', () => {
  const schema = `bk_${randomBytes(4).toString('hex')}`;
  const url = `${POSTGRES_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });

  after(async () => {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await admin.end();
  });

  async function allRows(): Promise<Record<string, unknown[]>> {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      const tables = (
        await c.query<{ t: string }>(
          'SELECT table_name AS t FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1',
        )
      ).rows;
      const out: Record<string, unknown[]> = {};
      for (const { t } of tables)
        out[t] = (await c.query(`SELECT * FROM ${pg.escapeIdentifier(t)}`)).rows.map((r) => JSON.stringify(r)).sort();
      return out;
    } finally {
      await c.end();
    }
  }

  it('dumps the schema with pg_dump, restores every row into an emptied schema, and refuses an occupied one', async () => {
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    const store = new PostgresHistoryStore({ url });
    await store.open();
    await seed(store, 3, 20);
    await store.approveSender('telegram', '42');
    await store.close();
    const before = await allRows();
    assert.equal(before.messages!.length, 60);

    const root = tempRoot();
    const cfg = config({ dataDir: join(root, 'data'), storage: { history: { kind: 'postgres', url } } });
    const backup = await runBackup({ config: cfg, out: join(root, 'b.tar.gz') });
    assert.equal(backup.manifest.history.schema, schema);
    assert.ok(backup.manifest.members.some((m) => m.kind === 'pg_dump' && m.path === 'postgres/history.dump'));

    await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    await runRestore({ archive: backup.file, dataDir: join(root, 'restored'), historyUrl: url });
    assert.deepEqual(await allRows(), before);
    const reopened = new PostgresHistoryStore({ url });
    await reopened.open();
    assert.equal((await reopened.recent('conv-1', 100_000, 100)).length, 20);
    assert.equal(await reopened.isSenderApproved('telegram', '42'), true);
    await reopened.close();

    const again = join(root, 'again');
    await assert.rejects(
      runRestore({ archive: backup.file, dataDir: again, historyUrl: url }),
      /already holds Hearth data; .*nothing was changed/,
    );
    assert.equal(existsSync(again), false);
    assert.deepEqual(await allRows(), before);
  });
});

describe('SQLite backup under concurrent writes', () => {
  it('restores to a consistent state: the database is intact and each conversation is a gap-free prefix', async () => {
    const root = tempRoot();
    const dataDir = join(root, 'data');
    const store = new SqliteHistoryStore(join(dataDir, 'hearth.db'));
    await store.open();
    await seed(store, 4, 500);
    let stop = false;
    let written = 0;
    let duringBackup = 0;
    let backingUp = false;
    const writer = (async () => {
      for (let n = 500; !stop; n++) {
        for (let c = 0; c < 4; c++) await store.append(message(`conv-${c}`, n));
        written = n + 1;
        if (backingUp) duringBackup++;
        await new Promise((r) => setImmediate(r));
      }
    })();
    // Let the writer get going, then back up while it writes.
    while (written < 520) await new Promise((r) => setImmediate(r));
    backingUp = true;
    const backup = await runBackup({ config: config({ dataDir }), out: join(root, 'b.tar.gz') });
    backingUp = false;
    stop = true;
    await writer;
    await store.close();
    assert.ok(duringBackup > 0, 'the writer kept writing during the backup');

    const target = join(root, 'restored');
    await runRestore({ archive: backup.file, dataDir: target });
    const db = new Database(join(target, 'hearth.db'), { readonly: true });
    try {
      assert.equal(db.pragma('integrity_check', { simple: true }) as string, 'ok');
      const counts: number[] = [];
      for (let c = 0; c < 4; c++) {
        const ids = (
          db.prepare('SELECT id FROM messages WHERE conversation_id = ? ORDER BY id').all(`conv-${c}`) as Array<{
            id: string;
          }>
        ).map((r) => r.id);
        assert.deepEqual(
          ids,
          Array.from({ length: ids.length }, (_, n) => message(`conv-${c}`, n).id),
          `conv-${c} has no gaps`,
        );
        assert.ok(ids.length >= 520, `conv-${c} holds what was written before the backup began`);
        counts.push(ids.length);
      }
      // The writer appends conversation 0..3 in turn: a consistent cut differs by at most one turn.
      assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `counts ${counts}`);
    } finally {
      db.close();
    }
  });
});
