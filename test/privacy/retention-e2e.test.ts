/**
 * Retention wired into the real gateway: a data folder holding old and recent turns (with a stored
 * photo) is opened by `Hearth` with `privacy.retentionDays: 30` and `telegram.retentionDays: 5`;
 * the pass at start deletes what is past its channel's days, with the photo, and the audit log
 * (read through GET /admin/audit) says what went.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Conversation } from '../../src/core/stores.js';
import { LocalBlobStore } from '../../src/storage/blobs/local.js';
import { SqliteHistoryStore } from '../../src/storage/history/sqlite.js';
import { bearer, startGateway, TOKEN, type InProcessGateway } from '../gateway/in-process.js';

const DAY = 86_400_000;
const dataDir = mkdtempSync(join(tmpdir(), 'hearth-retention-e2e-'));
let gw: InProcessGateway | undefined;

async function seed(): Promise<void> {
  const history = new SqliteHistoryStore(join(dataDir, 'hearth.db'));
  await history.open();
  const blobs = new LocalBlobStore(join(dataDir, 'blobs'));
  const now = Date.now();
  const conv = (id: string, channel: string): Conversation => ({
    id,
    channel,
    chatId: id,
    userId: 'u1',
    agent: 'default',
    createdAt: now - 50 * DAY,
    updatedAt: now - 50 * DAY,
  });
  await history.upsertConversation(conv('telegram:7', 'telegram'));
  await history.upsertConversation(conv('webchat:w1', 'webchat'));
  await blobs.put('media/telegram/old.jpg', Buffer.from('old photo'), { mimeType: 'image/jpeg' });
  const turns: Array<[string, string, number, string?]> = [
    ['tg-10d', 'telegram:7', 10, 'media/telegram/old.jpg'],
    ['tg-2d', 'telegram:7', 2],
    ['web-40d', 'webchat:w1', 40],
    ['web-10d', 'webchat:w1', 10],
  ];
  for (const [id, conversationId, days, blobKey] of turns)
    await history.append({
      id,
      conversationId,
      role: 'user',
      content: `turn ${id}`,
      attachments: blobKey ? [{ kind: 'image', blobKey, mimeType: 'image/jpeg' }] : [],
      author: 'u1',
      createdAt: now - days * DAY,
      tokens: 2,
    });
  await history.close();
}

before(async () => {
  await seed();
  gw = await startGateway('privacy:\n  retentionDays: 30\n', {
    env: { HEARTH_DATA_DIR: dataDir },
    channels: 'telegram:\n  enabled: false\n  token: "123:abc"\n  retentionDays: 5\n',
  });
});

after(async () => {
  await gw?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

test('the pass at start deletes turns past their channel’s days with their files, and audits it', async () => {
  type Row = { actor: string; target: string; detail: { messages: number; blobs: number; days: number } };
  let rows: Row[] = [];
  for (let i = 0; i < 250 && rows.length < 2; i++) {
    const res = await fetch(`${gw!.hearth.url}/admin/audit?action=retention.prune`, { headers: bearer(TOKEN) });
    assert.equal(res.status, 200);
    rows = ((await res.json()) as { rows: Row[] }).rows;
    if (rows.length < 2) await sleep(20);
  }
  const byTarget = Object.fromEntries(rows.map((r) => [r.target, r]));
  assert.equal(byTarget.telegram?.actor, 'system');
  assert.deepEqual(
    [byTarget.telegram?.detail.days, byTarget.telegram?.detail.messages, byTarget.telegram?.detail.blobs],
    [5, 1, 1],
  );
  assert.deepEqual([byTarget['*']?.detail.days, byTarget['*']?.detail.messages], [30, 1]);
  assert.equal(existsSync(join(dataDir, 'blobs', 'media', 'telegram', 'old.jpg')), false);

  await gw!.close();
  gw = undefined;
  const history = new SqliteHistoryStore(join(dataDir, 'hearth.db'));
  await history.open();
  const kept = [];
  for (const id of ['tg-10d', 'tg-2d', 'web-40d', 'web-10d']) if (await history.hasMessage(id)) kept.push(id);
  await history.close();
  assert.deepEqual(kept, ['tg-2d', 'web-10d']);
});
