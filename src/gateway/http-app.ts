/**
 * The HTTP side of the gateway: the Fastify app with logging and error conventions, and the
 * per-surface protections (IP allowlists, rate limits, audit of administrative changes).
 */
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { HearthConfig } from '../core/config.js';
import { ErrorCode, HearthError } from '../core/errors.js';
import { errorSummary } from '../engine/engine.js';
import { browserGuard, type BrowserGuardOptions } from '../security/browser-guard.js';
import type { Security } from '../security/index.js';

/**
 * The Fastify instance: one `request` log line per request with our field names, JSON errors with
 * stable codes, 503 while draining, and an empty JSON body read as no body.
 */
export function buildHttpApp(
  config: HearthConfig,
  log: Logger,
  isDraining: () => boolean,
  https?: ReturnType<Security['tlsOptions']>,
): FastifyInstance {
  const app = Fastify({
    ...(https ? { https } : {}),
    loggerInstance: log,
    // One `request` line per request comes from the onResponse hook below, with our field names.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
    requestIdHeader: 'x-request-id',
    bodyLimit: config.server.bodyLimit,
    forceCloseConnections: 'idle',
    return503OnClosing: true,
  });
  // An empty JSON body (a DELETE sent with a JSON content type) means "no body", not a 400.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) =>
    body === '' ? done(null, undefined) : parseJson(req, body as string, done),
  );
  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
    if (isDraining() && !req.url.startsWith('/healthz') && !req.url.startsWith('/readyz')) {
      return reply.code(503).send({ error: { code: ErrorCode.shuttingDown, message: 'Hearth is shutting down' } });
    }
  });
  app.addHook('onResponse', async (req, reply) => {
    const path = req.url.split('?')[0];
    if (path === '/healthz' || path === '/readyz') return;
    req.log.info(
      {
        channel: channelOfPath(path),
        method: req.method,
        path,
        statusCode: reply.statusCode,
        latencyMs: Math.round(reply.elapsedTime),
        ...(reply.statusCode >= 400 ? { errorCode: errorCodeForStatus(reply.statusCode) } : {}),
      },
      'request',
    );
  });
  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    const status = err instanceof HearthError ? err.httpStatus : (err.statusCode ?? 500);
    const code = err instanceof HearthError ? err.code : errorCodeForStatus(status);
    if (status >= 500) req.log.error({ errorCode: code, err: errorSummary(err) }, 'request failed');
    const message = status >= 500 && !(err instanceof HearthError) ? 'internal error' : err.message;
    return reply.code(status).send({ error: { code, message } });
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ error: { code: ErrorCode.notFound, message: `no route ${req.method} ${req.url.split('?')[0]}` } }));
  return app as unknown as FastifyInstance;
}

/**
 * Per-surface protection, by path: browser origin and Host checks (see browser-guard.ts); rate limits per IP everywhere but the probes; the admin,
 * API and webhook surfaces behind their IP allowlists; per-user limits on admin and API; and an
 * audit record of every administrative change.
 */
export function protectSurfaces(app: FastifyInstance, security: Security, log: Logger, browser: BrowserGuardOptions): void {
  // First: a foreign web page must not reach anything, not even a rate-limit counter.
  app.addHook('onRequest', browserGuard(browser, log));
  type Hook = (req: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
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
    const surface = path.startsWith('/admin') || path === '/metrics' ? 'admin' : path.startsWith('/v1/') || path === '/ws' ? 'api' : path.startsWith('/webhooks/') ? 'webhooks' : undefined;
    if (surface) {
      await allow[surface](req, reply);
      if (reply.sent) return;
    }
    await ipLimit(req, reply);
    if (reply.sent || (surface !== 'admin' && surface !== 'api')) return;
    await userLimit(req, reply);
  });
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
      .catch((err: unknown) => log.error({ errorCode: ErrorCode.internal, err: errorSummary(err) }, 'audit record failed'));
  });
}

/**
 * The path as the router sees it: the matched route's pattern, else the percent-decoded URL path.
 * The router decodes `%61dmin` to `admin`, so judging the raw URL would let `/%61dmin/…` past the
 * admin allowlist and the audit log.
 */
function routedPath(req: FastifyRequest): string {
  if (req.routeOptions.url) return req.routeOptions.url;
  const raw = req.url.split('?')[0];
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

function channelOfPath(path: string): string {
  if (path.startsWith('/v1/')) return 'api';
  if (path === '/ws') return 'webchat';
  if (path.startsWith('/voice')) return 'voice';
  if (path.startsWith('/webhooks/')) return path.split('/')[2] ?? 'webhooks';
  if (path.startsWith('/admin')) return 'admin';
  return 'http';
}

function errorCodeForStatus(status: number): string {
  if (status === 401) return ErrorCode.unauthorized;
  if (status === 403) return ErrorCode.forbidden;
  if (status === 404) return ErrorCode.notFound;
  if (status === 413) return ErrorCode.tooLarge;
  if (status === 503) return ErrorCode.shuttingDown;
  if (status < 500) return ErrorCode.badRequest;
  return ErrorCode.internal;
}
