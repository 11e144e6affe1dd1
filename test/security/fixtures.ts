/**
 * Shared set-up for security tests: a security module over a temporary data folder and a small
 * Fastify app with its routes, plus helpers to log in and issue tokens.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { configSchema, type ConfigInput } from '../../src/core/config.js';
import { createSecurity, type Security } from '../../src/security/index.js';

export const API_TOKEN = 'test-api-token-0123456789abcdef';
export const ADMIN_PASSWORD = 'correct horse battery staple';
export const MASTER_KEY = Buffer.alloc(32, 7).toString('base64');

export interface Fixture {
  security: Security;
  app: FastifyInstance;
  dataDir: string;
  close(): Promise<void>;
}

/** Parses a `security` section through the real config schema. */
export function securityConfig(section: NonNullable<ConfigInput['security']> = {}) {
  return configSchema.parse({ security: section }).security;
}

export const silentLog = pino({ level: 'silent' });

/** Builds the security module and an app with its routes; `routes` adds extra routes before ready(). */
export async function makeFixture(
  section: NonNullable<ConfigInput['security']> = {},
  routes?: (app: FastifyInstance, security: Security) => void | Promise<void>,
  opts: { dataDir?: string; env?: Record<string, string>; redisUrl?: string } = {},
): Promise<Fixture> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'hearth-sec-'));
  const security = await createSecurity(securityConfig(section), {
    dataDir,
    log: silentLog,
    apiToken: API_TOKEN,
    redisUrl: opts.redisUrl,
    env: { HEARTH_ADMIN_PASSWORD: ADMIN_PASSWORD, HEARTH_MASTER_KEY: MASTER_KEY, ...opts.env },
  });
  const app = Fastify({ logger: false });
  security.protectAdminRoutes(app);
  await security.register(app);
  await routes?.(app, security);
  await app.ready();
  return {
    security,
    app,
    dataDir,
    async close() {
      await app.close();
      await security.close();
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Logs in as the local admin and returns the token pair. */
export async function login(app: FastifyInstance, password = ADMIN_PASSWORD) {
  const res = await app.inject({ method: 'POST', url: '/auth/login', payload: { username: 'admin', password } });
  return {
    status: res.statusCode,
    body: res.json() as { accessToken: string; refreshToken: string; expiresIn: number },
  };
}

/** Issues a machine token with a role through the admin API. */
export async function issueToken(
  app: FastifyInstance,
  role: 'admin' | 'operator' | 'viewer',
  scopes?: string[],
): Promise<{ token: string; id: string }> {
  const res = await app.inject({
    method: 'POST',
    url: '/admin/tokens',
    headers: { authorization: `Bearer ${API_TOKEN}` },
    payload: { name: `${role} bot`, role, ...(scopes ? { scopes } : {}) },
  });
  if (res.statusCode !== 201) throw new Error(`token issue failed: ${res.statusCode} ${res.body}`);
  const body = res.json() as { token: string; id: string };
  return { token: body.token, id: body.id };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
