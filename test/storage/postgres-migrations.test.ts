/**
 * PostgreSQL migrations against the real server: automatic on open, idempotent across replicas
 * starting together, refused when the database is newer, and a failing step leaves the data untouched.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { PostgresHistoryStore, migratePostgres, postgresSchemaVersion } from '../../src/storage/history/postgres.js';
import { postgresMigrations } from '../../src/storage/history/postgres-migrations.js';
import { POSTGRES_URL } from './backend-urls.js';
import { postgresPreviousRelease } from './previous-release.js';

describe('PostgreSQL migrations', () => {
  const schema = `hearth_mig_${randomBytes(4).toString('hex')}`;
  let pool: pg.Pool;
  before(async () => {
    pool = new pg.Pool({ connectionString: POSTGRES_URL, options: `-c search_path=${schema}`, max: 2 });
    await pool.query(`CREATE SCHEMA ${schema}`);
  });
  after(async () => {
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool.end();
  });

  it('refuses to open a database behind the code when automatic migration is off', async () => {
    const store = new PostgresHistoryStore({ url: POSTGRES_URL, schema, autoMigrate: false });
    await assert.rejects(
      store.open(),
      (err: Error & { code?: string }) => err.code === 'HEARTH_E_STORAGE' && /hearth migrate/.test(err.message),
    );
  });

  it('migrates once even when several replicas open at the same time', async () => {
    const stores = [1, 2, 3].map(() => new PostgresHistoryStore({ url: POSTGRES_URL, schema }));
    await Promise.all(stores.map((s) => s.open()));
    assert.deepEqual(await postgresSchemaVersion(pool), {
      current: postgresMigrations.length,
      latest: postgresMigrations.length,
    });
    assert.equal(await stores[0].schemaVersion(), postgresMigrations.length);
    await stores[0].upsertConversation({
      id: 'webchat:keep',
      channel: 'webchat',
      chatId: 'keep',
      userId: 'u',
      agent: 'default',
      createdAt: 1,
      updatedAt: 1,
    });
    await Promise.all(stores.map((s) => s.close()));
  });

  it('rolls a failing migration back completely: data and version untouched', async () => {
    const broken = [
      ...postgresMigrations,
      'ALTER TABLE conversations ADD COLUMN extra TEXT',
      'SELECT * FROM no_such_table',
    ];
    await assert.rejects(migratePostgres(pool, broken), /no_such_table/);
    const cols = await pool.query(
      `SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'conversations'`,
      [schema],
    );
    assert.ok(
      !cols.rows.some((r) => r.column_name === 'extra'),
      'the successful step before the failure was rolled back too',
    );
    assert.equal((await postgresSchemaVersion(pool)).current, postgresMigrations.length);
    assert.equal((await pool.query(`SELECT id FROM conversations`)).rows[0].id, 'webchat:keep');
  });

  it('refuses a database written by a newer release', async () => {
    await pool.query('UPDATE hearth_schema SET version = $1', [postgresMigrations.length + 5]);
    const store = new PostgresHistoryStore({ url: POSTGRES_URL, schema });
    await assert.rejects(store.open(), /newer than this release/);
    await pool.query('UPDATE hearth_schema SET version = $1', [postgresMigrations.length]);
  });

  it('opens the frozen dump of the first release and upgrades it, keeping its data', async () => {
    const previous = await postgresPreviousRelease(POSTGRES_URL);
    const store = new PostgresHistoryStore({ url: previous.url });
    try {
      await store.open();
      assert.equal(await store.schemaVersion(), postgresMigrations.length);
      assert.deepEqual(
        (await store.recent('webchat:a', 1000)).map((t) => t.content),
        ['old words', 'old answer'],
      );
      const group = await store.recent('telegram:-100', 1000);
      assert.deepEqual(
        group.map((t) => t.author),
        ['u2', 'u3'],
      );
      assert.equal(group[1].attachments[0].blobKey, 'media/2025/fixture.jpg');
      assert.equal((await store.usageSince({ userId: 'u1' }, 0)).promptTokens, 10);
      assert.equal(await store.isSenderApproved('telegram', '42'), true);
      // New rows land in the upgraded tables, with the columns later releases added.
      await store.recordUsage({
        conversationId: 'webchat:a',
        userId: 'u1',
        agent: 'default',
        model: 'model-a',
        provider: 'openai',
        usage: { promptTokens: 1, completionTokens: 1 },
        latencyMs: 1,
        ok: true,
        createdAt: 1764000070000,
        costUsd: 0.5,
      });
      const days = await store.usageByDay({ userId: 'u1', since: 0 });
      assert.equal(days[0].costUsd, 0.5);
    } finally {
      await store.close();
      await previous.drop();
    }
  });
});
