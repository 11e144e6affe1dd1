/** The shipped backup alert rules are valid Prometheus rules and name only metrics Hearth exports. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { parse } from 'yaml';
import { BackupMetrics } from '../../../src/ops/backup/backup-metrics.js';
import { ROOT } from '../../harness.js';

const file = join(ROOT, 'deploy', 'prometheus', 'backup-alerts.yml');

describe('backup alert rules', () => {
  it('pass promtool and name exported metrics', async () => {
    execFileSync('promtool', ['check', 'rules', file], { stdio: 'pipe' });
    const registry = new Registry();
    new BackupMetrics(registry);
    const exported = new Set((await registry.getMetricsAsJSON()).map((m) => m.name));
    const rules = (
      parse(readFileSync(file, 'utf8')) as { groups: Array<{ rules: Array<{ alert: string; expr: string }> }> }
    ).groups.flatMap((g) => g.rules);
    assert.deepEqual(
      rules.map((r) => r.alert),
      ['HearthBackupFailed', 'HearthBackupStale'],
    );
    for (const r of rules)
      for (const name of r.expr.match(/hearth_[a-z_]+/g) ?? [])
        assert.ok(exported.has(name), `${r.alert}: ${name} is exported`);
  });
});
