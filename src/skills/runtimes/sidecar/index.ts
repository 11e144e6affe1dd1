/**
 * Sidecar runtime: the skill runs in its own container and serves the HTTP skill protocol on a
 * Unix socket in a volume shared with Hearth (`skills.sidecarDir`). Hearth does not start it;
 * it waits for the socket at start and reports the sidecar unreachable while it is gone.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { ErrorCode, HearthError } from '../../../core/errors.js';
import type { ToolResult } from '../../../core/tools.js';
import type { SkillManifest } from '../../manifest.js';
import type { RuntimeCall, SkillRuntime } from '../../runtime.js';
import { wireContext } from '../../runtime.js';
import { callJson } from '../http/json-client.js';

export interface SidecarOptions {
  manifest: SkillManifest;
  socketPath: string;
  startTimeoutMs: number;
  log: Logger;
}

export class SidecarRuntime implements SkillRuntime {
  private status = 'starting';
  private config: Record<string, unknown> = {};
  private needsInit = false;

  constructor(private readonly opts: SidecarOptions) {}

  /** Polls the socket until the sidecar answers /health (it may still be booting), then inits it. */
  async start(config: Record<string, unknown>): Promise<void> {
    this.config = config;
    const deadline = Date.now() + this.opts.startTimeoutMs;
    for (;;) {
      try {
        await callJson(this.endpoint(), 'GET', '/health', undefined, AbortSignal.timeout(1_000));
        break;
      } catch (err) {
        if (Date.now() > deadline) {
          this.status = 'failed';
          throw new HearthError(
            ErrorCode.skillUnavailable,
            `sidecar ${this.opts.manifest.name} not reachable at ${this.opts.socketPath}`,
            503,
            { cause: err },
          );
        }
        await sleep(100);
      }
    }
    await callJson(this.endpoint(), 'POST', '/init', { config }, AbortSignal.timeout(this.opts.startTimeoutMs));
    this.status = 'ready';
  }

  async execute(call: RuntimeCall): Promise<ToolResult> {
    try {
      // A sidecar container that restarted lost its init: redo it before the call.
      if (this.needsInit) await callJson(this.endpoint(), 'POST', '/init', { config: this.config }, call.signal);
      this.needsInit = false;
      this.status = 'ready';
      const res = await callJson(
        this.endpoint(),
        'POST',
        '/execute',
        { tool: call.tool, arguments: call.arguments, context: wireContext(call.context) },
        call.signal,
      );
      return { content: String(res.content ?? ''), isError: res.isError === true };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ECONNREFUSED') {
        this.status = 'unreachable';
        this.needsInit = true;
        throw new HearthError(ErrorCode.skillUnavailable, `sidecar ${this.opts.manifest.name} is unreachable`, 503);
      }
      throw err;
    }
  }

  async stop(): Promise<void> {
    if (this.status === 'ready')
      await callJson(this.endpoint(), 'POST', '/destroy', {}, AbortSignal.timeout(2_000)).catch(() => undefined);
    this.status = 'stopped';
  }

  state(): string {
    return this.status;
  }

  restarts(): number {
    return 0;
  }

  private endpoint() {
    return { socketPath: this.opts.socketPath };
  }
}
