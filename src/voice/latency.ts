/**
 * Per-stage latency of voice turns: recorded for every turn, logged as one line, and kept in a
 * bounded window for P50/P95 and the Prometheus exposition at `/voice/metrics`.
 */

/** The stages of one turn, in milliseconds. */
export interface TurnLatency {
  /** Silence waited for before the turn was declared over. */
  endOfTurnMs?: number;
  /** Speech recognition of the utterance. */
  asrMs?: number;
  /** Transcript handed to the engine → first answer token. */
  firstTokenMs?: number;
  /** First sentence complete → first synthesized audio. */
  firstTtsAudioMs?: number;
  /** First synthesized audio → first audio packet on the wire. */
  transportMs?: number;
  /** End of speech (last voiced frame) → first answer audio packet: what the user feels. */
  totalMs?: number;
}

export const STAGES = ['endOfTurnMs', 'asrMs', 'firstTokenMs', 'firstTtsAudioMs', 'transportMs', 'totalMs'] as const;
export type Stage = (typeof STAGES)[number];

/** The q-th quantile (0…1) by nearest rank of an unsorted list. */
export function quantile(values: number[], q: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

export class VoiceMetrics {
  private readonly samples = new Map<Stage, number[]>(STAGES.map((s) => [s, []]));
  private turns = 0;
  private bargeIns = 0;

  constructor(private readonly window = 1000) {}

  record(turn: TurnLatency): void {
    this.turns++;
    for (const stage of STAGES) {
      const v = turn[stage];
      if (v === undefined) continue;
      const list = this.samples.get(stage)!;
      list.push(v);
      if (list.length > this.window) list.shift();
    }
  }

  recordBargeIn(): void {
    this.bargeIns++;
  }

  /** P50/P95 per stage over the window. */
  snapshot(): {
    turns: number;
    bargeIns: number;
    stages: Record<Stage, { count: number; p50?: number; p95?: number }>;
  } {
    const stages = {} as Record<Stage, { count: number; p50?: number; p95?: number }>;
    for (const stage of STAGES) {
      const list = this.samples.get(stage)!;
      stages[stage] = { count: list.length, p50: quantile(list, 0.5), p95: quantile(list, 0.95) };
    }
    return { turns: this.turns, bargeIns: this.bargeIns, stages };
  }

  /** Prometheus text exposition (summaries with 0.5 and 0.95 quantiles, in seconds). */
  prometheus(): string {
    const lines = [
      '# HELP hearth_voice_turns_total Voice turns completed.',
      '# TYPE hearth_voice_turns_total counter',
      `hearth_voice_turns_total ${this.turns}`,
      '# HELP hearth_voice_barge_ins_total Answers interrupted by the user speaking.',
      '# TYPE hearth_voice_barge_ins_total counter',
      `hearth_voice_barge_ins_total ${this.bargeIns}`,
      '# HELP hearth_voice_stage_seconds Latency of each voice pipeline stage.',
      '# TYPE hearth_voice_stage_seconds summary',
    ];
    for (const stage of STAGES) {
      const list = this.samples.get(stage)!;
      const name = stage.replace(/Ms$/, '').replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
      for (const q of [0.5, 0.95]) {
        const v = quantile(list, q);
        if (v !== undefined) lines.push(`hearth_voice_stage_seconds{stage="${name}",quantile="${q}"} ${v / 1000}`);
      }
      lines.push(`hearth_voice_stage_seconds_sum{stage="${name}"} ${list.reduce((a, b) => a + b, 0) / 1000}`);
      lines.push(`hearth_voice_stage_seconds_count{stage="${name}"} ${list.length}`);
    }
    return lines.join('\n') + '\n';
  }
}
