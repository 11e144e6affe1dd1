import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SqliteRoomLog } from '../../src/canvas/sqlite-room-log.js';
import { SqliteHistoryStore } from '../../src/storage/history/sqlite.js';
import Database, { openDatabase, PAGE_CACHE_KIB, type SqliteDatabase } from '../../src/storage/sqlite-driver.js';

const cacheKiB = (db: SqliteDatabase) => -Number(db.pragma('cache_size', { simple: true }));

test("a connection's page cache is bounded below better-sqlite3's 16 MB default", () => {
  const plain = new Database(':memory:');
  const bounded = openDatabase(':memory:');
  try {
    // Why the bound exists: without it a connection may keep 16 MB of pages.
    assert.equal(cacheKiB(plain), 16_000);
    assert.equal(cacheKiB(bounded), PAGE_CACHE_KIB);
    assert.ok(PAGE_CACHE_KIB <= 4096);
  } finally {
    plain.close();
    bounded.close();
  }
});

test('the history store and the canvas room log open their files with the bounded cache', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-page-cache-'));
  const history = new SqliteHistoryStore(join(dir, 'hearth.db'));
  await history.open();
  const rooms = new SqliteRoomLog(join(dir, 'canvas.db'));
  try {
    // Both keep their connection private; the pragma is per connection, so it is read on theirs.
    assert.equal(cacheKiB((history as unknown as { db: SqliteDatabase }).db), PAGE_CACHE_KIB);
    assert.equal(cacheKiB((rooms as unknown as { db: SqliteDatabase }).db), PAGE_CACHE_KIB);
  } finally {
    await history.close();
    rooms.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
