/**
 * Scheduled backups: the cron schedule on a fake clock, the retention policy (N daily / M weekly),
 * the job that backs up, encrypts, uploads to S3 (s3rver) and prunes in the folder and the bucket,
 * the metric and log line of success and failure, and the incremental model cache.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import pino from 'pino';
import { Registry } from 'prom-client';
import { configSchema, type ConfigInput } from '../../../src/core/config.js';
import { runBackup } from '../../../src/ops/backup/backup.js';
import { BackupMetrics } from '../../../src/ops/backup/backup-metrics.js';
import { backupJob } from '../../../src/ops/backup/job.js';
import { runRestore, verifyBackup } from '../../../src/ops/backup/restore.js';
import { expiredBackups, isoWeek } from '../../../src/ops/backup/retention.js';
import { CronSchedule, type Clock } from '../../../src/ops/backup/schedule.js';
import { SqliteHistoryStore } from '../../../src/storage/history/sqlite.js';
import { startS3 } from '../../storage/s3-server.js';

const roots: string[] = [];
function tempRoot(): string {
  const r = mkdtempSync(join(tmpdir(), 'hearth-backup-job-'));
  roots.push(r);
  return r;
}
after(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

/** A clock that only moves when told to, firing due timers in order. */
class FakeClock implements Clock {
  private t: number;
  private timers: Array<{ at: number; fn: () => void; id: number }> = [];
  private seq = 0;
  constructor(start: Date) {
    this.t = start.getTime();
  }
  now = () => new Date(this.t);
  setTimeout = (fn: () => void, ms: number) => {
    const id = ++this.seq;
    this.timers.push({ at: this.t + ms, fn, id });
    return id;
  };
  clearTimeout = (h: unknown) => {
    this.timers = this.timers.filter((x) => x.id !== h);
  };
  /** Moves to `to`, firing every timer due on the way (and awaiting what they start). */
  async advanceTo(to: Date): Promise<void> {
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at);
      const next = this.timers[0];
      if (!next || next.at > to.getTime()) break;
      this.timers.shift();
      this.t = next.at;
      next.fn();
      for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    }
    this.t = to.getTime();
  }
}

const logLines: Array<Record<string, unknown>> = [];
const log = pino({ level: 'info' }, { write: (s: string) => void logLines.push(JSON.parse(s)) });
const config = (input: ConfigInput) => configSchema.parse(input);

describe('backup schedule and retention', () => {
  it('runs the default schedule daily at 03:00 on a fake clock, and stops', async () => {
    const clock = new FakeClock(new Date(2026, 11, 1, 12, 0, 0));
    const runs: Date[] = [];
    const s = new CronSchedule(config({}).backup.schedule, async () => void runs.push(clock.now()), clock);
    s.start();
    await clock.advanceTo(new Date(2026, 11, 4, 12, 0, 0));
    assert.deepEqual(
      runs.map((d) => [d.getDate(), d.getHours(), d.getMinutes()]),
      [
        [2, 3, 0],
        [3, 3, 0],
        [4, 3, 0],
      ],
    );
    await s.stop();
    await clock.advanceTo(new Date(2026, 11, 6, 12, 0, 0));
    assert.equal(runs.length, 3);
  });

  it('keeps the newest backup of the last N days and of the last M weeks', () => {
    // Two backups a day for 30 days, from 2026-11-01 to 2026-11-30 (UTC).
    const backups = [];
    for (let day = 1; day <= 30; day++)
      for (const h of [3, 15]) backups.push({ name: `b-${day}-${h}`, at: new Date(Date.UTC(2026, 10, day, h)) });
    const expired = new Set(expiredBackups(backups, 7, 4));
    const kept = backups.filter((b) => !expired.has(b.name)).map((b) => b.name);
    // Daily: the 15:00 backup of Nov 24–30. Weekly: the newest of ISO weeks 49 (Nov 30, a Monday), 48 (Nov 29),
    // 47 (Nov 22) and 46 (Nov 15).
    assert.equal(isoWeek(new Date(Date.UTC(2026, 10, 30))), '2026-W49');
    assert.deepEqual(
      kept.sort(),
      ['b-15-15', 'b-22-15', 'b-24-15', 'b-25-15', 'b-26-15', 'b-27-15', 'b-28-15', 'b-29-15', 'b-30-15'].sort(),
    );
    assert.deepEqual(expiredBackups(backups.slice(0, 1), 0, 0), [], 'the newest is always kept');
  });
});

describe('the backup job', () => {
  it('backs up encrypted, uploads to S3, prunes in the folder and the bucket, and reports success and failure', async () => {
    const s3 = await startS3();
    const root = tempRoot();
    const dataDir = join(root, 'data');
    const store = new SqliteHistoryStore(join(dataDir, 'hearth.db'));
    await store.open();
    await store.upsertConversation({
      id: 'c1',
      channel: 'webchat',
      chatId: 'c1',
      userId: 'u1',
      agent: 'default',
      createdAt: 1,
      updatedAt: 1,
    });
    await store.append({
      id: 'm1',
      conversationId: 'c1',
      role: 'user',
      content: 'secret plans',
      attachments: [],
      author: 'u1',
      createdAt: 1,
      tokens: 2,
    });
    await store.close();
    const key = randomBytes(32).toString('base64');
    const env = { HEARTH_BACKUP_KEY: key, HEARTH_S3_ACCESS_KEY_ID: 'S3RVER', HEARTH_S3_SECRET_ACCESS_KEY: 'S3RVER' };
    const bucket = `backups-${randomBytes(3).toString('hex')}`;
    const cfg = config({
      dataDir,
      backup: {
        dir: join(root, 'backups'),
        keepDaily: 2,
        keepWeekly: 0,
        s3: { bucket, endpoint: s3.endpoint, prefix: 'site-a/' },
      },
    });
    const registry = new Registry();
    const metrics = new BackupMetrics(registry);
    try {
      const files: string[] = [];
      for (const day of [1, 2, 3]) {
        const r = await backupJob({ config: cfg, log, metrics, env, now: () => new Date(Date.UTC(2026, 11, day, 3)) });
        files.push(r.file);
        assert.ok(r.encrypted);
        assert.equal(r.uploaded, `site-a/${r.file.split('/').at(-1)}`);
      }
      // Encrypted: the archive's bytes do not contain the message, and verify needs the key.
      assert.equal(readFileSync(files[2]!).includes('secret plans'), false);
      assert.match(
        (await verifyBackup(files[2]!, { env: {} }).catch((e: Error) => e)).toString(),
        /encrypted: set HEARTH_BACKUP_KEY/,
      );
      assert.deepEqual((await verifyBackup(files[2]!, { env })).problems, []);
      const wrongKey = { HEARTH_BACKUP_KEY: randomBytes(32).toString('base64') };
      await assert.rejects(
        runRestore({ archive: files[2]!, dataDir: join(root, 'wrong'), env: wrongKey }),
        /could not be decrypted.*nothing was changed/,
      );

      // Retention keeps 2 days: the first archive is gone locally and in the bucket.
      const local = readdirSync(join(root, 'backups'))
        .filter((n) => n.startsWith('hearth-backup-'))
        .sort();
      assert.deepEqual(
        local,
        files.slice(1).map((f) => f.split('/').at(-1)),
      );
      const client = new S3Client({
        region: 'us-east-1',
        endpoint: s3.endpoint,
        forcePathStyle: true,
        credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      });
      const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'site-a/' }));
      client.destroy();
      assert.deepEqual((listed.Contents ?? []).map((o) => o.Key!.slice('site-a/'.length)).sort(), local);

      const restored = join(root, 'restored');
      await runRestore({ archive: files[2]!, dataDir: restored, env });
      const back = new SqliteHistoryStore(join(restored, 'hearth.db'));
      await back.open();
      assert.equal((await back.recent('c1', 1000))[0]?.content, 'secret plans');
      await back.close();

      const text = await registry.metrics();
      assert.match(text, new RegExp(`hearth_backup_last_success_timestamp_seconds ${Date.UTC(2026, 11, 3, 3) / 1000}`));
      assert.match(text, /hearth_backups_total\{outcome="ok"\} 3/);
      assert.ok(logLines.some((l) => l.msg === 'backup done' && (l.backup as { encrypted: boolean }).encrypted));
      assert.equal(JSON.stringify(logLines).includes(key), false, 'the key is never logged');

      // A failing backup (the bucket's server is gone) counts and logs as a failure.
      await s3.close();
      await assert.rejects(
        backupJob({ config: cfg, log, metrics, env, now: () => new Date(Date.UTC(2026, 11, 4, 3)) }),
      );
      assert.match(await registry.metrics(), /hearth_backups_total\{outcome="failed"\} 1/);
      assert.ok(logLines.some((l) => l.msg === 'backup failed' && l.errorCode === 'HEARTH_E_BACKUP'));
    } finally {
      await s3.close().catch(() => undefined);
    }
  });

  it('backs up the model cache incrementally: only files no earlier backup holds are copied', async () => {
    const root = tempRoot();
    const dataDir = join(root, 'data');
    mkdirSync(join(dataDir, 'models'), { recursive: true });
    writeFileSync(join(dataDir, 'models', 'a.gguf'), randomBytes(256 * 1024));
    writeFileSync(join(dataDir, 'models', 'b.gguf.part'), 'download in progress');
    const cfg = config({ dataDir, backup: { dir: join(root, 'backups') } });
    const first = await runBackup({ config: cfg, now: () => new Date(Date.UTC(2026, 11, 1, 3)) });
    assert.equal(first.modelsCopied, 1);
    assert.deepEqual(
      first.manifest.models.map((m) => m.path),
      ['data/models/a.gguf'],
    );
    assert.equal(
      first.manifest.members.some((m) => m.path.startsWith('data/models/')),
      false,
      'models are not inside the archive',
    );
    writeFileSync(join(dataDir, 'models', 'c.gguf'), randomBytes(128 * 1024));
    const second = await runBackup({ config: cfg, now: () => new Date(Date.UTC(2026, 11, 2, 3)) });
    assert.equal(second.modelsCopied, 1, 'only the new model is copied');
    assert.equal(second.manifest.models.length, 2);
    const cache = readdirSync(join(root, 'backups', 'model-cache')).filter((n) => /^[0-9a-f]{64}$/.test(n));
    assert.equal(cache.length, 2);
    const restored = join(root, 'restored');
    await runRestore({ archive: second.file, dataDir: restored });
    for (const f of ['a.gguf', 'c.gguf'])
      assert.ok(readFileSync(join(restored, 'models', f)).equals(readFileSync(join(dataDir, 'models', f))));
    // A model-cache file that went missing makes the archive fail verification.
    rmSync(join(root, 'backups', 'model-cache', second.manifest.models[0]!.sha256));
    assert.match((await verifyBackup(second.file)).problems.join('\n'), /not in the model cache/);
  });
});
