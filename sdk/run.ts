/** Serves a skill over the protocol the host asked for (env HEARTH_SKILL_PROTOCOL: http or grpc). */
import type { Skill } from './skill.js';
import { serveHttp } from './http-server.js';

/**
 * Starts the skill and stops it cleanly on SIGTERM (calling `destroy`). gRPC support is loaded
 * lazily so HTTP-only skills need no gRPC packages.
 */
export async function runSkill(skill: Skill): Promise<void> {
  const protocol = process.env.HEARTH_SKILL_PROTOCOL ?? 'http';
  let close: () => void;
  if (protocol === 'grpc') {
    const { serveGrpc } = await import('./grpc-server.js');
    const server = await serveGrpc(skill);
    close = () => server.forceShutdown();
  } else {
    const server = await serveHttp(skill);
    close = () => server.close();
  }
  process.once('SIGTERM', () => {
    void Promise.resolve(skill.destroy?.()).finally(() => {
      close();
      process.exit(0);
    });
  });
}
