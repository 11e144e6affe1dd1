/**
 * A separate process for the shared-limit test: a Fastify app with the security module's
 * per-IP rate limit backed by Redis. Prints `{"port":N}` once listening; exits when stdin closes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { createSecurity } from '../../src/security/index.js';
import { securityConfig, silentLog, MASTER_KEY } from './fixtures.js';

const dataDir = mkdtempSync(join(tmpdir(), 'hearth-rl-'));
const security = await createSecurity(
  securityConfig({
    rateLimit: { store: 'redis', ip: { limit: 6, windowSec: 30 } },
    ipAllowlist: { trustedProxies: ['127.0.0.1'] },
  }),
  {
    dataDir,
    log: silentLog,
    apiToken: 'child-api-token-0123456789',
    redisUrl: process.env.REDIS_URL,
    env: { HEARTH_MASTER_KEY: MASTER_KEY },
  },
);
const app = Fastify();
app.addHook('onRequest', security.rateLimit('ip'));
app.get('/ping', async () => ({ pid: process.pid }));
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
process.stdout.write(`${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0 })}\n`);
process.stdin.resume();
process.stdin.on('end', async () => {
  await app.close();
  await security.close();
  rmSync(dataDir, { recursive: true, force: true });
  process.exit(0);
});
