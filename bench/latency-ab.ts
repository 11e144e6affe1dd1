/**
 * The added latency at c=1, A against B: the same fake model, two built checkouts started one after
 * the other in alternating rounds (A, B, A, B, …), each driven with sequential non-streaming
 * `/v1/chat/completions`. Prints per round the client-side P50 minus the fake alone's P50 and the
 * main thread's CPU time per request (from /proc: steadier than wall time on a shared host), then
 * the medians per side. For a before/after figure of a change to the request path:
 *
 *   npm run build && node dist/bench/latency-ab.js --root-b /path/to/other/checkout [--rounds 5] [--seconds 8]
 *
 * Without --root-a, A is this checkout. Both must be built (`npm run build`).
 */
import { readFileSync } from 'node:fs';
import { BENCH_TOKEN, ROOT, option, sleep, startBenchHearth, startFakeModel } from './lib.js';
import { drive } from './compare/load.js';

const CLOCK_TICKS = 100;

/** utime + stime of the process's main thread, ms. */
function mainThreadCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const roots = { A: option('--root-a', ROOT), B: option('--root-b', '') };
  if (!roots.B) throw new Error('--root-b <checkout> is required');
  const rounds = Number(option('--rounds', '5'));
  const seconds = Number(option('--seconds', '8'));
  const fake = await startFakeModel();
  try {
    const alone = await drive(
      { baseUrl: fake.baseUrl, model: 'fake-gpt' },
      { stream: false, concurrency: 1, seconds: 3 },
    );
    console.log(`fake alone c=1 P50 ${alone.p50.toFixed(3)} ms`);
    const rows: Record<'A' | 'B', { added: number[]; cpu: number[] }> = {
      A: { added: [], cpu: [] },
      B: { added: [], cpu: [] },
    };
    for (let r = 1; r <= rounds; r++) {
      for (const side of ['A', 'B'] as const) {
        const hearth = await startBenchHearth(fake.baseUrl, { root: roots[side] });
        try {
          const target = { baseUrl: `${hearth.url}/v1`, model: 'env', token: BENCH_TOKEN };
          await drive(target, { stream: false, concurrency: 1, seconds: 2 });
          await sleep(500);
          const cpu0 = mainThreadCpuMs(hearth.proc.pid!);
          const res = await drive(target, { stream: false, concurrency: 1, seconds });
          const cpu = (mainThreadCpuMs(hearth.proc.pid!) - cpu0) / res.requests;
          if (res.errors) throw new Error(`${side}: ${res.errors} errors (${res.firstError})`);
          rows[side].added.push(res.p50 - alone.p50);
          rows[side].cpu.push(cpu);
          console.log(
            `round ${r} ${side}: ${res.requests} requests, added P50 ${(res.p50 - alone.p50).toFixed(3)} ms, ` +
              `main-thread CPU ${cpu.toFixed(3)} ms/request`,
          );
        } finally {
          await hearth.stop();
        }
      }
    }
    for (const side of ['A', 'B'] as const) {
      console.log(
        `${side} (${roots[side]}): added P50 median ${median(rows[side].added).toFixed(3)} ms, ` +
          `main-thread CPU median ${median(rows[side].cpu).toFixed(3)} ms/request`,
      );
    }
  } finally {
    fake.proc.kill('SIGTERM');
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
