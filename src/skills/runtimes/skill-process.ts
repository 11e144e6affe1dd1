/**
 * A supervised skill child process. It is started, waited for (the SDK prints a ready line with
 * its port), connected (`onReady` calls init), watched (exit, output flood) and restarted with
 * exponential backoff when it crashes, hangs or floods. While it is down, `endpoint()` throws a
 * clear "restarting" error that becomes the model's tool result.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from 'pino';
import { ErrorCode, HearthError } from '../../core/errors.js';
import { logSkillStderr, sandboxedCommand, type Grants } from './sandbox.js';

/** The line the SDK prints once listening (mirrors READY_PREFIX in sdk/skill.ts). */
const readyPrefix = 'HEARTH_SKILL_READY ';
/** A process that stayed up this long is healthy again: its next crash restarts at the initial delay. */
const stableAfterMs = 10_000;

export interface ReadyInfo {
  port?: number;
  socket?: string;
}

export interface SkillProcessOptions {
  skill: string;
  command: readonly string[];
  grants: Grants;
  /** Extra environment for the child (protocol, port). */
  env: Record<string, string>;
  log: Logger;
  startTimeoutMs: number;
  maxOutputBytesPerSec: number;
  restart: { initialDelayMs: number; maxDelayMs: number };
  /** Connects to the ready child and calls init; a rejection counts as a failed start. */
  onReady: (info: ReadyInfo) => Promise<void>;
  /** The child went away (before a restart): drop clients bound to it. */
  onDown?: () => void;
}

export class SkillProcess {
  private child?: ChildProcess;
  private status: 'starting' | 'ready' | 'restarting' | 'stopped' = 'starting';
  private restartTimer?: NodeJS.Timeout;
  private attempt = 0;
  private restartCount = 0;
  private readyAt = 0;

  constructor(private readonly opts: SkillProcessOptions) {}

  /** Starts the child and resolves once it answered init; rejects (and cleans up) if it cannot. */
  async start(): Promise<void> {
    this.status = 'starting';
    await this.launch();
  }

  state(): string {
    return this.status;
  }

  restarts(): number {
    return this.restartCount;
  }

  /** Throws while the process is not serving, so calls fail fast with a reason. */
  assertReady(): void {
    if (this.status !== 'ready') {
      throw new HearthError(
        ErrorCode.skillUnavailable,
        `skill ${this.opts.skill} is ${this.status}; try again shortly`,
        503,
      );
    }
  }

  /** Kills the child because it misbehaved; the exit handler restarts it with backoff. */
  kill(reason: string): void {
    if (!this.child || this.status === 'stopped') return;
    this.opts.log.warn({ skill: this.opts.skill, reason, event: 'skill_killed' }, 'skill process killed');
    this.child.kill('SIGKILL');
  }

  /** Stops for good: no restart. Waits (briefly) for the child to exit. */
  async stop(): Promise<void> {
    this.status = 'stopped';
    clearTimeout(this.restartTimer);
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => child.kill('SIGKILL'), 2_000);
      child.once('exit', () => {
        clearTimeout(force);
        resolve();
      });
      child.kill('SIGTERM');
    });
  }

  private launch(): Promise<void> {
    const { file, args, env } = sandboxedCommand(this.opts.command, this.opts.grants, this.opts.env);
    const child = spawn(file, args, { cwd: this.opts.grants.skillDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const fail = (err: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(startTimer);
        child.kill('SIGKILL');
        reject(err);
      };
      const startTimer = setTimeout(
        () =>
          fail(
            new HearthError(
              ErrorCode.skillUnavailable,
              `skill ${this.opts.skill} did not start within ${this.opts.startTimeoutMs} ms`,
              503,
            ),
          ),
        this.opts.startTimeoutMs,
      );
      this.watchOutput(child, (info) => {
        this.opts.onReady(info).then(
          () => {
            if (settled) return;
            settled = true;
            clearTimeout(startTimer);
            this.status = 'ready';
            this.readyAt = Date.now();
            resolve();
          },
          (err: unknown) => fail(err instanceof Error ? err : new Error(String(err))),
        );
      });
      child.on('error', (err) =>
        fail(
          new HearthError(ErrorCode.skillUnavailable, `skill ${this.opts.skill} could not start: ${err.message}`, 503),
        ),
      );
      child.on('exit', (code, signal) => {
        fail(
          new HearthError(
            ErrorCode.skillUnavailable,
            `skill ${this.opts.skill} exited during start (code ${code ?? signal})`,
            503,
          ),
        );
        this.onExit(child, code, signal);
      });
    });
  }

  /** Reads stdout/stderr: finds the ready line, logs the rest (cut short), stops floods. */
  private watchOutput(child: ChildProcess, onReady: (info: ReadyInfo) => void): void {
    let windowStart = Date.now();
    let windowBytes = 0;
    let pending = '';
    let announced = false;
    const count = (chunk: Buffer) => {
      const now = Date.now();
      if (now - windowStart >= 1_000) {
        windowStart = now;
        windowBytes = 0;
      }
      windowBytes += chunk.length;
      if (windowBytes > this.opts.maxOutputBytesPerSec) {
        windowBytes = -Infinity; // report once per window
        this.kill('output flood');
      }
    };
    child.stdout?.on('data', (chunk: Buffer) => {
      count(chunk);
      if (announced) return;
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.startsWith(readyPrefix)) continue;
        announced = true;
        pending = '';
        try {
          onReady(JSON.parse(line.slice(readyPrefix.length)) as ReadyInfo);
        } catch {
          this.kill('malformed ready line');
        }
        return;
      }
      if (pending.length > 64 * 1024) pending = '';
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      count(chunk);
      logSkillStderr(this.opts.log, this.opts.skill, chunk);
    });
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (child !== this.child) return;
    this.opts.onDown?.();
    if (this.status === 'stopped') return;
    const wasReady = this.status === 'ready';
    if (wasReady && Date.now() - this.readyAt > stableAfterMs) this.attempt = 0;
    this.status = 'restarting';
    const delay = Math.min(this.opts.restart.initialDelayMs * 2 ** this.attempt, this.opts.restart.maxDelayMs);
    this.attempt++;
    this.opts.log.warn(
      { skill: this.opts.skill, code, signal, restartInMs: delay, event: 'skill_exit' },
      'skill process exited; restarting',
    );
    this.restartTimer = setTimeout(() => {
      if (this.status === 'stopped') return;
      this.restartCount++;
      this.launch().then(
        () => this.opts.log.info({ skill: this.opts.skill, event: 'skill_restarted' }, 'skill process restarted'),
        (err: unknown) =>
          this.opts.log.warn({ skill: this.opts.skill, err: (err as Error).message }, 'skill restart failed'),
      );
    }, delay);
  }
}
