/**
 * gRPC runtime: the skill implements `hearth.skill.v1.Skill` from proto/skill.proto. Hearth runs
 * it as a supervised child (`command`/`entry`) or dials an already running server (`url`,
 * host:port).
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { ErrorCode, HearthError } from '../../../core/errors.js';
import type { ToolResult } from '../../../core/tools.js';
import type { RuntimeCall } from '../../runtime.js';
import { wireContext } from '../../runtime.js';
import { ProcessSkillRuntime } from '../process-runtime.js';
import { skillProtoPath } from './proto-path.js';

type UnaryMethod = (
  req: unknown,
  opts: grpc.CallOptions,
  cb: (err: grpc.ServiceError | null, res: Record<string, unknown>) => void,
) => grpc.ClientUnaryCall;
type SkillClient = grpc.Client & Record<'init' | 'execute' | 'destroy' | 'health', UnaryMethod>;

let clientClass: (new (address: string, creds: grpc.ChannelCredentials) => SkillClient) | undefined;

/** The generated client constructor, loaded once from skill.proto. */
function skillClientClass() {
  if (!clientClass) {
    const def = protoLoader.loadSync(skillProtoPath(), { keepCase: false, longs: String, defaults: true });
    clientClass = (
      grpc.loadPackageDefinition(def) as unknown as { hearth: { skill: { v1: { Skill: typeof clientClass } } } }
    ).hearth.skill.v1.Skill;
  }
  return clientClass!;
}

/** One unary call honouring an abort signal (gRPC cancels the call on abort). */
function unary(
  client: SkillClient,
  method: 'init' | 'execute' | 'destroy' | 'health',
  req: unknown,
  signal: AbortSignal,
): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const call = client[method](req, {}, (err, res) =>
      err ? reject(new HearthError(ErrorCode.tool, err.details || err.message, 502)) : resolve(res),
    );
    signal.addEventListener('abort', () => call.cancel(), { once: true });
  });
}

export class GrpcRuntime extends ProcessSkillRuntime {
  private client?: SkillClient;

  protected childEnv(): Record<string, string> {
    return { HEARTH_SKILL_PROTOCOL: 'grpc', HEARTH_SKILL_PORT: '0', HEARTH_SKILL_PROTO: skillProtoPath() };
  }

  protected connectUrl(url: string, config: Record<string, unknown>): Promise<void> {
    return this.connect(url.replace(/^grpc:\/\//, ''), config);
  }

  protected connectChild(port: number | undefined, config: Record<string, unknown>): Promise<void> {
    return this.connect(`127.0.0.1:${port}`, config);
  }

  protected disconnect(): void {
    this.client?.close();
    this.client = undefined;
  }

  protected async destroy(): Promise<void> {
    if (this.client) await unary(this.client, 'destroy', {}, AbortSignal.timeout(2_000)).catch(() => undefined);
    this.client?.close();
    this.client = undefined;
  }

  /** Dials `address` and calls init; the client is kept only once init succeeded. */
  private async connect(address: string, config: Record<string, unknown>): Promise<void> {
    const Client = skillClientClass();
    const client = new Client(address, grpc.credentials.createInsecure());
    try {
      await unary(
        client,
        'init',
        { configJson: JSON.stringify(config) },
        AbortSignal.timeout(this.opts.startTimeoutMs),
      );
    } catch (err) {
      client.close();
      throw err;
    }
    this.client = client;
  }

  async execute(call: RuntimeCall): Promise<ToolResult> {
    this.process?.assertReady();
    if (!this.client)
      throw new HearthError(ErrorCode.skillUnavailable, `skill ${this.opts.manifest.name} is not connected`, 503);
    const res = await unary(
      this.client,
      'execute',
      { tool: call.tool, argumentsJson: JSON.stringify(call.arguments), context: wireContext(call.context) },
      call.signal,
    );
    return { content: String(res.content ?? ''), isError: res.isError === true };
  }
}
