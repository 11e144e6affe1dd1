/**
 * The protections every gateway route gets, whichever plugin registers it: browser Origin/Host
 * guard (first: a foreign web page must not reach anything, not even a rate-limit counter), the
 * IP allowlist of each surface, rate limits (per user or token for authenticated callers, per IP
 * for everyone else), the role guard of every route under /admin, and an audit record of every
 * administrative change.
 *
 * Mounted before every other plugin and wrapped in `fastify-plugin`, on purpose: its hooks must not
 * be encapsulated. Hooks added here land on the root instance, so every plugin registered after it
 * inherits them — a plugin cannot opt out of the protections, nor forget them.
 */
import fastifyPlugin from 'fastify-plugin';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { ErrorCode, errorSummary } from '../../core/errors.js';
import { browserGuard, type BrowserGuardOptions } from '../../security/browser-guard.js';
import type { Security } from '../../security/index.js';
import { routedPath } from '../routed-path.js';

export interface ProtectionDeps {
  security: Security;
  log: Logger;
  browser: BrowserGuardOptions;
}

type Hook = (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

/** Which protected surface a path belongs to (each has its own IP allowlist). */
export function surfaceOf(path: string): 'admin' | 'api' | 'webhooks' | undefined {
  if (path.startsWith('/admin') || path === '/metrics') return 'admin';
  if (path.startsWith('/v1/') || path === '/ws') return 'api';
  if (path.startsWith('/webhooks/')) return 'webhooks';
  return undefined;
}

async function protections(app: FastifyInstance, deps: ProtectionDeps): Promise<void> {
  const { security, log } = deps;
  // One shape for every request object (Fastify's advice); guards fill it in.
  app.decorateRequest('principal', undefined);
  app.addHook('onRequest', browserGuard(deps.browser, log));
  const ipLimit = security.rateLimit('ip') as unknown as Hook;
  const userLimit = security.rateLimit('user') as unknown as Hook;
  const allow: Record<'admin' | 'api' | 'webhooks', Hook> = {
    admin: security.ipAllowlist('admin') as unknown as Hook,
    api: security.ipAllowlist('api') as unknown as Hook,
    webhooks: security.ipAllowlist('webhooks') as unknown as Hook,
  };
  app.addHook('onRequest', async (req, reply) => {
    const path = routedPath(req);
    if (path === '/healthz' || path === '/readyz') return;
    const surface = surfaceOf(path);
    if (surface) {
      await allow[surface](req, reply);
      if (reply.sent) return;
    }
    // An authenticated caller is counted per user or token, never per address: the per-IP counter is
    // for unauthenticated traffic and failed authentication, so a flood of garbage from one address
    // (or a busy NAT) cannot lock the owner's token out.
    const principal = await security.authenticator.authenticate(req);
    await (principal ? userLimit : ipLimit)(req, reply);
  });
  // Every route under /admin, registered by any plugin from now on, gets its role guard.
  security.protectAdminRoutes(app);
  app.addHook('onResponse', async (req, reply) => {
    if (!routedPath(req).startsWith('/admin') || req.method === 'GET' || req.method === 'HEAD') return;
    await security.audit
      .record({
        actor: req.principal?.id ?? 'anonymous',
        action: `${req.method} ${req.routeOptions.url ?? req.url.split('?')[0]}`,
        target: JSON.stringify(req.params ?? {}),
        ip: security.clientIp(req),
        result: reply.statusCode < 400 ? 'ok' : reply.statusCode < 500 ? 'denied' : 'error',
        detail: { status: reply.statusCode },
      })
      .catch((err: unknown) =>
        log.error({ errorCode: ErrorCode.internal, err: errorSummary(err) }, 'audit record failed'),
      );
  });
}

/** The protections as a plugin whose hooks apply to the whole app (see the file comment). */
export const protectionsPlugin = fastifyPlugin(protections, { name: 'hearth-protections', fastify: '5.x' });
