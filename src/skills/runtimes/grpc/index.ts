/**
 * gRPC runtime: the skill implements `hearth.skill.v1.Skill` from proto/skill.proto. Hearth runs
 * it as a supervised child (`command`/`entry`) or dials an already running server (`url`,
 * host:port).
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { ErrorCode, HearthError } from '../../../core/errors.js';
import type { ToolResult } from '../../../core/tools.js';
import type { RuntimeCall, SkillRuntime } from '../../runtime.js';
import { wireContext } from '../../runtime.js';
import { SkillProcess } from '../skill-process.js';
import { commandOf, type ProcessRuntimeOptions } from '../process-options.js';
import { skillProtoPath } from './proto-path.js';

type UnaryMethod = (req: unknown, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res: any) => void) => grpc.ClientUnaryCall;
type SkillClient = grpc.Client & Record<'init' | 'execute' | 'destroy' | 'health', UnaryMethod>;

let clientClass: (new (address: string, creds: grpc.ChannelCredentials) => SkillClient) | undefined;

/** The generated client constructor, loaded once from skill.proto. */
function skillClientClass() {
  if (!clientClass) {
    const def = protoLoader.loadSync(skillProtoPath(), { keepCase: false, longs: String, defaults: true });
    clientClass = (grpc.loadPackageDefinition(def) as any).hearth.skill.v1.Skill;
  }
  return clientClass!;
}

/** One unary call honouring an abort signal (gRPC cancels the call on abort). */
function unary(client: SkillClient, method: 'init' | 'execute' | 'destroy' | 'health', req: unknown, signal: AbortSignal): Promise<any> {
  return new Promise((resolve, reject) => {
    const call = client[method](req, {}, (err, res) =>
      err ? reject(new HearthError(ErrorCode.tool, err.details || err.message, 502)) : resolve(res),
    );
    signal.addEventListener('abort', () => call.cancel(), { once: true });
  });
}

export class GrpcRuntime implements SkillRuntime {
  private client?: SkillClient;
  private process?: SkillProcess;
  private status = 'starting';

  constructor(private readonly opts: ProcessRuntimeOptions) {}

  async start(config: Record<string, unknown>): Promise<void> {
    const connect = async (address: string) => {
      const Client = skillClientClass();
      const client = new Client(address, grpc.credentials.createInsecure());
      try {
        await unary(client, 'init', { configJson: JSON.stringify(config) }, AbortSignal.timeout(this.opts.startTimeoutMs));
      } catch (err) {
        client.close();
        throw err;
      }
      this.client = client;
    };
    if (this.opts.manifest.url) {
      await connect(this.opts.manifest.url.replace(/^grpc:\/\//, ''));
      this.status = 'ready';
      return;
    }
    this.process = new SkillProcess({
      skill: this.opts.manifest.name,
      command: commandOf(this.opts.manifest),
      grants: this.opts.grants,
      env: { HEARTH_SKILL_PROTOCOL: 'grpc', HEARTH_SKILL_PORT: '0', HEARTH_SKILL_PROTO: skillProtoPath() },
      log: this.opts.log,
      startTimeoutMs: this.opts.startTimeoutMs,
      maxOutputBytesPerSec: this.opts.maxOutputBytesPerSec,
      restart: this.opts.restart,
      onReady: (info) => connect(`127.0.0.1:${info.port}`),
      onDown: () => {
        this.client?.close();
        this.client = undefined;
      },
    });
    await this.process.start();
  }

  async execute(call: RuntimeCall): Promise<ToolResult> {
    this.process?.assertReady();
    if (!this.client) throw new HearthError(ErrorCode.skillUnavailable, `skill ${this.opts.manifest.name} is not connected`, 503);
    const res = await unary(
      this.client,
      'execute',
      { tool: call.tool, argumentsJson: JSON.stringify(call.arguments), context: wireContext(call.context) },
      call.signal,
    );
    return { content: String(res.content ?? ''), isError: res.isError === true };
  }

  recover(reason: string): void {
    this.process?.kill(reason);
  }

  async stop(): Promise<void> {
    if (this.client) await unary(this.client, 'destroy', {}, AbortSignal.timeout(2_000)).catch(() => undefined);
    this.client?.close();
    this.client = undefined;
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
