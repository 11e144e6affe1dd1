/**
 * Example sidecar skill. It runs in its own container with a volume shared with Hearth and
 * serves the HTTP skill protocol on a Unix socket there (HEARTH_SKILL_SOCKET, e.g.
 * /sidecars/shout.sock). Hearth does not start it; it connects to the socket.
 */
import { defineSkill, serveHttp } from '../../sdk/index.js';

const skill = defineSkill({
  execute({ arguments: args }) {
    return `${String(args.text ?? '').toUpperCase()}! (sidecar skill)`;
  },
});

const server = await serveHttp(skill, { socketPath: process.env.HEARTH_SKILL_SOCKET ?? '/sidecars/shout.sock' });
process.once('SIGTERM', () => server.close(() => process.exit(0)));
