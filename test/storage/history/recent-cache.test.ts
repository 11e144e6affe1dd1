import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SqliteHistoryStore } from '../../../src/storage/history/sqlite.js';

async function turn(store: SqliteHistoryStore, conv: string, n: number, user = 'u1'): Promise<void> {
  await store.upsertConversation({
    id: conv,
    channel: 'c',
    chatId: conv,
    userId: user,
    agent: 'default',
    createdAt: 1,
    updatedAt: n,
  });
  await store.append({
    id: `${conv}-${n}`,
    conversationId: conv,
    role: 'user',
    content: `m${n}`,
    attachments: [],
    author: user,
    createdAt: n,
    tokens: 10,
  });
}

describe('SQLite history window cache', () => {
  it('serves appended turns and respects budget and limit', async () => {
    const store = new SqliteHistoryStore(':memory:');
    await store.open();
    for (let i = 1; i <= 5; i++) await turn(store, 'a', i);
    assert.deepEqual(
      (await store.recent('a', 1000, 3)).map((m) => m.content),
      ['m3', 'm4', 'm5'],
    );
    await turn(store, 'a', 6);
    assert.deepEqual(
      (await store.recent('a', 1000, 3)).map((m) => m.content),
      ['m4', 'm5', 'm6'],
    );
    assert.deepEqual(
      (await store.recent('a', 25, 10)).map((m) => m.content),
      ['m5', 'm6'],
    );
    await store.close();
  });

  it('never serves a turn another connection deleted', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'hearth-cache-')), 'h.db');
    const server = new SqliteHistoryStore(file);
    const cli = new SqliteHistoryStore(file);
    await server.open();
    await cli.open();
    for (let i = 1; i <= 3; i++) await turn(server, 'a', i);
    assert.equal((await server.recent('a', 1000, 10)).length, 3);
    assert.equal((await cli.deleteUser('u1')).conversations, 1);
    assert.equal((await server.recent('a', 1000, 10)).length, 0);
    await turn(cli, 'a', 9);
    assert.deepEqual(
      (await server.recent('a', 1000, 10)).map((m) => m.content),
      ['m9'],
    );
    await server.close();
    await cli.close();
  });

  it('reads from disk beyond the cached rows', async () => {
    const store = new SqliteHistoryStore(':memory:');
    await store.open();
    for (let i = 1; i <= 150; i++) await turn(store, 'a', i);
    assert.equal((await store.recent('a', 100_000, 120)).length, 120);
    assert.equal((await store.recent('a', 100_000, 40)).at(-1)!.content, 'm150');
    await store.close();
  });
});
