/**
 * Where a request's time goes: runs `hearth start` with the inspector on loopback in front of the
 * instant fake model, drives `/v1/chat/completions` (c=32 unless --concurrency, non-streaming unless --stream) with the
 * compare benchmark's load generator, and CPU-profiles only that window (start-up excluded; the
 * same profiler as `--cpu-prof`). Prints self time grouped by package or Hearth folder, and keeps
 * the .cpuprofile (open it in Chrome DevTools or speedscope).
 *
 *   npm run build && node dist/bench/profile.js [--seconds 10] [--stream] [--concurrency 32] [--out DIR] [--root CHECKOUT]
 *
 * --root profiles the (built) Hearth of another checkout, e.g. main, for a before/after figure.
 * Hearth runs unbundled (HEARTH_UNBUNDLED=1: the same code as the start-up bundle, one file per
 * module) so self time can be grouped by package; --bundled profiles the bundle as it ships.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { drive } from './compare/load.js';
import { BENCH_TOKEN, ROOT, connectInspector, option as arg, startBenchHearth, startFakeModel } from './lib.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
}

/** Self time per package (node_modules/<pkg>), Hearth folder (dist/src/<dir>), Node internals or VM state. */
function groupOf(frame: ProfileNode['callFrame']): string {
  const url = frame.url;
  if (!url) return `(${frame.functionName || 'native'})`.replace(/^\(\((.*)\)\)$/, '($1)');
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  const own = /dist\/(src\/[^/]+(?:\/[^/.]+)?)/.exec(url);
  if (own) return own[1];
  if (url.startsWith('node:internal/')) return `node:internal/${url.slice(14).split('/')[0].replace(/\.js$/, '')}`;
  if (url.startsWith('node:')) return url;
  return url.slice(0, 60);
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export function summarizeProfile(p: CpuProfile, top = 30): string[] {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const totals = new Map<string, number>();
  let all = 0;
  p.samples.forEach((id, i) => {
    const g = groupOf(byId.get(id)!.callFrame);
    if (g === '(idle)') return;
    totals.set(g, (totals.get(g) ?? 0) + p.timeDeltas[i]);
    all += p.timeDeltas[i];
  });
  return [...totals]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([g, us]) => `${((us / all) * 100).toFixed(1).padStart(5)} %  ${(us / 1000).toFixed(0).padStart(6)} ms  ${g}`);
}

async function main(): Promise<void> {
  const seconds = Number(arg('--seconds', '10'));
  const root = arg('--root', ROOT);
  const stream = process.argv.includes('--stream');
  const concurrency = Number(arg('--concurrency', '32'));
  const out = arg('--out', mkdtempSync(join(tmpdir(), 'hearth-profile-')));
  mkdirSync(out, { recursive: true });
  const fake = await startFakeModel();
  const hearth = await startBenchHearth(fake.baseUrl, {
    root,
    inspect: true,
    env: process.argv.includes('--bundled') ? {} : { HEARTH_UNBUNDLED: '1' },
  });
  try {
    const target = { baseUrl: `${hearth.url}/v1`, model: 'env', token: BENCH_TOKEN };
    await drive(target, { stream, concurrency: 8, seconds: 2 });
    const inspector = await connectInspector(hearth.inspectPort!);
    const memory = async (label: string) => {
      const r = (await inspector.call('Runtime.evaluate', {
        expression: 'JSON.stringify(process.memoryUsage())',
        returnByValue: true,
      })) as { result: { value: string } };
      const m = JSON.parse(r.result.value) as Record<string, number>;
      const mb = (k: string) => `${k} ${(m[k] / 1048576).toFixed(1)}`;
      console.log(
        `memory ${label}: ${['rss', 'heapTotal', 'heapUsed', 'external', 'arrayBuffers'].map(mb).join(', ')} MB`,
      );
    };
    await memory('before the load (after warm-up)');
    await inspector.call('Profiler.enable');
    await inspector.call('Profiler.start');
    const r = await drive(target, { stream, concurrency, seconds });
    const { profile } = (await inspector.call('Profiler.stop')) as { profile: CpuProfile };
    await memory('right after the load');
    inspector.close();
    console.log(
      `${stream ? 'streaming' : 'non-streaming'} c=${concurrency}: ${(r.requests / r.seconds).toFixed(0)} req/s, P50 ${r.p50.toFixed(1)} ms, errors ${r.errors}`,
    );
    const file = join(out, `hearth-${stream ? 'stream' : 'json'}.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
    console.log(`profile: ${file} (self time during the load, idle excluded)`);
    for (const line of summarizeProfile(profile)) console.log(line);
  } finally {
    await hearth.stop();
    fake.proc.kill('SIGTERM');
  }
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
