/**
 * HTTP runtime: the skill speaks Hearth's JSON protocol (POST /init, /execute, /destroy,
 * GET /health — see sdk/http-server.ts). Either Hearth runs it as a supervised child
 * (`command`/`entry`) or it is already running somewhere (`url`).
 */
import type { ToolResult } from '../../../core/tools.js';
import type { RuntimeCall } from '../../runtime.js';
import { wireContext } from '../../runtime.js';
import { ProcessSkillRuntime } from '../process-runtime.js';
import { callJson, type Endpoint } from './json-client.js';

export class HttpRuntime extends ProcessSkillRuntime {
  private endpoint?: Endpoint;

  protected childEnv(): Record<string, string> {
    return { HEARTH_SKILL_PROTOCOL: 'http', HEARTH_SKILL_PORT: '0' };
  }

  protected connectUrl(url: string, config: Record<string, unknown>): Promise<void> {
    return this.init({ url: new URL(url) }, config);
  }

  protected connectChild(port: number | undefined, config: Record<string, unknown>): Promise<void> {
    return this.init({ host: '127.0.0.1', port: Number(port) }, config);
  }

  protected disconnect(): void {
    this.endpoint = undefined;
  }

  protected async destroy(): Promise<void> {
    const endpoint = this.endpoint;
    if (endpoint) await callJson(endpoint, 'POST', '/destroy', {}, AbortSignal.timeout(2_000)).catch(() => undefined);
  }

  private async init(endpoint: Endpoint, config: Record<string, unknown>): Promise<void> {
    await callJson(endpoint, 'POST', '/init', { config }, AbortSignal.timeout(this.opts.startTimeoutMs));
    this.endpoint = endpoint;
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
    // A skill written without the SDK may answer `content` as an object: the model gets its JSON.
    const content =
      res.content === undefined || res.content === null
        ? ''
        : typeof res.content === 'string'
          ? res.content
          : JSON.stringify(res.content);
    return { content, isError: res.isError === true };
  }
}
