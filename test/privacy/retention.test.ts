/**
 * Retention on the real SQLite history, local blob store and audit log, with a clock the test
 * moves: at start and then daily, a channel's messages older than its `retentionDays` go with
 * their files, other channels keep theirs (or follow the default), and each deletion is audited.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, mock } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { channelsFileSchema } from '../../src/channels/config.js';
import { configSchema } from '../../src/core/config.js';
import type { Conversation, StoredMessage } from '../../src/core/stores.js';
import { Retention, retentionPolicy } from '../../src/privacy/retention.js';
import { openSqliteAuditLog, type AuditLog } from '../../src/security/audit-log.js';
import { LocalBlobStore } from '../../src/storage/blobs/local.js';
import { SqliteHistoryStore } from '../../src/storage/history/sqlite.js';

const DAY = 86_400_000;
const start = Date.UTC(2026, 0, 31, 12);

describe('retention', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-retention-'));
  const history = new SqliteHistoryStore(join(dir, 'history.db'));
  const blobs = new LocalBlobStore(join(dir, 'blobs'));
  let audit: AuditLog;
  let now = start;
  let retention: Retention;

  const conversation = (id: string, channel: string): Conversation => ({
    id,
    channel,
    chatId: id,
    userId: 'u1',
    agent: 'default',
    createdAt: start - 60 * DAY,
    updatedAt: start - 60 * DAY,
  });
  /** A user turn `ageDays` old at the start, with a stored photo when `blob` is given. */
  const turn = async (id: string, conversationId: string, ageDays: number, blob?: string) => {
    if (blob) await blobs.put(blob, Buffer.from(`bytes of ${id}`), { mimeType: 'image/jpeg' });
    const m: StoredMessage = {
      id,
      conversationId,
      role: 'user',
      content: `turn ${id}`,
      attachments: blob ? [{ kind: 'image', blobKey: blob, mimeType: 'image/jpeg' }] : [],
      author: 'u1',
      createdAt: start - ageDays * DAY,
      tokens: 3,
    };
    await history.append(m);
  };
  const auditRows = async () => {
    const rows: Array<Record<string, unknown>> = [];
    for await (const line of audit.export()) rows.push(JSON.parse(line) as Record<string, unknown>);
    return rows.filter((r) => r.action === 'retention.prune');
  };

  before(async () => {
    await history.open();
    audit = openSqliteAuditLog(join(dir, 'audit.db'), 365);
    for (const [id, channel] of [
      ['telegram:1', 'telegram'],
      ['slack:1', 'slack'],
      ['webchat:1', 'webchat'],
    ] as const)
      await history.upsertConversation(conversation(id, channel));
    await turn('tg-old', 'telegram:1', 10, 'media/tg-old.jpg');
    await turn('tg-new', 'telegram:1', 1, 'media/tg-new.jpg');
    await turn('slack-10d', 'slack:1', 10, 'media/slack.jpg');
    await turn('web-old', 'webchat:1', 40, 'media/web-old.jpg');
    await turn('web-new', 'webchat:1', 2);
    mock.timers.enable({ apis: ['setInterval'] });
    retention = new Retention({
      history,
      blobs,
      audit: (entry) => audit.record(entry),
      log: pino({ level: 'silent' }),
      // telegram keeps 7 days (channels.yml), every other channel 30 (privacy.retentionDays).
      policy: () =>
        retentionPolicy(
          configSchema.parse({ privacy: { retentionDays: 30 } }).privacy.retentionDays,
          channelsFileSchema.parse({
            telegram: { token: '123:abc', retentionDays: 7 },
            discord: { token: 'discord-token' },
          }),
        ),
      now: () => now,
    });
    retention.start();
  });

  after(async () => {
    mock.timers.reset();
    await retention.stop();
    audit.close();
    await history.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('at start: old messages of a channel go with their files; recent ones and other channels stay', async () => {
    await retention.runOnce(); // joins the pass start() began
    assert.equal(await history.hasMessage('tg-old'), false);
    assert.equal(await blobs.get('media/tg-old.jpg'), undefined);
    assert.equal(await history.hasMessage('tg-new'), true);
    assert.ok(await blobs.get('media/tg-new.jpg'));
    // slack has no own setting: the 30-day default keeps a 10-day-old turn.
    assert.equal(await history.hasMessage('slack-10d'), true);
    assert.ok(await blobs.get('media/slack.jpg'));
    assert.equal(await history.hasMessage('web-old'), false);
    assert.equal(await blobs.get('media/web-old.jpg'), undefined);
    assert.equal(await history.hasMessage('web-new'), true);
  });

  it('audits what each policy deleted', async () => {
    const rows = await auditRows();
    assert.deepEqual(
      rows.map((r) => [r.actor, r.target, r.result]),
      [
        ['system', 'telegram', 'ok'],
        ['system', '*', 'ok'],
      ],
    );
    const detail = rows[0]!.detail as Record<string, unknown>;
    assert.equal(detail.days, 7);
    assert.equal(detail.messages, 1);
    assert.equal(detail.blobs, 1);
    assert.equal(detail.before, new Date(start - 7 * DAY).toISOString());
    assert.equal((await audit.verify()).ok, true);
  });

  it('runs again daily: a week later the next turns are past their days', async () => {
    now = start + 7 * DAY;
    mock.timers.tick(DAY);
    // The daily timer starts the pass (nothing else does here): wait for its effect.
    for (let i = 0; i < 200 && (await history.hasMessage('tg-new')); i++) await sleep(10);
    await retention.runOnce();
    assert.equal(await history.hasMessage('tg-new'), false);
    assert.equal(await blobs.get('media/tg-new.jpg'), undefined);
    assert.equal(await history.hasMessage('slack-10d'), true, '17 days old: within the 30-day default');
    assert.equal(await history.hasMessage('web-new'), true);
    assert.equal(await history.getConversation('webchat:1').then((c) => c?.id), 'webchat:1');
    const rows = await auditRows();
    assert.equal(rows.length, 3, 'one pass, not two');
    assert.equal(rows[2]!.target, 'telegram');
  });

  it('a pass that finds nothing old deletes nothing and writes no audit entry', async () => {
    const done = await retention.runOnce();
    assert.deepEqual(
      done.map((d) => [d.channel, d.messages]),
      [
        ['telegram', 0],
        ['*', 0],
      ],
    );
    assert.equal((await auditRows()).length, 3);
  });
});
