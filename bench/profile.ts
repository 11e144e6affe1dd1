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
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { drive } from './compare/load.js';

const HERE = fileURLToPath(new URL('../../', import.meta.url));
const TOKEN = 'bench-token-0123456789abcdef';
const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
};

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
  const root = arg('--root', HERE);
  const stream = process.argv.includes('--stream');
  const concurrency = Number(arg('--concurrency', '32'));
  const out = arg('--out', mkdtempSync(join(tmpdir(), 'hearth-profile-')));
  mkdirSync(out, { recursive: true });
  const fake = spawn(process.execPath, [join(HERE, 'dist/test/fakes/openai-server.js'), '--delay-ms', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const modelUrl = await new Promise<string>((resolve) =>
    fake.stdout!.once('data', (d) => resolve(JSON.parse(String(d).split('\n')[0]).baseUrl)),
  );
  const work = mkdtempSync(join(tmpdir(), 'hearth-profile-data-'));
  const config = join(work, 'hearth.yml');
  writeFileSync(
    config,
    'security:\n  rateLimit:\n    ip: { limit: 1000000000 }\n    user: { limit: 1000000000 }\n    sender: { limit: 1000000000 }\n',
  );
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const inspectPort = port + 1;
  const hearth = spawn(
    process.execPath,
    [`--inspect=127.0.0.1:${inspectPort}`, join(root, 'bin/hearth.js'), 'start', '--config', config],
    {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: work,
        HEARTH_HOST: '127.0.0.1',
        HEARTH_PORT: String(port),
        HEARTH_DATA_DIR: join(work, 'data'),
        HEARTH_API_TOKEN: TOKEN,
        MODEL_ENDPOINT: modelUrl,
        ...(process.argv.includes('--bundled') ? {} : { HEARTH_UNBUNDLED: '1' }),
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  try {
    for (;;) {
      const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) break;
      if (hearth.exitCode !== null) throw new Error('hearth exited');
      await new Promise((r) => setTimeout(r, 20));
    }
    const target = { baseUrl: `http://127.0.0.1:${port}/v1`, model: 'env', token: TOKEN };
    await drive(target, { stream, concurrency: 8, seconds: 2 });
    const inspector = await connectInspector(inspectPort);
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
    hearth.kill('SIGTERM');
    await new Promise((r) => hearth.once('exit', r));
    fake.kill('SIGTERM');
  }
}

/** A DevTools protocol session with the process's inspector. */
async function connectInspector(
  port: number,
): Promise<{ call(method: string, params?: object): Promise<unknown>; close(): void }> {
  const list = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as Array<{
    webSocketDebuggerUrl: string;
  }>;
  const ws = new WebSocket(list[0].webSocketDebuggerUrl);
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  let next = 0;
  const waiting = new Map<number, (result: unknown) => void>();
  ws.on('message', (data) => {
    const msg = JSON.parse(String(data));
    if (msg.id !== undefined) waiting.get(msg.id)?.(msg.result);
  });
  return {
    call: (method, params = {}) =>
      new Promise((resolve) => {
        const id = ++next;
        waiting.set(id, resolve);
        ws.send(JSON.stringify({ id, method, params }));
      }),
    close: () => ws.close(),
  };
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
