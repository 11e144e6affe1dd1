/**
 * What the HTTP and gRPC runtimes share, whichever protocol the skill speaks: a skill at a `url`
 * is dialled once; otherwise Hearth runs it as a supervised child (SkillProcess), connects when it
 * reports ready and again after every restart, and drops the connection while it is down. A
 * subclass says only how to connect and init, call, and say goodbye in its protocol.
 */
import type { ToolResult } from '../../core/tools.js';
import type { RuntimeCall, SkillRuntime } from '../runtime.js';
import { commandOf, type ProcessRuntimeOptions } from './process-options.js';
import { SkillProcess } from './skill-process.js';

export abstract class ProcessSkillRuntime implements SkillRuntime {
  /** The supervised child, when Hearth runs the skill (no `url` in the manifest). */
  protected process?: SkillProcess;
  private status = 'starting';

  constructor(protected readonly opts: ProcessRuntimeOptions) {}

  /** Environment a child gets: which protocol to serve, and on which port. */
  protected abstract childEnv(): Record<string, string>;
  /** Connects to the skill at the manifest's `url` and calls its init with `config`. */
  protected abstract connectUrl(url: string, config: Record<string, unknown>): Promise<void>;
  /** Connects to a child that reported ready on `port` (of 127.0.0.1) and calls its init with `config`. */
  protected abstract connectChild(port: number | undefined, config: Record<string, unknown>): Promise<void>;
  /** The child went away (before a restart): drop what is bound to it. */
  protected abstract disconnect(): void;
  /** At stop: calls the skill's destroy (best effort, never rejects) and closes the connection. */
  protected abstract destroy(): Promise<void>;

  abstract execute(call: RuntimeCall): Promise<ToolResult>;

  /** Dials the `url`, or spawns the child and waits until it is ready and initialised. */
  async start(config: Record<string, unknown>): Promise<void> {
    if (this.opts.manifest.url) {
      await this.connectUrl(this.opts.manifest.url, config);
      this.status = 'ready';
      return;
    }
    this.process = new SkillProcess({
      skill: this.opts.manifest.name,
      command: commandOf(this.opts.manifest),
      grants: this.opts.grants,
      env: this.childEnv(),
      log: this.opts.log,
      startTimeoutMs: this.opts.startTimeoutMs,
      maxOutputBytesPerSec: this.opts.maxOutputBytesPerSec,
      restart: this.opts.restart,
      onReady: (info) => this.connectChild(info.port, config),
      onDown: () => this.disconnect(),
    });
    await this.process.start();
  }

  /** A call overran its timeout: the child is killed and restarted (nothing to do for a `url`). */
  recover(reason: string): void {
    this.process?.kill(reason);
  }

  /** Says goodbye to the skill, then stops the child (if Hearth runs one). Never rejects. */
  async stop(): Promise<void> {
    await this.destroy();
    this.status = 'stopped';
    await this.process?.stop();
  }

  /** The child's state while Hearth runs one; otherwise `starting`, `ready` or `stopped`. */
  state(): string {
    return this.process?.state() ?? this.status;
  }

  /** How often the child was restarted (always 0 for a skill at a `url`). */
  restarts(): number {
    return this.process?.restarts() ?? 0;
  }
}
