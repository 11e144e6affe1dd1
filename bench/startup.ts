/**
 * Launch → `/readyz` 200, the CPU time used until then, and idle resident memory of `hearth start` with an empty config and
 * `MODEL_ENDPOINT` set (nothing answers there: start-up does not call the model). Each `--root`
 * is a built checkout; runs alternate between them so machine load hits both alike.
 *
 *   npm run build && node dist/bench/startup.js [--runs 5] [--settle-ms 4000] [--root DIR]... [--variant KEY=VALUE]... [--trace]
 *
 * Each `--variant KEY=VALUE` adds, for every root, runs with that variable in Hearth's environment (e.g.
 * `--variant HEARTH_UNBUNDLED=1` for the compiled modules one by one instead of the esbuild bundle).
 *
 * `--trace` instead prints the modules one start loads (ESM resolve hook + CommonJS `require`),
 * grouped by package, for the first root.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { moduleTracePreload } from '../test/module-trace.js';
import { ROOT, option, rssMb, sleep } from './lib.js';

function roots(): string[] {
  const out: string[] = [];
  for (let i = 0; i < process.argv.length; i++) if (process.argv[i] === '--root') out.push(process.argv[i + 1]);
  return out.length ? out : [ROOT];
}

/** CPU time (user + system) the process has used so far, in ms, from /proc/<pid>/stat. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // utime and stime are fields 14 and 15 of the whole line, in clock ticks (100 per second on Linux).
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** `--variant KEY=VALUE` options: each is one extra environment the roots run with. */
function variants(): Array<Record<string, string>> {
  const out: Array<Record<string, string>> = [{}];
  for (let i = 0; i < process.argv.length; i++)
    if (process.argv[i] === '--variant') {
      const [key, ...value] = (process.argv[i + 1] ?? '').split('=');
      out.push({ [key]: value.join('=') });
    }
  return out;
}

async function once(
  root: string,
  settleMs: number,
  trace?: string,
  extraEnv: Record<string, string> = {},
): Promise<{ readyMs: number; cpuMs: number; rss: number }> {
  const work = mkdtempSync(join(tmpdir(), 'hearth-startup-'));
  const config = join(work, 'hearth.yml');
  writeFileSync(config, '{}\n');
  const port = await freePort();
  const t0 = performance.now();
  const proc = spawn(
    process.execPath,
    [
      ...(trace ? ['--import', moduleTracePreload(work, trace, { cjs: true })] : []),
      join(root, 'bin/hearth.js'),
      'start',
      '--config',
      config,
    ],
    {
      cwd: work,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: work,
        HEARTH_HOST: '127.0.0.1',
        HEARTH_PORT: String(port),
        HEARTH_DATA_DIR: join(work, 'data'),
        MODEL_ENDPOINT: 'http://127.0.0.1:9/v1',
        ...extraEnv,
      },
      stdio: 'ignore',
    },
  );
  try {
    let readyMs = 0;
    let cpu = 0;
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`${root}: hearth exited ${proc.exitCode} before ready`);
      const ok = await fetch(`http://127.0.0.1:${port}/readyz`)
        .then((r) => r.status === 200)
        .catch(() => false);
      if (ok) {
        readyMs = performance.now() - t0;
        cpu = cpuMs(proc.pid!);
        break;
      }
      if (performance.now() - t0 > 60_000) throw new Error(`${root}: not ready within 60 s`);
      await sleep(5);
    }
    await sleep(settleMs);
    return { readyMs, cpuMs: cpu, rss: rssMb(proc.pid!) };
  } finally {
    proc.kill('SIGTERM');
    await new Promise((r) => (proc.exitCode !== null ? r(null) : proc.once('exit', r)));
    rmSync(work, { recursive: true, force: true });
  }
}

const runs = Number(option('--runs', '5'));
const settleMs = Number(option('--settle-ms', '4000'));
const checkouts = roots();

if (process.argv.includes('--trace')) {
  const out = join(mkdtempSync(join(tmpdir(), 'hearth-trace-')), 'modules.txt');
  writeFileSync(out, '');
  await once(checkouts[0], 500, out);
  const files = new Set(
    readFileSync(out, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => l.replace(/^cjs:/, '').replace(/^file:\/\//, '')),
  );
  const byPackage = new Map<string, number>();
  for (const f of files) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(f);
    const key = m
      ? m[1]
      : f.startsWith('node:') || !f.includes('/')
        ? '(node builtins)'
        : f.replace(/.*\/dist\//, 'dist/');
    byPackage.set(key, (byPackage.get(key) ?? 0) + 1);
  }
  const packages = [...byPackage].filter(([k]) => !k.startsWith('dist/')).sort((a, b) => b[1] - a[1]);
  console.log(`${files.size} modules`);
  for (const [k, n] of packages) console.log(`${String(n).padStart(5)}  ${k}`);
  console.log(
    [...byPackage.keys()]
      .filter((k) => k.startsWith('dist/'))
      .sort()
      .join('\n'),
  );
} else {
  const candidates = checkouts.flatMap((root) =>
    variants().map((env) => ({
      root,
      env,
      label: `${root}${
        Object.keys(env).length
          ? ' ' +
            Object.entries(env)
              .map(([k, v]) => `${k}=${v}`)
              .join(' ')
          : ''
      }`,
    })),
  );
  const results = new Map<string, { readyMs: number[]; cpuMs: number[]; rss: number[] }>(
    candidates.map((c) => [c.label, { readyMs: [], cpuMs: [], rss: [] }]),
  );
  for (let i = 0; i < runs; i++)
    for (const { root, env, label } of candidates) {
      const r = await once(root, settleMs, undefined, env);
      results.get(label)!.readyMs.push(r.readyMs);
      results.get(label)!.rss.push(r.rss);
      results.get(label)!.cpuMs.push(r.cpuMs);
      console.error(
        `${label} run ${i + 1}: ready ${r.readyMs.toFixed(0)} ms, CPU ${r.cpuMs} ms, RSS ${r.rss.toFixed(1)} MB`,
      );
    }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  for (const [label, r] of results)
    console.log(
      `${label}: ready median ${median(r.readyMs).toFixed(0)} ms (${Math.min(...r.readyMs).toFixed(0)}–${Math.max(...r.readyMs).toFixed(0)}), ` +
        `CPU to ready median ${median(r.cpuMs)} ms (${Math.min(...r.cpuMs)}–${Math.max(...r.cpuMs)}), ` +
        `idle RSS median ${median(r.rss).toFixed(1)} MB (${Math.min(...r.rss).toFixed(1)}–${Math.max(...r.rss).toFixed(1)}), ${runs} runs`,
    );
}
