import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from '../../../src/storage/sqlite-driver.js';
import { SqliteHistoryStore, migrate } from '../../../src/storage/history/sqlite.js';
import { sqliteMigrations } from '../../../src/storage/history/sqlite-migrations.js';
import { sqlitePreviousRelease } from '../previous-release.js';

/** A database as the first schema version left it, with data in it: the committed frozen file. */
function previousRelease(file: string): void {
  sqlitePreviousRelease(file);
}

describe('SQLite history migrations', () => {
  it('opens data written by the previous schema and keeps it', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'hearth-mig-')), 'hearth.db');
    previousRelease(file);
    const store = new SqliteHistoryStore(file);
    await store.open();
    assert.equal(store.schemaVersion(), sqliteMigrations.length);
    const turns = await store.recent('webchat:a', 1000);
    assert.deepEqual(
      turns.map((t) => t.content),
      ['old words', 'old answer'],
    );
    const group = await store.recent('telegram:-100', 1000);
    assert.deepEqual(
      group.map((t) => [t.author, t.content]),
      [
        ['u2', 'group hello from u2'],
        ['u3', 'photo from u3'],
      ],
    );
    assert.equal(group[1].attachments[0].blobKey, 'media/2025/fixture.jpg');
    assert.equal((await store.usageSince({ userId: 'u1' }, 0)).promptTokens, 10);
    await store.approveSender('telegram', '42');
    assert.equal(await store.isSenderApproved('telegram', '42'), true);
    await store.close();
  });

  it('leaves the data untouched when a migration step fails', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'hearth-mig-')), 'hearth.db');
    previousRelease(file);
    const before = readFileSync(file);
    const db = new Database(file);
    const steps = sqliteMigrations as string[];
    steps.push('CREATE TABLE broken (x INTEGER); INSERT INTO nonexistent VALUES (1);');
    try {
      assert.throws(() => migrate(db), /nonexistent/);
    } finally {
      steps.pop();
    }
    assert.equal(db.pragma('user_version', { simple: true }), 1);
    assert.equal(
      (
        db.prepare("SELECT count(*) n FROM sqlite_master WHERE name IN ('broken', 'approved_senders')").get() as {
          n: number;
        }
      ).n,
      0,
    );
    db.close();
    assert.deepEqual(readFileSync(file), before);
  });

  it('refuses a database from a newer release instead of damaging it', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'hearth-mig-')), 'hearth.db');
    const db = new Database(file);
    db.pragma('user_version = 99');
    db.close();
    const store = new SqliteHistoryStore(file);
    await assert.rejects(store.open(), /newer than this release/);
  });

  it('exports and deletes one user across conversations', async () => {
    const store = new SqliteHistoryStore(':memory:');
    await store.open();
    for (const [conv, user] of [
      ['c:1', 'u1'],
      ['c:2', 'u1'],
      ['c:3', 'u2'],
    ]) {
      await store.upsertConversation({
        id: conv,
        channel: 'c',
        chatId: conv,
        userId: user,
        agent: 'default',
        createdAt: 1,
        updatedAt: 1,
      });
      await store.append({
        id: `${conv}-m`,
        conversationId: conv,
        role: 'user',
        content: `hi from ${user}`,
        attachments: [],
        author: user,
        createdAt: 1,
        tokens: 3,
      });
    }
    const exported = await store.exportUser('u1');
    assert.equal(exported.conversations.length, 2);
    assert.equal(exported.messages.length, 2);
    assert.equal((await store.deleteUser('u1')).conversations, 2);
    assert.equal((await store.exportUser('u1')).messages.length, 0);
    assert.equal((await store.exportUser('u2')).messages.length, 1);
    await store.close();
  });
});
