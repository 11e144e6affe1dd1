/**
 * Serves a skill over gRPC with the published contract `proto/skill.proto`
 * (service hearth.skill.v1.Skill: Init, Execute, Destroy, Health).
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { skillProtoPath } from './proto-path.js';
import { READY_PREFIX, runExecute, type Skill } from './skill.js';

export interface GrpcServeOptions {
  /** Default: env HEARTH_SKILL_PORT or 0 (a free port). */
  port?: number;
  host?: string;
}

/** The request messages of skill.proto, as proto-loader decodes them (`defaults: true` fills every field). */
interface SkillRequest {
  configJson?: string;
  tool?: string;
  argumentsJson?: string;
  context?: { conversationId?: string; userId?: string; agent?: string };
}

type Handler = (call: { request: SkillRequest }, done: grpc.sendUnaryData<unknown>) => void;

/** Wraps an async handler so a throw becomes a gRPC INTERNAL error instead of a crash. */
function unary(fn: (request: SkillRequest) => Promise<unknown>): Handler {
  return (call, done) => {
    fn(call.request).then(
      (res) => done(null, res),
      (err: unknown) => done({ code: grpc.status.INTERNAL, details: err instanceof Error ? err.message : String(err) }),
    );
  };
}

/** Loads the Skill service definition from skill.proto. */
export function loadSkillService(): grpc.ServiceDefinition {
  const def = protoLoader.loadSync(skillProtoPath(), { keepCase: false, longs: String, defaults: true });
  const pkg = grpc.loadPackageDefinition(def) as unknown as {
    hearth: { skill: { v1: { Skill: { service: grpc.ServiceDefinition } } } };
  };
  return pkg.hearth.skill.v1.Skill.service;
}

/** Starts serving `skill`; prints the ready line on stdout once bound. Resolves with the server. */
export async function serveGrpc(skill: Skill, options: GrpcServeOptions = {}): Promise<grpc.Server> {
  const server = new grpc.Server();
  server.addService(loadSkillService(), {
    init: unary(async (req) => {
      await skill.init?.(req.configJson ? JSON.parse(req.configJson) : {});
      return {};
    }),
    execute: unary(async (req) => {
      const ctx = req.context ?? {};
      const result = await runExecute(skill, {
        tool: req.tool ?? '',
        arguments: req.argumentsJson ? JSON.parse(req.argumentsJson) : {},
        context: { conversationId: ctx.conversationId ?? '', userId: ctx.userId ?? '', agent: ctx.agent ?? '' },
      });
      return { content: result.content, isError: result.isError === true };
    }),
    destroy: unary(async () => {
      await skill.destroy?.();
      return {};
    }),
    health: unary(async () => ({ ok: true })),
  } as grpc.UntypedServiceImplementation);
  const port = options.port ?? Number(process.env.HEARTH_SKILL_PORT ?? 0);
  const bound = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${options.host ?? '127.0.0.1'}:${port}`, grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  process.stdout.write(`${READY_PREFIX}${JSON.stringify({ port: bound })}\n`);
  return server;
}
