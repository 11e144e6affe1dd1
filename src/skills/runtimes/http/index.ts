/**
 * HTTP runtime: the skill speaks Hearth's JSON protocol (POST /init, /execute, /destroy,
 * GET /health — see sdk/http-server.ts). Either Hearth runs it as a supervised child
 * (`command`/`entry`) or it is already running somewhere (`url`).
 */
import type { ToolResult } from '../../../core/tools.js';
import type { RuntimeCall, SkillRuntime } from '../../runtime.js';
import { wireContext } from '../../runtime.js';
import { SkillProcess } from '../skill-process.js';
import { commandOf, type ProcessRuntimeOptions } from '../process-options.js';
import { callJson, type Endpoint } from './json-client.js';

export class HttpRuntime implements SkillRuntime {
  private endpoint?: Endpoint;
  private process?: SkillProcess;
  private status = 'starting';

  constructor(private readonly opts: ProcessRuntimeOptions) {}

  async start(config: Record<string, unknown>): Promise<void> {
    const init = (endpoint: Endpoint) =>
      callJson(endpoint, 'POST', '/init', { config }, AbortSignal.timeout(this.opts.startTimeoutMs)).then(() => {
        this.endpoint = endpoint;
      });
    if (this.opts.manifest.url) {
      await init({ url: new URL(this.opts.manifest.url) });
      this.status = 'ready';
      return;
    }
    this.process = new SkillProcess({
      skill: this.opts.manifest.name,
      command: commandOf(this.opts.manifest),
      grants: this.opts.grants,
      env: { HEARTH_SKILL_PROTOCOL: 'http', HEARTH_SKILL_PORT: '0' },
      log: this.opts.log,
      startTimeoutMs: this.opts.startTimeoutMs,
      maxOutputBytesPerSec: this.opts.maxOutputBytesPerSec,
      restart: this.opts.restart,
      onReady: (info) => init({ host: '127.0.0.1', port: Number(info.port) }),
      onDown: () => (this.endpoint = undefined),
    });
    await this.process.start();
  }

  async execute(call: RuntimeCall): Promise<ToolResult> {
    this.process?.assertReady();
    const endpoint = this.endpoint;
    if (!endpoint) throw new Error(`skill ${this.opts.manifest.name} is not connected`);
    const res = await callJson(
      endpoint,
      'POST',
      '/execute',
      { tool: call.tool, arguments: call.arguments, context: wireContext(call.context) },
      call.signal,
    );
    return { content: String(res.content ?? ''), isError: res.isError === true };
  }

  recover(reason: string): void {
    this.process?.kill(reason);
  }

  async stop(): Promise<void> {
    const endpoint = this.endpoint;
    if (endpoint) await callJson(endpoint, 'POST', '/destroy', {}, AbortSignal.timeout(2_000)).catch(() => undefined);
    this.status = 'stopped';
    await this.process?.stop();
  }

  state(): string {
    return this.process?.state() ?? this.status;
  }

  restarts(): number {
    return this.process?.restarts() ?? 0;
  }
}
