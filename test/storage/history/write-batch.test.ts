import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from '../../../src/storage/sqlite-driver.js';
import { SqliteHistoryStore } from '../../../src/storage/history/sqlite.js';
import type { StoredMessage } from '../../../src/core/stores.js';

const dir = mkdtempSync(join(tmpdir(), 'hearth-batch-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const conv = (id: string) => ({
  id,
  channel: 'api',
  chatId: id,
  userId: 'u1',
  agent: 'default',
  createdAt: 1,
  updatedAt: 1,
});
const msg = (conversationId: string, id: string, content = id): StoredMessage => ({
  id,
  conversationId,
  role: 'user',
  content,
  attachments: [],
  author: 'u1',
  createdAt: 1,
  tokens: 1,
});

describe('SQLite history group commit', () => {
  it('commits the writes of one event-loop turn in one transaction, each resolved only once committed', async () => {
    const file = join(dir, 'one-tx.db');
    const store = new SqliteHistoryStore(file);
    await store.open();
    const observer = new Database(file, { readonly: true });
    const version = () => observer.pragma('data_version', { simple: true }) as number;
    const before = version();
    const seen = (id: string) => observer.prepare('SELECT 1 FROM messages WHERE id = ?').get(id) !== undefined;
    await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        await store.upsertConversation(conv(`c${i}`));
        assert.equal(await store.append(msg(`c${i}`, `m${i}`)), true);
        // Resolved means committed: another connection sees the row.
        assert.ok(seen(`m${i}`), `m${i} resolved before it was committed`);
      }),
    );
    assert.equal((observer.prepare('SELECT COUNT(*) n FROM messages').get() as { n: number }).n, 20);
    // 20 conversations and 20 messages in two batches (the appends wait for their conversation), not 40 commits.
    assert.ok(version() - before <= 2, `${version() - before} commits`);
    observer.close();
    await store.close();
  });

  it('makes a resolved write visible to another connection at once', async () => {
    const file = join(dir, 'durable.db');
    const store = new SqliteHistoryStore(file);
    await store.open();
    const observer = new Database(file, { readonly: true });
    await store.upsertConversation(conv('a'));
    assert.equal(await store.append(msg('a', 'a1')), true);
    assert.ok(observer.prepare('SELECT 1 FROM messages WHERE id = ?').get('a1'));
    observer.close();
    await store.close();
  });

  it('fails only the write that broke a constraint, not the others in its batch', async () => {
    const store = new SqliteHistoryStore(join(dir, 'isolation.db'));
    await store.open();
    await store.upsertConversation(conv('ok'));
    const [good, orphan, alsoGood] = await Promise.allSettled([
      store.append(msg('ok', 'g1')),
      store.append(msg('no-such-conversation', 'x1')), // foreign key
      store.append(msg('ok', 'g2')),
    ]);
    assert.equal(good.status, 'fulfilled');
    assert.equal(orphan.status, 'rejected');
    assert.equal(alsoGood.status, 'fulfilled');
    assert.deepEqual(
      (await store.recent('ok', 1000, 10)).map((m) => m.id),
      ['g1', 'g2'],
    );
    assert.equal(await store.hasMessage('x1'), false);
    await store.close();
  });

  it('reads see writes that are still pending', async () => {
    const store = new SqliteHistoryStore(join(dir, 'read-your-writes.db'));
    await store.open();
    await store.upsertConversation(conv('r'));
    await store.recent('r', 1000, 10); // cached as empty
    const appended = store.append(msg('r', 'r1'));
    assert.deepEqual(
      (await store.recent('r', 1000, 10)).map((m) => m.id),
      ['r1'],
    );
    assert.equal(await store.hasMessage('r1'), true);
    const pendingConv = store.upsertConversation(conv('s'));
    assert.equal((await store.getConversation('s'))?.id, 's');
    await Promise.all([appended, pendingConv]);
    await store.close();
  });

  it('commits pending writes on close', async () => {
    const file = join(dir, 'close.db');
    const store = new SqliteHistoryStore(file);
    await store.open();
    await store.upsertConversation(conv('z'));
    const pending = store.append(msg('z', 'z1'));
    await store.close();
    assert.equal(await pending, true);
    const reopened = new SqliteHistoryStore(file);
    await reopened.open();
    assert.equal(await reopened.hasMessage('z1'), true);
    await reopened.close();
  });
});
