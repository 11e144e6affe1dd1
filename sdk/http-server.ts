/**
 * Serves a skill with Hearth's HTTP skill protocol (JSON bodies):
 *   POST /init     {config}                      -> {ok: true}
 *   POST /execute  {tool, arguments, context}    -> {content, isError?}
 *   POST /destroy  {}                            -> {ok: true}
 *   GET  /health                                 -> {ok: true}
 * Failures answer 500 with {error: {message}}. Listens on TCP or on a Unix socket (sidecar).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { READY_PREFIX, runExecute, type Skill, type SkillCall } from './skill.js';

export interface HttpServeOptions {
  /** TCP port; 0 picks a free one. Default: env HEARTH_SKILL_PORT or 0. */
  port?: number;
  host?: string;
  /** Listen on this Unix socket instead of TCP (sidecar). Default: env HEARTH_SKILL_SOCKET. */
  socketPath?: string;
}

const maxBody = 4 * 1024 * 1024;

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBody) throw new Error('request body too large');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

/** Starts serving `skill`; prints the ready line on stdout once listening. Resolves with the server. */
export async function serveHttp(skill: Skill, options: HttpServeOptions = {}): Promise<Server> {
  const server = createServer((req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    void (async () => {
      try {
        if (req.method === 'GET' && req.url === '/health') return reply(200, { ok: true });
        if (req.method !== 'POST') return reply(404, { error: { message: 'not found' } });
        const body = await readJson(req);
        if (req.url === '/init') {
          await skill.init?.((body.config as Record<string, unknown>) ?? {});
          return reply(200, { ok: true });
        }
        if (req.url === '/execute') return reply(200, await runExecute(skill, body as unknown as SkillCall));
        if (req.url === '/destroy') {
          await skill.destroy?.();
          return reply(200, { ok: true });
        }
        reply(404, { error: { message: 'not found' } });
      } catch (err) {
        reply(500, { error: { message: err instanceof Error ? err.message : String(err) } });
      }
    })();
  });
  const socketPath = options.socketPath ?? process.env.HEARTH_SKILL_SOCKET;
  if (socketPath) {
    // A stale socket file from a previous run would make listen() fail with EADDRINUSE.
    rmSync(socketPath, { force: true });
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    process.stdout.write(`${READY_PREFIX}${JSON.stringify({ socket: socketPath })}\n`);
  } else {
    const port = options.port ?? Number(process.env.HEARTH_SKILL_PORT ?? 0);
    await new Promise<void>((resolve) => server.listen(port, options.host ?? '127.0.0.1', resolve));
    process.stdout.write(`${READY_PREFIX}${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
  }
  return server;
}
