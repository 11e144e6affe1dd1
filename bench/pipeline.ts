/**
 * Pipeline benchmark: the real `hearth start` process in front of an instant fake model.
 * Prints time to /readyz, idle RSS, and messages/s with P50/P99 latency through /ws and
 * /v1/chat/completions, next to the same loads against the fake model directly and a raw `ws` echo
 * server (the ceiling), all measured in this one run; then the /ws load again with tracing on (spans
 * exported to a local OTLP sink) next to the same load with it off.
 *
 *   npm run bench            (BENCH_SECONDS=5 BENCH_CONCURRENCY=32 by default)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import WebSocket from 'ws';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const TOKEN = 'bench-token-0123456789abcdef';

interface Result {
  name: string;
  count: number;
  seconds: number;
  p50: number;
  p99: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function summarize(name: string, latencies: number[], seconds: number): Result {
  const sorted = [...latencies].sort((a, b) => a - b);
  return { name, count: latencies.length, seconds, p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
}

/** Runs `worker` in `concurrency` loops for `seconds`, collecting per-operation latency in ms. */
async function load(
  name: string,
  concurrency: number,
  seconds: number,
  makeWorker: () => Promise<() => Promise<void>>,
): Promise<Result> {
  const workers = await Promise.all(Array.from({ length: concurrency }, makeWorker));
  const latencies: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  const t0 = performance.now();
  await Promise.all(
    workers.map(async (op) => {
      while (performance.now() < deadline) {
        const s = performance.now();
        await op();
        latencies.push(performance.now() - s);
      }
    }),
  );
  return summarize(name, latencies, (performance.now() - t0) / 1000);
}

function spawnJsonLine(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ proc: ChildProcess; line: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, args, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let buf = '';
    proc.stdout!.setEncoding('utf8');
    proc.stdout!.on('data', (d: string) => {
      buf += d;
      const i = buf.indexOf('\n');
      if (i >= 0) {
        proc.stdout!.removeAllListeners('data');
        proc.stdout!.resume();
        resolve({ proc, line: JSON.parse(buf.slice(0, i)) });
      }
    });
    proc.on('exit', (code) => reject(new Error(`${args.join(' ')} exited ${code}`)));
  });
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)![1]);
  return kb / 1024;
}

/** Starts hearth and measures launch → first 200 from /readyz. */
async function startHearth(
  modelUrl: string,
  dataDir: string,
  env: Record<string, string> = {},
): Promise<{ proc: ChildProcess; url: string; readyMs: number }> {
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const url = `http://127.0.0.1:${port}`;
  const t0 = performance.now();
  // The load comes from one IP and one token: lift the per-IP and per-user limits for the run.
  const config = join(dataDir, '..', `bench-${port}.yml`);
  writeFileSync(
    config,
    'security:\n  rateLimit:\n    ip: { limit: 1000000000 }\n    user: { limit: 1000000000 }\n    sender: { limit: 1000000000 }\n',
  );
  const proc = spawn(process.execPath, [join(ROOT, 'bin/hearth.js'), 'start', '--config', config], {
    env: {
      PATH: process.env.PATH ?? '',
      HEARTH_PORT: String(port),
      HEARTH_DATA_DIR: dataDir,
      HEARTH_API_TOKEN: TOKEN,
      MODEL_ENDPOINT: modelUrl,
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (;;) {
    try {
      const res = await fetch(`${url}/readyz`);
      if (res.status === 200) break;
    } catch {
      /* not listening yet */
    }
    if (proc.exitCode !== null) throw new Error('hearth exited during start');
    await new Promise((r) => setTimeout(r, 5));
  }
  return { proc, url, readyMs: performance.now() - t0 };
}

/** One web chat client: hello, then each op sends a message and waits for `done`. */
async function wsChatWorker(url: string): Promise<() => Promise<void>> {
  const ws = new WebSocket(url.replace('http', 'ws') + '/ws');
  let waiting: (() => void) | undefined;
  await new Promise<void>((resolve, reject) => {
    ws.on('message', (data) => {
      const ev = JSON.parse(String(data));
      if (ev.type === 'ready') resolve();
      else if (ev.type === 'done' || ev.type === 'error') waiting?.();
    });
    ws.on('open', () => ws.send(JSON.stringify({ type: 'hello' })));
    ws.on('error', reject);
  });
  return () =>
    new Promise<void>((resolve) => {
      waiting = resolve;
      ws.send(JSON.stringify({ type: 'message', text: 'hi' }));
    });
}

/** One raw echo client: each op sends a frame and waits for it to come back. */
async function wsEchoWorker(url: string): Promise<() => Promise<void>> {
  const ws = new WebSocket(url);
  let waiting: (() => void) | undefined;
  ws.on('message', () => waiting?.());
  await new Promise((r) => ws.on('open', r));
  return () =>
    new Promise<void>((resolve) => {
      waiting = resolve;
      ws.send(JSON.stringify({ type: 'message', text: 'hi' }));
    });
}

/** A streamed chat completion, read to the end. */
function sseWorker(baseUrl: string, dispatcher: Agent, auth?: string): () => Promise<() => Promise<void>> {
  const body = JSON.stringify({ model: 'env', stream: true, messages: [{ role: 'user', content: 'hi' }] });
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (auth) headers.authorization = `Bearer ${auth}`;
  return async () => async () => {
    const res = await request(`${baseUrl}/chat/completions`, { method: 'POST', body, headers, dispatcher });
    if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}`);
    await res.body.text();
  };
}

const ECHO_SERVER = `
const { WebSocketServer } = require(${JSON.stringify(join(ROOT, 'node_modules/ws'))});
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 }, () => console.log(JSON.stringify({ url: 'ws://127.0.0.1:' + wss.address().port })));
wss.on('connection', (ws) => ws.on('message', (d) => ws.send(d)));
`;

function row(r: Result, baseline?: Result): string {
  const rate = (r.count / r.seconds).toFixed(0).padStart(7);
  const added = baseline
    ? `  added P50 ${(r.p50 - baseline.p50).toFixed(2)} ms, P99 ${(r.p99 - baseline.p99).toFixed(2)} ms`
    : '';
  return `${r.name.padEnd(38)} ${rate} msg/s   P50 ${r.p50.toFixed(2).padStart(7)} ms   P99 ${r.p99.toFixed(2).padStart(7)} ms${added}`;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'hearth-bench-'));
  const fake = await spawnJsonLine([join(ROOT, 'dist/test/fakes/openai-server.js'), '--delay-ms', '0']);
  const modelUrl = String(fake.line.baseUrl);
  const echo = await spawnJsonLine(['-e', ECHO_SERVER]);
  const hearth = await startHearth(modelUrl, dataDir);
  const dispatcher = new Agent({ connections: CONCURRENCY, pipelining: 1 });
  try {
    await new Promise((r) => setTimeout(r, 2000));
    const idleRss = rssMb(hearth.proc.pid!);
    console.log(
      `Hearth pipeline benchmark — ${SECONDS}s per load, ${CONCURRENCY} concurrent clients, instant fake model`,
    );
    console.log(`time from launch to /readyz = 200   ${hearth.readyMs.toFixed(0)} ms`);
    console.log(`idle RSS of hearth start            ${idleRss.toFixed(1)} MB`);
    // Warm up both paths so JIT and connection setup do not count.
    await load('warmup', 4, 1, () => wsChatWorker(hearth.url));
    const echoResult = await load('raw ws echo server (ceiling)', CONCURRENCY, SECONDS, () =>
      wsEchoWorker(String(echo.line.url)),
    );
    const wsResult = await load('hearth /ws web chat', CONCURRENCY, SECONDS, () => wsChatWorker(hearth.url));
    const direct = await load('fake model direct (SSE)', CONCURRENCY, SECONDS, sseWorker(modelUrl, dispatcher));
    const api = await load(
      'hearth /v1/chat/completions (SSE)',
      CONCURRENCY,
      SECONDS,
      sseWorker(`${hearth.url}/v1`, dispatcher, TOKEN),
    );
    const loadedRss = rssMb(hearth.proc.pid!);
    console.log(row(echoResult));
    console.log(row(wsResult, echoResult));
    console.log(row(direct));
    console.log(row(api, direct));
    console.log(`RSS after load                      ${loadedRss.toFixed(1)} MB`);
    console.log(
      `/ws reaches ${((wsResult.count / wsResult.seconds / (echoResult.count / echoResult.seconds)) * 100).toFixed(1)}% of the raw ws echo ceiling`,
    );
    await tracingOnRow(modelUrl, wsResult);
  } finally {
    await dispatcher.close();
    hearth.proc.kill('SIGTERM');
    fake.proc.kill('SIGTERM');
    echo.proc.kill('SIGTERM');
    await new Promise((r) => hearth.proc.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The same /ws load with tracing on, every span exported to a local OTLP/HTTP sink that discards them. */
async function tracingOnRow(modelUrl: string, tracingOff: Result): Promise<void> {
  const sink = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
  const dataDir = mkdtempSync(join(tmpdir(), 'hearth-bench-traced-'));
  const traced = await startHearth(modelUrl, dataDir, {
    HEARTH_TRACING_ENDPOINT: `http://127.0.0.1:${(sink.address() as AddressInfo).port}/v1/traces`,
  });
  try {
    await load('warmup', 4, 1, () => wsChatWorker(traced.url));
    const on = await load('hearth /ws web chat, tracing on', CONCURRENCY, SECONDS, () => wsChatWorker(traced.url));
    console.log(row({ ...tracingOff, name: 'hearth /ws web chat, tracing off' }));
    console.log(row(on, tracingOff));
  } finally {
    traced.proc.kill('SIGTERM');
    await new Promise((r) => traced.proc.once('exit', r));
    sink.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
