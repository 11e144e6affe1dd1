/**
 * The processes of a chaos run, all on 127.0.0.1: a private Redis with an append-only file (so it
 * can be killed and restarted without losing the queue), the standalone OpenAI fake, and `hearth
 * gateway` / `hearth engine` replicas from this build.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { flattenLogLine } from '../log-line.js';

/** This build's CLI entry and model fake (the compiled tree this file sits in). */
export const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
export const OPENAI_FAKE = fileURLToPath(new URL('../fakes/openai-server.js', import.meta.url));

/** A child process whose stdout JSON lines are watched. */
export interface Child {
  proc: ChildProcess;
  /** Resolves with the first line matching, or rejects on exit/timeout. */
  waitFor(pred: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  lines: Array<Record<string, unknown>>;
  /** SIGKILL, and wait for the exit. */
  kill9(): Promise<void>;
  /** SIGTERM (graceful), SIGKILL after a grace period. */
  stop(graceMs?: number): Promise<void>;
}

export function watch(proc: ChildProcess): Child {
  const lines: Array<Record<string, unknown>> = [];
  const waiters = new Set<{
    pred: (l: Record<string, unknown>) => boolean;
    resolve: (l: Record<string, unknown>) => void;
  }>();
  let buf = '';
  proc.stdout?.setEncoding('utf8');
  proc.stdout?.on('data', (chunk: string) => {
    buf += chunk;
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const text = buf.slice(0, i);
      buf = buf.slice(i + 1);
      let line: Record<string, unknown>;
      try {
        line = flattenLogLine(JSON.parse(text) as Record<string, unknown>);
      } catch {
        line = { raw: text };
      }
      if (process.env.CHAOS_VERBOSE) console.error(`[${proc.pid}]`, text);
      lines.push(line);
      if (lines.length > 5000) lines.splice(0, 1000);
      for (const w of waiters) {
        if (!w.pred(line)) continue;
        waiters.delete(w);
        w.resolve(line);
      }
    }
  });
  proc.stderr?.on('data', (d) => process.env.CHAOS_VERBOSE && process.stderr.write(d));
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  return {
    proc,
    lines,
    waitFor(pred, timeoutMs = 15_000) {
      const hit = lines.find(pred);
      if (hit) return Promise.resolve(hit);
      return new Promise((resolve, reject) => {
        const w = { pred, resolve: (l: Record<string, unknown>) => (clearTimeout(t), resolve(l)) };
        const t = setTimeout(
          () => (
            waiters.delete(w),
            reject(new Error(`pid ${proc.pid}: timed out; last: ${JSON.stringify(lines.slice(-3))}`))
          ),
          timeoutMs,
        );
        waiters.add(w);
        void exited.then(() => {
          if (!waiters.has(w)) return;
          waiters.delete(w);
          clearTimeout(t);
          reject(new Error(`pid ${proc.pid} exited; last: ${JSON.stringify(lines.slice(-5))}`));
        });
      });
    },
    async kill9() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await exited;
    },
    async stop(graceMs = 5000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(t);
    },
  };
}

/** A Redis of our own: AOF with fsync on every write, so `kill -9` loses nothing it acknowledged. */
export class PrivateRedis {
  private child?: Child;
  constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const proc = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--dir',
        this.dir,
        '--save',
        '',
        '--appendonly',
        'yes',
        '--appendfsync',
        'always',
        '--loglevel',
        'warning',
        '--logfile',
        '',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child = watch(proc);
    for (let i = 0; i < 100; i++) {
      if (await canConnect(this.port)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('private redis did not start');
  }

  /** `kill -9`, then the same server again on the same files and port. */
  async crashAndRestart(downMs: number): Promise<void> {
    await this.child?.kill9();
    await new Promise((r) => setTimeout(r, downMs));
    await this.start();
  }

  async stop(): Promise<void> {
    await this.child?.kill9();
  }
}

async function canConnect(port: number): Promise<boolean> {
  const { connect } = await import('node:net');
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

/** Starts the standalone OpenAI fake; resolves with its base URL. */
export async function startModelProcess(delayMs: number): Promise<{ child: Child; baseUrl: string }> {
  const proc = spawn(process.execPath, [OPENAI_FAKE, '--port', '0', '--delay-ms', String(delayMs)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const child = watch(proc);
  const line = await child.waitFor((l) => typeof l.baseUrl === 'string');
  return { child, baseUrl: String(line.baseUrl) };
}

/** Spawns `hearth gateway` or `hearth engine`; resolves once it listens. */
export async function startRole(
  role: 'gateway' | 'engine',
  configFile: string,
  env: Record<string, string>,
): Promise<{ child: Child; url: string }> {
  const proc = spawn(process.execPath, [MAIN, role, '--config', configFile], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      HEARTH_HOST: '127.0.0.1',
      HEARTH_PORT: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const child = watch(proc);
  try {
    const line = await child.waitFor((l) => l.msg === 'listening', 20_000);
    return { child, url: String(line.url) };
  } catch (err) {
    await child.kill9();
    throw err;
  }
}
