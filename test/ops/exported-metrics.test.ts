/**
 * Every metric the shipped alert rules and the Grafana dashboard name is one the real process exports
 * after traffic (a web chat turn, a failed model call, a voice-enabled gateway), or a standard
 * node_exporter series.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startOpenAIFake } from '../fakes/openai-server.js';
import { ROOT, startHearth } from '../harness.js';
import { chatOverWs } from '../webchat-client.js';
import { rules } from '../deploy/alert-rules.js';

/** node_exporter series the rules use (https://github.com/prometheus/node_exporter), and Prometheus's own `up`. */
const STANDARD = new Set([
  'up',
  'node_cpu_seconds_total',
  'node_memory_MemAvailable_bytes',
  'node_memory_MemTotal_bytes',
]);
const PROMQL_WORDS = new Set([
  'sum',
  'by',
  'rate',
  'avg',
  'and',
  'or',
  'histogram_quantile',
  'deriv',
  'increase',
  'time',
  'le',
  'without',
  'max',
  'min',
]);

/** Metric names in a PromQL expression: identifiers not inside `{…}` label matchers, not functions or keywords. */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/\b(by|without)\s*\([^)]*\)/g, '')
    .replace(/\{[^}]*\}/g, '{}')
    .replace(/\[[^\]]*\]/g, '[]')
    .replace(/"[^"]*"/g, '""');
  const names = [...bare.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)].map((m) => m[0]);
  return names.filter(
    (n, i) =>
      !PROMQL_WORDS.has(n) &&
      !/^\d/.test(n) &&
      !bare.slice(bare.indexOf(n) + n.length).startsWith('(') &&
      names.indexOf(n) === i,
  );
}

const dashboard = JSON.parse(readFileSync(join(ROOT, 'deploy', 'grafana', 'hearth.json'), 'utf8')) as {
  panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
};

describe('metrics named by the alert rules and the dashboard', () => {
  it('reads the metric names out of the expressions', () => {
    assert.deepEqual(
      metricNames('histogram_quantile(0.99, sum by (le) (rate(hearth_message_latency_seconds_bucket{a="b"}[5m]))) > 2'),
      ['hearth_message_latency_seconds_bucket'],
    );
    assert.deepEqual(metricNames('time() - hearth_backup_last_success_timestamp_seconds > 26 * 3600'), [
      'hearth_backup_last_success_timestamp_seconds',
    ]);
    assert.deepEqual(metricNames('sum by (model, kind) (rate(hearth_tokens_total[5m]))'), ['hearth_tokens_total']);
  });

  it('are all exported by the running process after traffic', async () => {
    const model = await startOpenAIFake();
    model.setReply((body) =>
      JSON.stringify(body).includes('please fail') ? { status: 500, errorMessage: 'boom' } : { text: 'fine' },
    );
    const h = await startHearth({
      timeoutMs: 90_000,
      config: `models:\n  default: a\n  retries: 0\n  catalog:\n    a: { provider: openai, baseUrl: "${model.baseUrl}", model: ma }\nvoice:\n  enabled: true\n  asr: { provider: pocketsphinx, mode: grammar, phrases: ["what time is it"] }\n  tts: { provider: espeak }\n`,
    }).catch(async (err: unknown) => {
      await model.close();
      throw err;
    });
    let exposition: string;
    try {
      await chatOverWs(h.baseUrl, 'hello');
      const failed = await fetch(`${h.baseUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${h.token}` },
        body: JSON.stringify({ model: 'a', messages: [{ role: 'user', content: 'please fail' }] }),
      });
      assert.ok(failed.status >= 500);
      const metrics = await fetch(`${h.baseUrl}/metrics`);
      assert.equal(metrics.status, 200);
      const voice = await fetch(`${h.baseUrl}/voice/metrics`, { headers: { authorization: `Bearer ${h.token}` } });
      assert.equal(voice.status, 200);
      exposition = `${await metrics.text()}\n${await voice.text()}`;
    } finally {
      await h.stop();
      await model.close();
    }
    // A series, or a family declared by `# TYPE` (a summary whose quantiles need a voice turn first).
    const exported = new Set(
      [...exposition.matchAll(/^(?:# TYPE )?([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{| )/gm)].map((m) => m[1]!),
    );
    assert.match(
      exposition,
      /hearth_model_calls_total\{model="a",outcome="error"\} 1/,
      'the failed model call is counted',
    );
    assert.match(exposition, /hearth_ready 1/);
    assert.match(exposition, /hearth_model_breaker_open\{model="a"\} 0/);
    assert.match(exposition, /hearth_volume_free_bytes\{volume="data"\} [1-9]/);
    assert.match(exposition, /hearth_volume_size_bytes\{volume="models"\} [1-9]/);

    const named = new Map<string, string>();
    for (const rule of rules()) for (const n of metricNames(rule.expr)) named.set(n, `alert ${rule.alert}`);
    for (const panel of dashboard.panels)
      for (const t of panel.targets) for (const n of metricNames(t.expr)) named.set(n, `panel ${panel.title}`);
    assert.ok(named.size > 15, `found the names (${[...named.keys()].join(', ')})`);
    const missing = [...named]
      .filter(([n]) => !STANDARD.has(n) && !exported.has(n))
      .map(([n, where]) => `${n} (${where})`);
    assert.deepEqual(missing, [], 'every metric named is exported');
  });
});
