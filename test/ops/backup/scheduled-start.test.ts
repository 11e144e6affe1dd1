/**
 * `hearth start` takes its scheduled backups: the backup module is loaded only when the first
 * run is due (lazy import), so this checks the real process writes an archive and logs it.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startHearth } from '../../harness.js';

describe('scheduled backups of hearth start', () => {
  it('runs a due backup through the lazily loaded backup module and writes the archive', async () => {
    const h = await startHearth({ config: "backup:\n  schedule: '* * * * * *'\n  models: false\n" });
    try {
      const done = await h.waitForLog((l) => l.msg === 'backup done' || l.msg === 'backup failed', 20_000);
      assert.equal(done.msg, 'backup done', JSON.stringify(done));
      const dir = join(h.dataDir, 'backups');
      assert.ok(existsSync(dir));
      assert.ok(
        readdirSync(dir).some((n) => n.startsWith('hearth-backup-')),
        `no archive in ${dir}`,
      );
    } finally {
      await h.stop();
    }
  });
});
