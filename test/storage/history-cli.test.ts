/**
 * The CLI paths of a growing installation, as processes: `hearth migrate-store` copies a SQLite
 * history into PostgreSQL (and a rerun copies nothing twice), `hearth migrate` reports the schema,
 * and `hearth history export/delete --user` work on the PostgreSQL backend.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { postgresMigrations } from '../../src/storage/history/postgres-migrations.js';
import { SqliteHistoryStore } from '../../src/storage/history/sqlite.js';
import { POSTGRES_URL } from './backend-urls.js';

const run = promisify(execFile);
const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

describe('hearth migrate-store / migrate / history (PostgreSQL)', () => {
  const schema = `hearth_cli_${randomBytes(4).toString('hex')}`;
  const url = `${POSTGRES_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  let dir: string;
  let sqliteFile: string;
  let configFile: string;
  const hearth = (...args: string[]) =>
    run(process.execPath, [MAIN, ...args, '--config', configFile], {
      env: { PATH: process.env.PATH ?? '', HOME: dir },
    });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hearth-cli-'));
    sqliteFile = join(dir, 'old.db');
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.end();
    const s = new SqliteHistoryStore(sqliteFile);
    await s.open();
    for (const user of ['alice', 'bob']) {
      for (let c = 0; c < 2; c++) {
        const id = `webchat:${user}-${c}`;
        await s.upsertConversation({
          id,
          channel: 'webchat',
          chatId: `${user}-${c}`,
          userId: user,
          agent: 'default',
          createdAt: c,
          updatedAt: c,
        });
        for (let n = 0; n < 3; n++) {
          await s.append({
            id: `${id}-m${n}`,
            conversationId: id,
            role: n % 2 ? 'assistant' : 'user',
            content: `${user} says ${n}`,
            attachments: [],
            author: user,
            createdAt: 10 + n,
            tokens: 2,
          });
        }
      }
    }
    await s.addMemory({
      id: 'alice-mem',
      conversationId: 'webchat:alice-0',
      userId: 'alice',
      content: 'alice likes tea',
      createdAt: 20,
    });
    await s.saveSummary({
      conversationId: 'webchat:alice-0',
      content: 'alice talked about tea',
      throughMessageId: 'webchat:alice-0-m0',
      updatedAt: 21,
    });
    await s.close();
    configFile = join(dir, 'hearth.yml');
    writeFileSync(
      configFile,
      `dataDir: ${JSON.stringify(join(dir, 'data'))}\nstorage:\n  history:\n    kind: postgres\n    url: ${JSON.stringify(url)}\n`,
    );
  });
  after(async () => {
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  });

  it('migrates the schema and copies SQLite history into PostgreSQL, idempotently', async () => {
    const m = await hearth('migrate');
    assert.match(
      m.stdout,
      new RegExp(`history \\(postgres\\): schema is current \\(version ${postgresMigrations.length}\\)`),
    );
    const first = await hearth('migrate-store', '--from', sqliteFile, '--to', url);
    assert.match(first.stdout, /copied 2 users, 4 conversations, 12 messages \(0 already present\)/);
    const again = await hearth('migrate-store', '--from', sqliteFile, '--to', url);
    assert.match(again.stdout, /copied 2 users, 4 conversations, 0 messages \(12 already present\)/);
  });

  it('exports and deletes one user on the PostgreSQL backend', async () => {
    const out = join(dir, 'alice.json');
    await hearth('history', 'export', '--user', 'alice', '--out', out);
    const dump = JSON.parse(readFileSync(out, 'utf8'));
    assert.equal(dump.userId, 'alice');
    assert.deepEqual(dump.conversations.map((c: { id: string }) => c.id).sort(), [
      'webchat:alice-0',
      'webchat:alice-1',
    ]);
    assert.equal(dump.messages.length, 6);
    assert.deepEqual(
      dump.memories.map((m: { content: string }) => m.content),
      ['alice likes tea'],
      'memories are copied once, however often migrate-store ran',
    );
    assert.deepEqual(
      dump.summaries.map((x: { content: string }) => x.content),
      ['alice talked about tea'],
    );
    assert.ok(dump.messages.every((m: { content: string }) => m.content.startsWith('alice says')));
    const del = await hearth('history', 'delete', '--user', 'alice');
    assert.match(del.stdout, /deleted 2 conversations of user alice/);
    const after = JSON.parse((await hearth('history', 'export', '--user', 'alice')).stdout);
    assert.deepEqual([after.conversations, after.messages], [[], []]);
    const bob = JSON.parse((await hearth('history', 'export', '--user', 'bob')).stdout);
    assert.equal(bob.messages.length, 6);
  });
});
