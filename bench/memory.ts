/**
 * Where memory goes before, right after and a while after a load: runs `hearth start` with the
 * inspector on loopback in front of the instant fake model, drives `/v1/chat/completions` at c=32
 * (the compare benchmark's load generator) and at three points prints RSS split by
 * /proc/PID/smaps_rollup and smaps (V8's heap vs malloc arenas vs code), `process.memoryUsage()`
 * and V8's heap spaces. With --snapshots it also takes a heap snapshot at each point and prints the
 * constructors whose live size grew most. A snapshot collects garbage first, so the RSS figures
 * after the first snapshot are no longer those of an undisturbed process: measure without
 * --snapshots, attribute with it.
 *
 *   npm run build && node dist/bench/memory.js [--seconds 15] [--settle 60] [--stream] [--snapshots] [--root CHECKOUT]
 *      [--env KEY=VALUE]…
 */
import { readFileSync, createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { drive } from './compare/load.js';
import {
  BENCH_TOKEN,
  ROOT,
  connectInspector,
  option as arg,
  sleep,
  startBenchHearth,
  startFakeModel,
  type Inspector,
} from './lib.js';
const mb = (bytes: number) => (bytes / 1048576).toFixed(1);

/** RSS of one process split by mapping kind, MB: V8 heap pages and malloc arenas are both anonymous. */
export function smapsSplit(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  let kind = 'other';
  for (const line of text.split('\n')) {
    const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \d+\s*(.*)$/.exec(line);
    if (head) {
      const name = head[1];
      kind =
        name === '[heap]'
          ? 'brk heap (malloc)'
          : name === ''
            ? 'anonymous (V8 pages, malloc arenas, thread stacks)'
            : name.startsWith('[')
              ? name
              : /\.node$|\.so/.test(name)
                ? 'shared libraries'
                : name.endsWith('/node') || name.endsWith('/nodejs')
                  ? 'node binary'
                  : 'other files';
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) out[kind] = (out[kind] ?? 0) + Number(rss[1]) / 1024;
  }
  return out;
}

interface HeapSnapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

/** Live size and count per constructor (objects) or node type (strings, code, arrays …). */
export function byConstructor(snap: HeapSnapshot): Map<string, { size: number; count: number }> {
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const width = fields.length;
  const [t, n, s] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
  const out = new Map<string, { size: number; count: number }>();
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + t]];
    const key = type === 'object' || type === 'native' ? snap.strings[snap.nodes[i + n]] : `(${type})`;
    const row = out.get(key) ?? { size: 0, count: 0 };
    row.size += snap.nodes[i + s];
    row.count++;
    out.set(key, row);
  }
  return out;
}

/**
 * Takes a heap snapshot into `file` (V8 collects garbage first), prints its live size and the 25
 * constructors that grew most since `prev` (or the largest, without one); returns the sizes.
 */
export async function snapshotGrowth(
  inspector: Inspector,
  file: string,
  prev?: Map<string, { size: number; count: number }>,
): Promise<Map<string, { size: number; count: number }>> {
  const out = createWriteStream(file);
  inspector.on('HeapProfiler.addHeapSnapshotChunk', (p) => out.write(p.chunk as string));
  await inspector.call('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
  await new Promise((r) => out.end(r));
  const by = byConstructor(JSON.parse(readFileSync(file, 'utf8')) as HeapSnapshot);
  const total = [...by.values()].reduce((a, r) => a + r.size, 0);
  console.log(`  snapshot ${file}: live ${mb(total)} MB`);
  const rows = [...by]
    .map(([k, r]) => ({
      k,
      ...r,
      dSize: r.size - (prev?.get(k)?.size ?? 0),
      dCount: r.count - (prev?.get(k)?.count ?? 0),
    }))
    .sort((a, b) => (prev ? Math.abs(b.dSize) - Math.abs(a.dSize) : b.size - a.size))
    .slice(0, 25);
  for (const r of rows)
    console.log(
      `    ${mb(r.size).padStart(7)} MB ${String(r.count).padStart(8)}  Δ ${mb(r.dSize).padStart(6)} MB ${String(r.dCount).padStart(7)}  ${r.k.slice(0, 80)}`,
    );
  return by;
}

async function main(): Promise<void> {
  const seconds = Number(arg('--seconds', '15'));
  const settle = Number(arg('--settle', '60'));
  const root = arg('--root', ROOT);
  const stream = process.argv.includes('--stream');
  const snapshots = process.argv.includes('--snapshots');
  const extraEnv: Record<string, string> = {};
  process.argv.forEach((a, i) => {
    if (a !== '--env') return;
    const [k, ...v] = process.argv[i + 1].split('=');
    extraEnv[k] = v.join('=');
  });
  const fake = await startFakeModel();
  const hearth = await startBenchHearth(fake.baseUrl, { root, inspect: true, env: extraEnv });
  const { work } = hearth;
  const pid = hearth.proc.pid!;
  try {
    const inspector = await connectInspector(hearth.inspectPort!);
    const evaluate = async (expression: string) =>
      JSON.parse(
        (
          (await inspector.call('Runtime.evaluate', { expression, returnByValue: true })) as {
            result: { value: string };
          }
        ).result.value,
      );
    const sizes: Array<Map<string, { size: number; count: number }>> = [];
    const point = async (label: string) => {
      const m = (await evaluate('JSON.stringify(process.memoryUsage())')) as Record<string, number>;
      const spaces = (await evaluate(
        "JSON.stringify(process.getBuiltinModule('v8').getHeapSpaceStatistics().map(s => [s.space_name, s.space_size, s.space_used_size]))",
      ).catch(() => [])) as Array<[string, number, number]>;
      const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
      const field = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(rollup)?.[1] ?? 0) / 1024;
      const split = smapsSplit(readFileSync(`/proc/${pid}/smaps`, 'utf8'));
      console.log(`\n== ${label}`);
      console.log(
        `RSS ${field('Rss').toFixed(1)} MB (anonymous ${field('Anonymous').toFixed(1)}, file-backed ${(field('Rss') - field('Anonymous')).toFixed(1)})`,
      );
      console.log(
        `memoryUsage: heapTotal ${mb(m.heapTotal)}, heapUsed ${mb(m.heapUsed)}, external ${mb(m.external)}, arrayBuffers ${mb(m.arrayBuffers)} MB`,
      );
      console.log(
        `RSS not in V8's heap: ${(field('Rss') - m.heapTotal / 1048576).toFixed(1)} MB (of it anonymous ${(field('Anonymous') - m.heapTotal / 1048576).toFixed(1)})`,
      );
      for (const [k, v] of Object.entries(split).sort((a, b) => b[1] - a[1]))
        console.log(`  smaps ${k}: ${v.toFixed(1)} MB`);
      if (spaces.length)
        console.log(`  spaces (size/used MB): ${spaces.map(([n, s, u]) => `${n} ${mb(s)}/${mb(u)}`).join(', ')}`);
      if (snapshots)
        sizes.push(
          await snapshotGrowth(inspector, join(work, `${label.replace(/\W+/g, '-')}.heapsnapshot`), sizes.at(-1)),
        );
    };
    const target = { baseUrl: `${hearth.url}/v1`, model: 'env', token: BENCH_TOKEN };
    await drive(target, { stream, concurrency: 1, seconds: 1 });
    await sleep(12_000); // the idle collector's first idle check after the warm-up
    await point('idle (after a 1 s warm-up and 12 s idle)');
    const r = await drive(target, { stream, concurrency: 32, seconds });
    console.log(
      `\n${stream ? 'streaming' : 'non-streaming'} c=32 ${seconds} s: ${(r.requests / r.seconds).toFixed(0)} req/s, errors ${r.errors}`,
    );
    await point('right after the load');
    await sleep(settle * 1000);
    await point(`${settle} s after the load`);
    inspector.close();
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
