/**
 * Starts the real `hearth` process (bin/hearth.js → dist/) as a child for end-to-end tests, on a
 * free port with its own data folder, and collects its JSON log lines.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { flattenLogLine } from './log-line.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = join(ROOT, 'bin', 'hearth.js');
export const TEST_TOKEN = 'test-admin-token-0123456789abcdef';

/** A TCP port free on 127.0.0.1 right now, for a server that must listen on a known port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export type LogLine = Record<string, unknown> & { msg?: string; level?: number };

export interface HearthProcess {
  baseUrl: string;
  port: number;
  token: string;
  dataDir: string;
  configFile?: string;
  proc: ChildProcess;
  /** The log lines, read by `flattenLogLine` (pino's names and Hearth's fields at the top, ECS fields too). */
  logs: LogLine[];
  /** Every JSON line exactly as the process wrote it. */
  rawLines: string[];
  /** Raw stdout/stderr text that was not JSON (CLI output). */
  stderr: string[];
  waitForLog(pred: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** Sends SIGTERM (or the given signal) and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  exited: Promise<number | null>;
}

export interface StartOptions {
  env?: Record<string, string>;
  /** hearth.yml text. */
  config?: string;
  /** channels.yml text (sets CHANNEL_CONFIG). */
  channels?: string;
  /** Use this data folder instead of a fresh temporary one. */
  dataDir?: string;
  /** The role to run: `start` (default), `gateway` or `engine`. */
  command?: 'start' | 'gateway' | 'engine';
  /** Keep the temporary data folder after stop (to inspect it with the CLI). */
  keepDataDir?: boolean;
  timeoutMs?: number;
}

/** Spawns `hearth start` and resolves once it logs `listening`. */
export async function startHearth(options: StartOptions = {}): Promise<HearthProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-e2e-'));
  const dataDir = options.dataDir ?? join(dir, 'data');
  const args = [BIN, options.command ?? 'start'];
  let configFile: string | undefined;
  if (options.config !== undefined) {
    configFile = join(dir, 'hearth.yml');
    writeFileSync(configFile, options.config);
    args.push('--config', configFile);
  }
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? dir,
    HEARTH_HOST: '127.0.0.1',
    HEARTH_PORT: '0',
    HEARTH_DATA_DIR: dataDir,
    HEARTH_API_TOKEN: TEST_TOKEN,
    ...options.env,
  };
  if (options.channels !== undefined) {
    const file = join(dir, 'channels.yml');
    writeFileSync(file, options.channels);
    env.CHANNEL_CONFIG = file;
  }
  const proc = spawn(process.execPath, args, { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: LogLine[] = [];
  const rawLines: string[] = [];
  const stderr: string[] = [];
  const waiters = new Set<{ pred: (l: LogLine) => boolean; resolve: (l: LogLine) => void }>();
  const onLine = (line: string) => {
    if (!line.trim()) return;
    let parsed: LogLine | undefined;
    try {
      const raw = JSON.parse(line) as LogLine;
      rawLines.push(line);
      parsed = flattenLogLine(raw);
    } catch {
      stderr.push(line);
      if (process.env.HEARTH_TEST_VERBOSE) console.error('[hearth]', line);
      return;
    }
    logs.push(parsed);
    if (process.env.HEARTH_TEST_VERBOSE) console.error('[hearth]', line);
    for (const w of waiters)
      if (w.pred(parsed)) {
        waiters.delete(w);
        w.resolve(parsed);
      }
  };
  for (const stream of [proc.stdout!, proc.stderr!]) {
    let buf = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      buf += chunk;
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        onLine(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
    });
    stream.on('end', () => buf && onLine(buf));
  }
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));

  const waitForLog = (pred: (l: LogLine) => boolean, timeoutMs = 10_000) =>
    new Promise<LogLine>((resolve, reject) => {
      const hit = logs.find(pred);
      if (hit) return resolve(hit);
      const w = { pred, resolve: (l: LogLine) => (clearTimeout(t), resolve(l)) };
      const t = setTimeout(() => {
        waiters.delete(w);
        reject(
          new Error(
            `timed out waiting for a log line; last lines:\n${logs
              .slice(-8)
              .map((l) => JSON.stringify(l))
              .join('\n')}\n${stderr.slice(-5).join('\n')}`,
          ),
        );
      }, timeoutMs);
      waiters.add(w);
    });

  let listening: LogLine;
  try {
    listening = await Promise.race([
      waitForLog((l) => l.msg === 'listening', options.timeoutMs ?? 60_000), // generous: a loaded CI machine starts slowly
      exited.then((code) => {
        throw new Error(
          `hearth exited with ${code} before listening:\n${stderr.join('\n')}\n${logs.map((l) => JSON.stringify(l)).join('\n')}`,
        );
      }),
    ]);
  } catch (err) {
    // A process that never got to listen must not outlive the test (it would load the machine for the next ones).
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    await exited;
    if (!options.dataDir && !options.keepDataDir) rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const baseUrl = String(listening.url);
  let stopped: Promise<number | null> | undefined;
  return {
    baseUrl,
    port: Number(new URL(baseUrl).port),
    token: env.HEARTH_API_TOKEN,
    dataDir,
    configFile,
    proc,
    logs,
    rawLines,
    stderr,
    waitForLog,
    exited,
    stop(signal: NodeJS.Signals = 'SIGTERM') {
      stopped ??= (async () => {
        if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
        const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000);
        const code = await exited;
        clearTimeout(timer);
        if (!options.dataDir && !options.keepDataDir) rmSync(dir, { recursive: true, force: true });
        return code;
      })();
      return stopped;
    },
  };
}

/** Runs the `hearth` CLI to completion and returns its exit code and output. */
export function runCli(
  args: string[],
  options: { env?: Record<string, string>; cwd?: string; input?: string } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env },
      stdio: [options.input === undefined ? ('ignore' as const) : ('pipe' as const), 'pipe' as const, 'pipe' as const],
    });
    if (options.input !== undefined) proc.stdin!.end(options.input);
    let stdout = '';
    let stderr = '';
    proc.stdout!.on('data', (d) => (stdout += d));
    proc.stderr!.on('data', (d) => (stderr += d));
    proc.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
