/**
 * deploy/prometheus/alerts.yml passes `promtool check rules`, and `promtool test rules` proves every
 * rule fires just past its threshold after exactly its `for` duration and stays quiet just below it.
 * The cases are written here; the expected annotations are rendered from the rule file itself.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { ALERTS_FILE, rules } from './alert-rules.js';

interface Case {
  /** Input series, promtool notation, sampled every minute. */
  series: Record<string, string>;
  /** Minutes: not firing at `quietAt`, firing at `firesAt` with these labels (besides alertname and severity). */
  quietAt: number;
  firesAt?: number;
  labels?: Record<string, string>;
}

/** Per rule: cases where one series crosses the threshold and another stays just below it. */
const CASES: Record<string, Case[]> = {
  HearthHostCpuHigh: [
    // idle 14 % of a second per second → 86 % busy; 16 % → 84 %. rate() has two samples from 1m: fires at 1m + 5m.
    {
      series: {
        'node_cpu_seconds_total{instance="a",cpu="0",mode="idle"}': '0+8.4x20',
        'node_cpu_seconds_total{instance="b",cpu="0",mode="idle"}': '0+9.6x20',
      },
      quietAt: 5,
      firesAt: 6,
      labels: { instance: 'a' },
    },
  ],
  HearthHostMemoryHigh: [
    {
      series: {
        'node_memory_MemAvailable_bytes{instance="a"}': '9x10',
        'node_memory_MemTotal_bytes{instance="a"}': '100x10',
        'node_memory_MemAvailable_bytes{instance="b"}': '11x10',
        'node_memory_MemTotal_bytes{instance="b"}': '100x10',
      },
      quietAt: 2,
      firesAt: 3,
      labels: { instance: 'a' },
    },
  ],
  HearthMessageLatencyP99High: [
    // 100 answers a minute, 3 of them slower than 2 s: the 99th percentile is above 2 s.
    {
      series: {
        'hearth_message_latency_seconds_bucket{le="1"}': '0x20',
        'hearth_message_latency_seconds_bucket{le="2"}': '0+97x20',
        'hearth_message_latency_seconds_bucket{le="5"}': '0+100x20',
        'hearth_message_latency_seconds_bucket{le="+Inf"}': '0+100x20',
      },
      quietAt: 5,
      firesAt: 6,
      labels: {},
    },
    // all 100 within 2 s: the 99th percentile is 1.99 s.
    {
      series: {
        'hearth_message_latency_seconds_bucket{le="1"}': '0x20',
        'hearth_message_latency_seconds_bucket{le="2"}': '0+100x20',
        'hearth_message_latency_seconds_bucket{le="5"}': '0+100x20',
        'hearth_message_latency_seconds_bucket{le="+Inf"}': '0+100x20',
      },
      quietAt: 20,
    },
  ],
  HearthModelFailureRateHigh: [
    {
      series: {
        'hearth_model_calls_total{model="a",outcome="ok"}': '0+94x20',
        'hearth_model_calls_total{model="a",outcome="error"}': '0+3x20',
        'hearth_model_calls_total{model="a",outcome="timeout"}': '0+3x20',
      },
      quietAt: 5,
      firesAt: 6,
      labels: {},
    },
    // 4 % failing; skipped calls (circuit-open) are not calls and do not count.
    {
      series: {
        'hearth_model_calls_total{model="a",outcome="ok"}': '0+96x20',
        'hearth_model_calls_total{model="a",outcome="error"}': '0+4x20',
        'hearth_model_calls_total{model="a",outcome="circuit-open"}': '0+50x20',
      },
      quietAt: 20,
    },
  ],
  HearthDown: [
    {
      series: { 'up{job="hearth",instance="a"}': '0x5', 'up{job="hearth",instance="b"}': '1x5' },
      quietAt: 0,
      firesAt: 1,
      labels: { job: 'hearth', instance: 'a' },
    },
  ],
  HearthNotReady: [
    {
      series: { 'hearth_ready{instance="a"}': '0x5', 'hearth_ready{instance="b"}': '1x5' },
      quietAt: 1,
      firesAt: 2,
      labels: { instance: 'a' },
    },
  ],
  HearthQueueGrowing: [
    // a grows 5 a minute: above 20 from 5m, so firing at 15m; b holds 30 waiting, not growing.
    {
      series: { 'hearth_queue_depth{instance="a"}': '0+5x20', 'hearth_queue_depth{instance="b"}': '30x20' },
      quietAt: 14,
      firesAt: 15,
      labels: { instance: 'a' },
    },
  ],
  HearthChannelDisconnected: [
    {
      series: {
        'hearth_channel_state{channel="telegram",state="ready"}': '0x10',
        'hearth_channel_state{channel="discord",state="ready"}': '1x10',
      },
      quietAt: 4,
      firesAt: 5,
      labels: { channel: 'telegram', state: 'ready' },
    },
  ],
  HearthModelBreakerOpen: [
    {
      series: { 'hearth_model_breaker_open{model="a"}': '1x5', 'hearth_model_breaker_open{model="b"}': '0x5' },
      quietAt: 1,
      firesAt: 2,
      labels: { model: 'a' },
    },
  ],
  HearthSkillDown: [
    {
      series: { 'hearth_skill_up{skill="weather"}': '0x10', 'hearth_skill_up{skill="clock"}': '1x10' },
      quietAt: 4,
      firesAt: 5,
      labels: { skill: 'weather' },
    },
  ],
  HearthVolumeFilling: [
    {
      series: {
        'hearth_volume_free_bytes{volume="data"}': '9x20',
        'hearth_volume_size_bytes{volume="data"}': '100x20',
        'hearth_volume_free_bytes{volume="models"}': '11x20',
        'hearth_volume_size_bytes{volume="models"}': '100x20',
      },
      quietAt: 9,
      firesAt: 10,
      labels: { volume: 'data' },
    },
  ],
  HearthBackupTooOld: [
    // a's last backup is at time 0: older than 26 h (1560 minutes) from 1561m, firing 10 minutes later;
    // b backs up continuously.
    {
      series: {
        'hearth_backup_last_success_timestamp_seconds{instance="a"}': '0x1600',
        'hearth_backup_last_success_timestamp_seconds{instance="b"}': '0+60x1600',
      },
      quietAt: 1570,
      firesAt: 1571,
      labels: { instance: 'a' },
    },
  ],
  HearthBackupFailed: [
    // a fails one run at 30m; b only succeeds. The failure leaves the 1 h window at 90m.
    {
      series: {
        'hearth_backups_total{instance="a",outcome="failed"}': '0x30 1x70',
        'hearth_backups_total{instance="b",outcome="failed"}': '0x100',
        'hearth_backups_total{instance="b",outcome="ok"}': '0+1x100',
      },
      quietAt: 29,
      firesAt: 31,
      labels: { instance: 'a', outcome: 'failed' },
    },
    { series: { 'hearth_backups_total{instance="a",outcome="failed"}': '0x30 1x70' }, quietAt: 92 },
  ],
  HearthBudgetNearlyUsed: [
    {
      series: {
        'hearth_budget_warnings_total{budget="budgets.user.tokensPerDay"}': '0x10 1x50',
        'hearth_budget_warnings_total{budget="budgets.agent.default.tokensPerDay"}': '0x60',
      },
      quietAt: 10,
      firesAt: 11,
      labels: { budget: 'budgets.user.tokensPerDay' },
    },
  ],
  HearthBudgetRefusing: [
    // refusals from 10m on: firing 5 minutes later; one refusal long ago has left the 10-minute window.
    {
      series: {
        'hearth_budget_refusals_total{budget="budgets.user.tokensPerDay"}': '0x10 1+1x30',
        'hearth_budget_refusals_total{budget="budgets.agent.default.tokensPerDay"}': '0 1x40',
      },
      quietAt: 15,
      firesAt: 16,
      labels: { budget: 'budgets.user.tokensPerDay' },
    },
  ],
};

const render = (template: string, labels: Record<string, string>) =>
  template.replace(/\{\{\s*\$labels\.(\w+)\s*\}\}/g, (_m, name: string) => labels[name] ?? '');

function promtoolTests(): object {
  const byName = new Map(rules().map((r) => [r.alert, r]));
  const tests = Object.entries(CASES).flatMap(([alert, cases]) =>
    cases.map((c) => {
      const rule = byName.get(alert)!;
      const alertRuleTests: object[] = [{ eval_time: `${c.quietAt}m`, alertname: alert, exp_alerts: [] }];
      if (c.firesAt !== undefined) {
        const labels = { ...rule.labels, ...c.labels };
        const annotations = Object.fromEntries(
          Object.entries(rule.annotations).map(([k, v]) => [k, render(v, { ...c.labels })]),
        );
        alertRuleTests.push({
          eval_time: `${c.firesAt}m`,
          alertname: alert,
          exp_alerts: [{ exp_labels: labels, exp_annotations: annotations }],
        });
      }
      return {
        interval: '1m',
        input_series: Object.entries(c.series).map(([series, values]) => ({ series, values })),
        alert_rule_test: alertRuleTests,
      };
    }),
  );
  return { rule_files: [ALERTS_FILE], evaluation_interval: '1m', tests };
}

describe('Prometheus alert rules (promtool)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-alerts-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('pass promtool check rules', () => {
    const out = execFileSync('promtool', ['check', 'rules', ALERTS_FILE], { encoding: 'utf8' });
    assert.match(out, /SUCCESS: \d+ rules found/);
  });

  it('load from the shipped Prometheus configuration (promtool check config)', () => {
    const config = join(ALERTS_FILE, '..', 'prometheus.yml');
    const out = execFileSync('promtool', ['check', 'config', '--syntax-only', config], { encoding: 'utf8' });
    assert.match(out, /SUCCESS/);
  });

  it('ship the four thresholds of the source document', () => {
    const byName = new Map(rules().map((r) => [r.alert, r]));
    assert.match(byName.get('HearthHostCpuHigh')!.expr, /> 0\.85$/);
    assert.equal(byName.get('HearthHostCpuHigh')!.for, '5m');
    assert.match(byName.get('HearthHostMemoryHigh')!.expr, /> 0\.90$/);
    assert.equal(byName.get('HearthHostMemoryHigh')!.for, '3m');
    assert.match(byName.get('HearthMessageLatencyP99High')!.expr, /^histogram_quantile\(0\.99,.*> 2$/);
    assert.match(byName.get('HearthModelFailureRateHigh')!.expr, /> 0\.05\s*$/);
  });

  it('give every rule a runbook and a firing and a quiet case', () => {
    for (const rule of rules()) {
      assert.ok(rule.annotations.runbook && rule.annotations.summary, `${rule.alert} has a summary and a runbook`);
      assert.ok(
        CASES[rule.alert]?.some((c) => c.firesAt !== undefined),
        `${rule.alert} has a firing case`,
      );
    }
    assert.deepEqual(
      Object.keys(CASES).filter((a) => !rules().some((r) => r.alert === a)),
      [],
      'no case for a rule that is gone',
    );
  });

  it('pass promtool test rules: each fires past its threshold after its duration, not before, not below', () => {
    const file = join(dir, 'alerts.test.yml');
    writeFileSync(file, stringify(promtoolTests()));
    let out: string;
    try {
      out = execFileSync('promtool', ['test', 'rules', file], { encoding: 'utf8', stdio: 'pipe' });
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string };
      assert.fail(`promtool test rules failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
    }
    assert.match(out, /SUCCESS/);
  });
});
