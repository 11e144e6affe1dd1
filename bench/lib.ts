/**
 * Shared pieces of the process-level benchmarks (sockets, soak, profile, memory): the instant fake
 * model and the real `hearth start` process in their own processes, resident memory from /proc,
 * and a DevTools protocol session with a process started with the inspector.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BENCH_TOKEN = 'bench-token-0123456789abcdef';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

export function rssMb(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
}

export async function startFakeModel(): Promise<{ proc: ChildProcess; baseUrl: string }> {
  const proc = spawn(process.execPath, [join(ROOT, 'dist/test/fakes/openai-server.js'), '--delay-ms', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const baseUrl = await new Promise<string>((resolve, reject) => {
    proc.stdout!.once('data', (d) => resolve(JSON.parse(String(d).split('\n')[0]).baseUrl));
    proc.once('exit', (code) => reject(new Error(`fake model exited ${code}`)));
  });
  return { proc, baseUrl };
}

export interface BenchHearth {
  proc: ChildProcess;
  url: string;
  work: string;
  /** The inspector's port on 127.0.0.1, when started with `inspect`. */
  inspectPort?: number;
  stop(): Promise<void>;
}

/**
 * `hearth start` on a free-ish port with rate limits lifted (the load comes from one IP); logs go to <work>/hearth.log.
 * `root` runs the built Hearth of another checkout; `inspect` opens the inspector on the next port.
 */
export async function startBenchHearth(
  modelUrl: string,
  opts: { channels?: string; env?: Record<string, string>; root?: string; inspect?: boolean } = {},
): Promise<BenchHearth> {
  const work = mkdtempSync(join(tmpdir(), 'hearth-bench-'));
  const config = join(work, 'hearth.yml');
  writeFileSync(
    config,
    'security:\n  rateLimit:\n    ip: { limit: 1000000000 }\n    user: { limit: 1000000000 }\n    sender: { limit: 1000000000 }\n',
  );
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: work,
    HEARTH_HOST: '127.0.0.1',
    HEARTH_DATA_DIR: join(work, 'data'),
    HEARTH_API_TOKEN: BENCH_TOKEN,
    MODEL_ENDPOINT: modelUrl,
    ...opts.env,
  };
  if (opts.channels) {
    writeFileSync(join(work, 'channels.yml'), opts.channels);
    env.CHANNEL_CONFIG = join(work, 'channels.yml');
  }
  for (let attempt = 0; ; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const log = openSync(join(work, 'hearth.log'), 'a');
    const inspectPort = opts.inspect ? port + 1 : undefined;
    const args = [join(opts.root ?? ROOT, 'bin/hearth.js'), 'start', '--config', config];
    if (inspectPort) args.unshift(`--inspect=127.0.0.1:${inspectPort}`);
    const proc = spawn(process.execPath, args, {
      cwd: work,
      env: { ...env, HEARTH_PORT: String(port) },
      stdio: ['ignore', log, log],
    });
    const url = `http://127.0.0.1:${port}`;
    const deadline = Date.now() + 120_000;
    while (proc.exitCode === null && Date.now() < deadline) {
      const ok = await fetch(`${url}/readyz`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) {
        return {
          proc,
          url,
          work,
          ...(inspectPort ? { inspectPort } : {}),
          stop: async () => {
            if (proc.exitCode !== null) return;
            const exited = new Promise((r) => proc.once('exit', r));
            proc.kill('SIGTERM');
            await exited;
          },
        };
      }
      await sleep(20);
    }
    proc.kill('SIGKILL');
    if (attempt >= 2) throw new Error(`hearth did not become ready; see ${join(work, 'hearth.log')}`);
  }
}

export interface Inspector {
  call(method: string, params?: object): Promise<unknown>;
  /** One handler per event method (a later one replaces it). */
  on(method: string, fn: (params: Record<string, unknown>) => void): void;
  close(): void;
}

/** A DevTools protocol session with the inspector listening on 127.0.0.1:`port`. */
export async function connectInspector(port: number): Promise<Inspector> {
  const list = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as Array<{
    webSocketDebuggerUrl: string;
  }>;
  // ws closes on a message over 100 MiB by default; the session must outlive any large heap snapshot chunk.
  const ws = new WebSocket(list[0].webSocketDebuggerUrl, { maxPayload: 1 << 30 });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  let next = 0;
  const waiting = new Map<number, (result: unknown) => void>();
  const handlers = new Map<string, (params: Record<string, unknown>) => void>();
  ws.on('message', (data) => {
    const msg = JSON.parse(String(data));
    if (msg.id !== undefined) waiting.get(msg.id)?.(msg.result);
    else handlers.get(msg.method)?.(msg.params);
  });
  return {
    call: (method, params = {}) =>
      new Promise((resolve) => {
        const id = ++next;
        waiting.set(id, resolve);
        ws.send(JSON.stringify({ id, method, params }));
      }),
    on: (method, fn) => handlers.set(method, fn),
    close: () => ws.close(),
  };
}
