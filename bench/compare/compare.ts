/**
 * Side-by-side benchmark: the instant fake model alone, Hearth (`hearth start`) in front of it,
 * and OpenClaw in front of it when installed — one after the other, same fake, same load
 * generator (load.ts), same ports plan. Prints one table with the ratios Hearth/fake and
 * Hearth/OpenClaw and pass/short against the targets of issue 19.
 *
 *   npm run bench:compare                                  Hearth and the fake only
 *   npm run bench:compare -- --openclaw                    also installs OpenClaw (npm `openclaw`,
 *                                                          run by Node 24 from npm `node`) into a
 *                                                          temporary folder, removed afterwards
 *   npm run bench:compare -- --openclaw-dir DIR            uses (or installs into and keeps) DIR
 *   options: --seconds N (per load, 5)  --settle N (seconds after the load before the last RSS, 60)
 *            --keep (keep the work folder with the systems' logs)
 *            --hearth-env KEY=VALUE (repeatable: one more variable in Hearth's environment, e.g.
 *            MALLOC_ARENA_MAX=2 or LD_PRELOAD=…; Hearth otherwise gets only the variables below)
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  openSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promptTokens, type ChatRequestBody } from '../../test/prompt-count.js';
import { chatBody, drive, type LoadResult, type Target } from './load.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const OPENCLAW_VERSION = '2026.9.6';
const NODE_FOR_OPENCLAW = '24';
const TOKEN = 'bench-token-0123456789abcdef';
/** The turn whose prompt tokens are counted; the load sends another text so the fake prints only this one. */
const PROBE = 'hi';
const CONCURRENCIES = [1, 8, 32];

function flag(name: string): boolean {
  return process.argv.includes(name);
}
function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}
const SECONDS = Number(option('--seconds', process.env.BENCH_SECONDS ?? '5'));
const SETTLE = Number(option('--settle', '60'));

/** `--hearth-env KEY=VALUE`, each occurrence: extra variables for the Hearth process only. */
function hearthEnv(): Record<string, string> {
  const extra: Record<string, string> = {};
  process.argv.forEach((arg, i) => {
    if (arg !== '--hearth-env') return;
    const pair = process.argv[i + 1] ?? '';
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`--hearth-env wants KEY=VALUE, got "${pair}"`);
    extra[pair.slice(0, eq)] = pair.slice(eq + 1);
  });
  return extra;
}
const HEARTH_ENV = hearthEnv();

/** Resident memory of a process and all its descendants, MB (a gateway may fork workers). */
function treeRssMb(pid: number): number {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      /* exited meanwhile */
    }
  }
  let kb = 0;
  const stack = [pid];
  while (stack.length) {
    const p = stack.pop()!;
    try {
      kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      /* exited meanwhile */
    }
    stack.push(...(children.get(p) ?? []));
  }
  return kb / 1024;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The fake model in its own process; collects the request bodies it prints for the probe text. */
async function startFake(): Promise<{ proc: ChildProcess; baseUrl: string; probes: ChatRequestBody[] }> {
  const proc = spawn(
    process.execPath,
    [join(ROOT, 'dist/test/fakes/openai-server.js'), '--delay-ms', '0', '--print-requests-for', PROBE],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const probes: ChatRequestBody[] = [];
  let buf = '';
  return new Promise((resolve, reject) => {
    proc.stdout!.setEncoding('utf8');
    proc.stdout!.on('data', (d: string) => {
      buf += d;
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        const line = JSON.parse(buf.slice(0, i));
        buf = buf.slice(i + 1);
        if (typeof line.baseUrl === 'string') resolve({ proc, baseUrl: line.baseUrl, probes });
        else probes.push(line);
      }
    });
    proc.once('exit', (code) => reject(new Error(`fake model exited ${code}`)));
  });
}

interface Launched {
  proc: ChildProcess;
  target: Target;
  readyMs: number;
}

interface System {
  name: string;
  launch(modelUrl: string, port: number): Promise<Launched>;
}

/** Polls `url` until it answers 200; the time from `t0`. */
async function waitReady(url: string, proc: ChildProcess, t0: number, timeoutMs: number): Promise<number> {
  for (;;) {
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.status === 200) return performance.now() - t0;
    } catch {
      /* not listening yet */
    }
    if (proc.exitCode !== null || proc.signalCode !== null)
      throw new Error(`exited (${proc.exitCode ?? proc.signalCode}) before ${url} answered 200`);
    if (performance.now() - t0 > timeoutMs) throw new Error(`${url} did not answer 200 within ${timeoutMs} ms`);
    await sleep(5);
  }
}

function hearthSystem(work: string): System {
  return {
    name: 'Hearth',
    async launch(modelUrl, port) {
      const dataDir = join(work, 'hearth-data');
      // The load comes from one IP and one token: lift the per-IP, per-user and per-sender limits.
      const config = join(work, 'hearth.yml');
      writeFileSync(
        config,
        'security:\n  rateLimit:\n    ip: { limit: 1000000000 }\n    user: { limit: 1000000000 }\n    sender: { limit: 1000000000 }\n',
      );
      const log = openSync(join(work, 'hearth.log'), 'w');
      const t0 = performance.now();
      const proc = spawn(process.execPath, [join(ROOT, 'bin/hearth.js'), 'start', '--config', config], {
        cwd: work,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: work,
          HEARTH_HOST: '127.0.0.1',
          HEARTH_PORT: String(port),
          HEARTH_DATA_DIR: dataDir,
          HEARTH_API_TOKEN: TOKEN,
          MODEL_ENDPOINT: modelUrl,
          ...HEARTH_ENV,
        },
        stdio: ['ignore', log, log],
      });
      const readyMs = await waitReady(`http://127.0.0.1:${port}/readyz`, proc, t0, 60_000);
      return { proc, readyMs, target: { baseUrl: `http://127.0.0.1:${port}/v1`, model: 'env', token: TOKEN } };
    },
  };
}

/** Installs OpenClaw and Node 24 from the npm registry into `dir` unless they are there. */
function installOpenClaw(dir: string): { node: string; entry: string } {
  const pkgDir = join(dir, 'node_modules', 'openclaw');
  const node = join(dir, 'node_modules', 'node', 'bin', 'node');
  const npm = (spec: string, env: NodeJS.ProcessEnv = process.env) =>
    execFileSync('npm', ['install', '--prefix', dir, '--no-audit', '--no-fund', '--loglevel=error', spec], {
      env,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
  if (!existsSync(node)) {
    mkdirSync(dir, { recursive: true });
    console.error(`installing node@${NODE_FOR_OPENCLAW} into ${dir} …`);
    npm(`node@${NODE_FOR_OPENCLAW}`);
  }
  if (!existsSync(join(pkgDir, 'package.json'))) {
    // OpenClaw's install scripts refuse Node 20: they run with the Node 24 just installed first on PATH.
    console.error(`installing openclaw@${OPENCLAW_VERSION} into ${dir} …`);
    npm(`openclaw@${OPENCLAW_VERSION}`, { ...process.env, PATH: `${join(node, '..')}:${process.env.PATH ?? ''}` });
  }
  const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
  const bin = typeof pkg.bin === 'string' ? pkg.bin : pkg.bin?.openclaw;
  return { node, entry: join(pkgDir, bin) };
}

function openClawSystem(work: string, install: { node: string; entry: string }): System {
  return {
    name: 'OpenClaw',
    async launch(modelUrl, port) {
      const state = join(work, 'openclaw-state');
      mkdirSync(state, { recursive: true });
      const configPath = join(state, 'openclaw.json');
      // The fake as a custom OpenAI-compatible provider; the gateway's OpenAI HTTP surface on, token auth.
      writeFileSync(
        configPath,
        JSON.stringify({
          gateway: {
            mode: 'local',
            port,
            bind: 'loopback',
            auth: { mode: 'token', token: TOKEN },
            http: { endpoints: { chatCompletions: { enabled: true } } },
          },
          models: {
            providers: {
              fake: {
                baseUrl: modelUrl,
                api: 'openai-completions',
                apiKey: 'local',
                models: [{ id: 'fake-gpt', name: 'fake', input: ['text'], contextWindow: 128_000, maxTokens: 4096 }],
              },
            },
          },
          agents: { defaults: { model: { primary: 'fake/fake-gpt' } } },
        }),
      );
      const log = openSync(join(work, 'openclaw.log'), 'w');
      const t0 = performance.now();
      const proc = spawn(install.node, [install.entry, 'gateway', '--port', String(port), '--allow-unconfigured'], {
        cwd: work,
        env: {
          PATH: `${join(install.node, '..')}:${process.env.PATH ?? ''}`,
          HOME: work,
          OPENCLAW_STATE_DIR: state,
          OPENCLAW_CONFIG_PATH: configPath,
          OPENCLAW_GATEWAY_TOKEN: TOKEN,
        },
        stdio: ['ignore', log, log],
      });
      const readyMs = await waitReady(`http://127.0.0.1:${port}/readyz`, proc, t0, 180_000);
      return { proc, readyMs, target: { baseUrl: `http://127.0.0.1:${port}/v1`, model: 'openclaw', token: TOKEN } };
    },
  };
}

interface Measured {
  name: string;
  loads: Map<string, LoadResult>;
  readyMs?: number;
  idleRss?: number;
  loadedRss?: number;
  settledRss?: number;
  shutdownMs?: number;
  promptTokens?: number;
  failed?: string;
}

const loadKey = (stream: boolean, c: number) => `${stream ? 'stream' : 'json'} c=${c}`;

async function runLoads(target: Target): Promise<Map<string, LoadResult>> {
  const loads = new Map<string, LoadResult>();
  // Warm-up: JIT, connection pools and caches do not count.
  await drive(target, { stream: false, concurrency: 8, seconds: Math.min(2, SECONDS) });
  for (const stream of [false, true]) {
    for (const c of CONCURRENCIES) {
      const r = await drive(target, { stream, concurrency: c, seconds: SECONDS });
      loads.set(loadKey(stream, c), r);
      const err = r.errors ? `  errors ${r.errors} (${r.firstError})` : '';
      console.error(
        `  ${loadKey(stream, c).padEnd(12)} ${(r.requests / r.seconds).toFixed(0).padStart(7)} req/s  P50 ${r.p50.toFixed(2)} ms${err}`,
      );
    }
  }
  return loads;
}

async function measureSystem(
  system: System,
  fake: Awaited<ReturnType<typeof startFake>>,
  port: number,
): Promise<Measured> {
  const m: Measured = { name: system.name, loads: new Map() };
  let launched: Launched | undefined;
  try {
    console.error(`${system.name}: starting`);
    launched = await system.launch(fake.baseUrl, port);
    m.readyMs = launched.readyMs;
    await sleep(2000);
    m.idleRss = treeRssMb(launched.proc.pid!);
    // The trivial turn, counted on the request the model received.
    const before = fake.probes.length;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      authorization: `Bearer ${launched.target.token}`,
    };
    const res = await fetch(`${launched.target.baseUrl}/chat/completions`, {
      method: 'POST',
      headers,
      body: chatBody(launched.target.model, PROBE, false),
    });
    const answer = await res.text();
    if (res.status !== 200) throw new Error(`trivial turn answered ${res.status}: ${answer.slice(0, 300)}`);
    const probe = fake.probes[before];
    if (probe) m.promptTokens = promptTokens(probe);
    m.loads = await runLoads(launched.target);
    m.loadedRss = treeRssMb(launched.proc.pid!);
    console.error(`${system.name}: load done, waiting ${SETTLE} s for memory to settle`);
    await sleep(SETTLE * 1000);
    m.settledRss = treeRssMb(launched.proc.pid!);
  } catch (err) {
    m.failed = err instanceof Error ? err.message : String(err);
    console.error(`${system.name}: ${m.failed}`);
  }
  if (launched && launched.proc.exitCode === null) {
    const t0 = performance.now();
    const exited = new Promise((r) => launched!.proc.once('exit', r));
    launched.proc.kill('SIGTERM');
    const done = await Promise.race([exited.then(() => true), sleep(30_000).then(() => false)]);
    if (done) m.shutdownMs = performance.now() - t0;
    else launched.proc.kill('SIGKILL');
  }
  return m;
}

// ——— the table ———

type Cell = number | undefined;
const fmt = (v: Cell, digits = 0) => (v === undefined || Number.isNaN(v) ? '—' : v.toFixed(digits));
const ratio = (a: Cell, b: Cell) =>
  a === undefined || b === undefined || !b || Number.isNaN(a) || Number.isNaN(b)
    ? '—'
    : `${((a / b) * 100).toFixed(1)} %`;

function printTable(fake: Measured, hearth: Measured, peer: Measured | undefined): void {
  const cols = [
    '',
    'fake alone',
    'Hearth',
    ...(peer ? ['OpenClaw'] : []),
    'Hearth/fake',
    ...(peer ? ['Hearth/OpenClaw'] : []),
    'target',
    '',
  ];
  const rows: string[][] = [];
  const add = (
    label: string,
    get: (m: Measured) => Cell,
    digits: number,
    target = '',
    pass?: boolean,
    withFake = true,
  ) => {
    const f = withFake ? get(fake) : undefined;
    const h = get(hearth);
    const o = peer ? get(peer) : undefined;
    rows.push([
      label,
      fmt(f, digits),
      fmt(h, digits),
      ...(peer ? [fmt(o, digits)] : []),
      withFake ? ratio(h, f) : '',
      ...(peer ? [ratio(h, o)] : []),
      target,
      pass === undefined ? '' : pass ? 'pass' : 'short',
    ]);
  };
  const rate = (m: Measured, k: string) => {
    const r = m.loads.get(k);
    return r ? r.requests / r.seconds : undefined;
  };
  for (const stream of [false, true]) {
    for (const c of CONCURRENCIES) {
      const k = loadKey(stream, c);
      const hr = rate(hearth, k);
      const fr = rate(fake, k);
      const rateOk = c === 32 && hr !== undefined && fr !== undefined ? hr >= 1000 && hr / fr >= 0.08 : undefined;
      add(`${k} req/s`, (m) => rate(m, k), 0, c === 32 ? '≥1000 and ≥8 % of fake' : '', rateOk);
      add(`${k} P50 ms`, (m) => m.loads.get(k)?.p50, 2);
      add(`${k} P90 ms`, (m) => m.loads.get(k)?.p90, 2);
      add(`${k} P99 ms`, (m) => m.loads.get(k)?.p99, 2);
      add(`${k} first chunk ms`, (m) => m.loads.get(k)?.ttfb50, 2);
      const errs = (m: Measured) => m.loads.get(k)?.errors;
      if ([fake, hearth, peer].some((m) => m && errs(m))) add(`${k} errors`, errs, 0);
      if (c === 1) {
        const added = (m: Measured) => {
          const own = m.loads.get(k)?.p50;
          const base = fake.loads.get(k)?.p50;
          return m === fake || own === undefined || base === undefined ? undefined : own - base;
        };
        const a = added(hearth);
        rows.push([
          `${k} added P50 ms`,
          '',
          fmt(a, 2),
          ...(peer ? [fmt(added(peer), 2)] : []),
          '',
          ...(peer ? [''] : []),
          '≤1',
          a === undefined ? '' : a <= 1 ? 'pass' : 'short',
        ]);
      }
    }
  }
  add(
    'launch → /readyz ms',
    (m) => m.readyMs,
    0,
    '≤500',
    hearth.readyMs === undefined ? undefined : hearth.readyMs <= 500,
    false,
  );
  add(
    'idle RSS MB',
    (m) => m.idleRss,
    1,
    '≤80',
    hearth.idleRss === undefined ? undefined : hearth.idleRss <= 80,
    false,
  );
  add(
    'RSS after the load MB',
    (m) => m.loadedRss,
    1,
    '≤150',
    hearth.loadedRss === undefined ? undefined : hearth.loadedRss <= 150,
    false,
  );
  const near =
    hearth.settledRss !== undefined && hearth.idleRss !== undefined
      ? hearth.settledRss <= hearth.idleRss * 1.25 + 10
      : undefined;
  add(`RSS ${SETTLE} s after the load MB`, (m) => m.settledRss, 1, 'near idle (≤1.25×idle+10)', near, false);
  add('shutdown (SIGTERM → exit) ms', (m) => m.shutdownMs, 0, '', undefined, false);
  add(
    `prompt tokens of "${PROBE}"`,
    (m) => m.promptTokens,
    0,
    '≤1500',
    hearth.promptTokens === undefined ? undefined : hearth.promptTokens <= 1500,
    false,
  );

  const widths = cols.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log(line(cols));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'hearth-compare-'));
  const wantPeer = flag('--openclaw') || flag('--openclaw-dir') || process.env.BENCH_OPENCLAW === '1';
  const keepPeerDir = flag('--openclaw-dir');
  const peerDir = keepPeerDir ? option('--openclaw-dir', '') : join(work, 'openclaw-install');
  const fake = await startFake();
  // One port for every system under test, one after the other.
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  let peer: Measured | undefined;
  let hearth: Measured | undefined;
  try {
    console.error(
      `compare: ${SECONDS} s per load, concurrency ${CONCURRENCIES.join('/')}, streaming and not; fake model ${fake.baseUrl}`,
    );
    console.error('fake model alone:');
    const fakeLoads = await runLoads({ baseUrl: fake.baseUrl, model: 'fake-gpt' });
    const fakeM: Measured = { name: 'fake', loads: fakeLoads };
    hearth = await measureSystem(hearthSystem(work), fake, port);
    if (wantPeer) {
      try {
        const install = installOpenClaw(peerDir);
        peer = await measureSystem(openClawSystem(work, install), fake, port);
      } catch (err) {
        console.error(`OpenClaw not measured: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    console.log('');
    console.log(
      `Hearth compare benchmark — ${new Date().toISOString()}, ${SECONDS} s per load, instant fake model, node ${process.version}`,
    );
    if (hearth.failed) console.log(`Hearth failed: ${hearth.failed} (log: ${join(work, 'hearth.log')})`);
    if (peer?.failed) console.log(`OpenClaw failed: ${peer.failed} (log: ${join(work, 'openclaw.log')})`);
    printTable(fakeM, hearth, peer);
    if (!wantPeer) console.log('(OpenClaw not installed: run with --openclaw to add it)');
  } finally {
    fake.proc.kill('SIGTERM');
    // The work folder keeps the logs when asked (--keep) or when a system failed.
    if (!flag('--keep') && hearth && !hearth.failed && !peer?.failed) rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
