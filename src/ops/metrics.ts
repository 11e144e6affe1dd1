/**
 * Prometheus metrics at `/metrics`: turns and their latency per channel, model calls, latency and tokens
 * per model, cost and budget refusals, circuit breakers, queue depth, readiness, channel and skill health, live canvas
 * rooms, clients, changes and refusals, free disk of the data
 * folder and the model cache, and the process's CPU, memory and event loop
 * (prom-client's default metrics); backups add theirs (src/ops/backup/backup-metrics.ts). `deploy/prometheus/alerts.yml` and `deploy/grafana/hearth.json` use
 * only these (and standard node_exporter / cAdvisor / kube-state-metrics series); a test checks it.
 */
import { statfsSync } from 'node:fs';
import { join } from 'node:path';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CanvasMetrics, EngineMetrics } from '../core/metrics.js';

export interface MetricSources {
  queueDepth(): number | Promise<number>;
  channels(): Array<{ name: string; state: string }>;
  skills(): Array<{ name: string; state: string; calls: number; errors: number; timeouts: number; restarts: number }>;
  /** Whether `/readyz` would answer 200. */
  ready?(): boolean;
  /** Circuit breaker state of each catalog model. */
  breakers?(): Array<{ model: string; state: string }>;
  /** Folders whose file system's free space is exported, by name (`data`, `models`). */
  volumes?(): Record<string, string>;
  /** Live canvas rooms held in memory and browsers connected to them (absent: canvas off). */
  canvas?(): { rooms: number; peers: number } | undefined;
}

const CHANNEL_STATES = ['stopped', 'connecting', 'ready', 'backing-off', 'failed'];

export class Metrics implements EngineMetrics, CanvasMetrics {
  readonly registry = new Registry();
  private readonly turns: Counter<'channel' | 'outcome'>;
  private readonly turnSeconds: Histogram<'channel'>;
  private readonly modelCalls: Counter<'model' | 'outcome'>;
  private readonly modelSeconds: Histogram<'model'>;
  private readonly tokenCount: Counter<'model' | 'kind'>;
  private readonly budgetRefusals: Counter<'budget'>;
  private readonly budgetWarnings: Counter<'budget'>;
  private readonly costCount: Counter<'model'>;
  private readonly canvasChanges: Counter;
  private readonly canvasRefusals: Counter<'code'>;

  constructor(sources: MetricSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.turns = new Counter({
      name: 'hearth_turns_total',
      help: 'Answered turns by channel and outcome',
      labelNames: ['channel', 'outcome'],
      registers,
    });
    this.turnSeconds = new Histogram({
      name: 'hearth_message_latency_seconds',
      help: 'Time from an accepted message to the end of its answer',
      labelNames: ['channel'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60],
      registers,
    });
    this.modelCalls = new Counter({
      name: 'hearth_model_calls_total',
      help: 'Model calls by model and outcome',
      labelNames: ['model', 'outcome'],
      registers,
    });
    this.modelSeconds = new Histogram({
      name: 'hearth_model_call_seconds',
      help: 'Duration of model calls',
      labelNames: ['model'],
      buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120],
      registers,
    });
    this.tokenCount = new Counter({
      name: 'hearth_tokens_total',
      help: 'Tokens by model and kind (prompt, completion)',
      labelNames: ['model', 'kind'],
      registers,
    });
    this.costCount = new Counter({
      name: 'hearth_cost_usd_total',
      help: 'USD spent on model calls, at the known price of each model',
      labelNames: ['model'],
      registers,
    });
    this.budgetRefusals = new Counter({
      name: 'hearth_budget_refusals_total',
      help: 'Turns refused before the model call because a budget was reached',
      labelNames: ['budget'],
      registers,
    });
    this.budgetWarnings = new Counter({
      name: 'hearth_budget_warnings_total',
      help: 'Budgets that passed 80 % of their limit (counted once per budget and period)',
      labelNames: ['budget'],
      registers,
    });
    this.canvasChanges = new Counter({
      name: 'hearth_canvas_changes_total',
      help: 'Changes made to live canvas rooms on this process (strokes, shapes, erases; by browsers and the canvas skill)',
      registers,
    });
    this.canvasRefusals = new Counter({
      name: 'hearth_canvas_refused_total',
      help: 'Canvas clients refused or cut off (malformed or oversized updates, limits, full rooms), by error code',
      labelNames: ['code'],
      registers,
    });
    new Gauge({
      name: 'hearth_canvas_rooms',
      help: 'Live canvas rooms held in memory (idle ones are unloaded)',
      registers,
      collect() {
        this.set(sources.canvas?.()?.rooms ?? 0);
      },
    });
    new Gauge({
      name: 'hearth_canvas_clients',
      help: 'Browsers connected to live canvas rooms',
      registers,
      collect() {
        this.set(sources.canvas?.()?.peers ?? 0);
      },
    });
    new Gauge({
      name: 'hearth_queue_depth',
      help: 'Inbound messages accepted and not yet answered',
      registers,
      async collect() {
        this.set(await sources.queueDepth());
      },
    });
    new Gauge({
      name: 'hearth_channel_state',
      help: '1 for the state each channel is in',
      labelNames: ['channel', 'state'],
      registers,
      collect() {
        this.reset();
        for (const c of sources.channels())
          for (const s of CHANNEL_STATES) this.set({ channel: c.name, state: s }, c.state === s ? 1 : 0);
      },
    });
    const skillGauge = (name: string, help: string, pick: (s: ReturnType<MetricSources['skills']>[number]) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['skill'],
        registers,
        collect() {
          this.reset();
          for (const s of sources.skills()) this.set({ skill: s.name }, pick(s));
        },
      });
    skillGauge('hearth_skill_up', '1 when the skill is running', (s) =>
      s.state === 'ready' || s.state === 'running' ? 1 : 0,
    );
    skillGauge('hearth_skill_calls', 'Tool calls served by the skill since start', (s) => s.calls);
    skillGauge('hearth_skill_errors', 'Tool calls of the skill that failed since start', (s) => s.errors);
    skillGauge('hearth_skill_timeouts', 'Tool calls of the skill that timed out since start', (s) => s.timeouts);
    skillGauge('hearth_skill_restarts', 'Restarts of the skill process since start', (s) => s.restarts);
    new Gauge({
      name: 'hearth_ready',
      help: '1 when the process can serve (/readyz answers 200), 0 while draining',
      registers,
      collect() {
        this.set(sources.ready?.() === false ? 0 : 1);
      },
    });
    new Gauge({
      name: 'hearth_model_breaker_open',
      help: "1 when the model's circuit breaker is open (calls skipped), else 0",
      labelNames: ['model'],
      registers,
      collect() {
        this.reset();
        for (const b of sources.breakers?.() ?? []) this.set({ model: b.model }, b.state === 'open' ? 1 : 0);
      },
    });
    const volumeGauge = (
      name: string,
      help: string,
      pick: (s: { bavail: number; blocks: number; bsize: number }) => number,
    ) =>
      new Gauge({
        name,
        help,
        labelNames: ['volume'],
        registers,
        collect() {
          this.reset();
          for (const [volume, path] of Object.entries(sources.volumes?.() ?? {})) {
            const stats = statfsOf(path);
            if (stats) this.set({ volume }, pick(stats));
          }
        },
      });
    volumeGauge(
      'hearth_volume_free_bytes',
      'Free bytes (for unprivileged users) on the file system of the data folder and the model cache',
      (s) => s.bavail * s.bsize,
    );
    volumeGauge(
      'hearth_volume_size_bytes',
      'Size in bytes of the file system of the data folder and the model cache',
      (s) => s.blocks * s.bsize,
    );
  }

  turn(channel: string, outcome: 'ok' | 'error', seconds: number): void {
    this.turns.inc({ channel, outcome });
    this.turnSeconds.observe({ channel }, seconds);
  }

  modelCall(model: string, outcome: 'ok' | 'error' | 'timeout' | 'circuit-open', seconds: number): void {
    this.modelCalls.inc({ model, outcome });
    if (outcome !== 'circuit-open') this.modelSeconds.observe({ model }, seconds);
  }

  tokens(model: string, prompt: number, completion: number): void {
    this.tokenCount.inc({ model, kind: 'prompt' }, prompt);
    this.tokenCount.inc({ model, kind: 'completion' }, completion);
  }

  cost(model: string, usd: number): void {
    this.costCount.inc({ model }, usd);
  }

  canvasChange(): void {
    this.canvasChanges.inc();
  }

  canvasRefused(code: string): void {
    this.canvasRefusals.inc({ code });
  }

  budgetRefused(budget: string): void {
    this.budgetRefusals.inc({ budget });
  }

  budgetWarned(budget: string): void {
    this.budgetWarnings.inc({ budget });
  }
}

/** The file system of the folder, or of its nearest existing parent (the model cache may not exist yet). */
function statfsOf(path: string): { bavail: number; blocks: number; bsize: number } | undefined {
  for (let p = path; ; p = join(p, '..')) {
    try {
      return statfsSync(p);
    } catch {
      if (p === join(p, '..')) return undefined;
    }
  }
}
