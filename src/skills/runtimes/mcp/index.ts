/**
 * MCP runtime: a Model Context Protocol server (stdio child or streamable HTTP) as a skill. Its
 * tools are listed at start and offered like any other. A stdio server that dies is reconnected
 * with backoff; meanwhile calls fail with a clear "restarting" error.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ErrorCode, HearthError } from '../../../core/errors.js';
import type { ToolResult } from '../../../core/tools.js';
import type { ToolDeclaration } from '../../manifest.js';
import type { RuntimeCall, SkillRuntime } from '../../runtime.js';
import { logSkillStderr, sandboxedCommand } from '../sandbox.js';
import type { ProcessRuntimeOptions } from '../process-options.js';

/** MCP tool descriptions can be long; the model sees a short one (prompt economy). */
const maxDescription = 200;

export class McpRuntime implements SkillRuntime {
  private client?: Client;
  private tools?: ToolDeclaration[];
  private status = 'starting';
  private attempt = 0;
  private restartCount = 0;
  private timer?: NodeJS.Timeout;

  constructor(private readonly opts: ProcessRuntimeOptions) {}

  async start(): Promise<void> {
    await this.connect();
  }

  discoveredTools(): ToolDeclaration[] | undefined {
    return this.tools;
  }

  async execute(call: RuntimeCall): Promise<ToolResult> {
    const client = this.client;
    if (!client || this.status !== 'ready') {
      throw new HearthError(
        ErrorCode.skillUnavailable,
        `skill ${this.opts.manifest.name} is ${this.status}; try again shortly`,
        503,
      );
    }
    const res = await client.callTool({ name: call.tool, arguments: call.arguments }, undefined, {
      signal: call.signal,
    });
    const parts = (res.content as Array<{ type: string; text?: string }> | undefined) ?? [];
    const text = parts.map((p) => (p.type === 'text' ? (p.text ?? '') : `[${p.type}]`)).join('\n');
    return { content: text || JSON.stringify(res.structuredContent ?? {}), isError: res.isError === true };
  }

  recover(): void {
    // A stuck MCP call is cancelled by its signal; a stdio server that is wholly stuck is
    // restarted by closing the transport (the close handler reconnects).
    void this.client?.close();
  }

  async stop(): Promise<void> {
    this.status = 'stopped';
    clearTimeout(this.timer);
    await this.client?.close().catch(() => undefined);
    this.client = undefined;
  }

  state(): string {
    return this.status;
  }

  restarts(): number {
    return this.restartCount;
  }

  private transport(): Transport {
    const m = this.opts.manifest;
    if (m.url) return new StreamableHTTPClientTransport(new URL(m.url));
    const { file, args, env } = sandboxedCommand(m.command ?? [], this.opts.grants, {});
    const transport = new StdioClientTransport({
      command: file,
      args,
      env,
      cwd: this.opts.grants.skillDir,
      stderr: 'pipe',
    });
    transport.stderr?.on('data', (chunk: Buffer) => logSkillStderr(this.opts.log, m.name, chunk));
    return transport;
  }

  private async connect(): Promise<void> {
    const client = new Client({ name: 'hearth', version: '0.1.0' });
    const transport = this.transport();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      client.connect(transport),
      new Promise((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new HearthError(
                ErrorCode.skillUnavailable,
                `MCP server ${this.opts.manifest.name} did not start in time`,
                503,
              ),
            ),
          this.opts.startTimeoutMs,
        );
      }),
    ])
      .catch(async (err) => {
        await client.close().catch(() => undefined);
        throw err;
      })
      .finally(() => clearTimeout(timer));
    const listed = await client.listTools(undefined, { timeout: this.opts.startTimeoutMs });
    this.tools = listed.tools.map((t) => ({
      name: t.name,
      description: (t.description ?? t.name).slice(0, maxDescription),
      parameters: (t.inputSchema as Record<string, unknown>) ?? { type: 'object', properties: {} },
      sensitive: t.annotations?.destructiveHint === true,
    }));
    this.client = client;
    this.status = 'ready';
    client.onclose = () => this.onClosed(client);
  }

  private onClosed(client: Client): void {
    if (client !== this.client || this.status === 'stopped') return;
    this.client = undefined;
    this.status = 'restarting';
    const delay = Math.min(this.opts.restart.initialDelayMs * 2 ** this.attempt++, this.opts.restart.maxDelayMs);
    this.opts.log.warn(
      { skill: this.opts.manifest.name, restartInMs: delay, event: 'skill_exit' },
      'MCP server closed; reconnecting',
    );
    this.timer = setTimeout(() => {
      if (this.status === 'stopped') return;
      this.restartCount++;
      this.connect().then(
        () => (this.attempt = 0),
        () => this.onClosed(this.client ?? client),
      );
    }, delay);
  }
}
