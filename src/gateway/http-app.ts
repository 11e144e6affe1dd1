/**
 * The HTTP side of the gateway: the Fastify app with its logging and error conventions. The
 * protections live in plugins/protections.ts, the routes in the plugins under plugins/.
 */
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { HearthConfig } from '../core/config.js';
import { ErrorCode, HearthError, errorSummary } from '../core/errors.js';
import type { Security } from '../security/index.js';
import { lazySchemaController, lazyValidation } from './lazy-schemas.js';

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
    // A key a schema does not allow is a 400, never silently dropped (Fastify's default strips it):
    // a typo in a request must not be ignored, as in the config files.
    ajv: { customOptions: { removeAdditional: false } },
    // Route schemas are compiled on each route's first request (lazy-schemas.ts).
    schemaController: lazySchemaController(),
  });
  lazyValidation(app);
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
  // The code a request's log line carries is the one its response carried: read from the body sent
  // (`{"error": {"code": …}}`, ours and the OpenAI-shaped one alike), whichever plugin or hook sent it.
  app.addHook('onSend', async (req, reply, payload) => {
    if (reply.statusCode >= 400 && typeof payload === 'string') {
      const code = errorCodeOf(payload);
      if (code) sentCodes.set(req, code);
    }
    return payload;
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
        ...(reply.statusCode >= 400 ? { errorCode: sentCodes.get(req) ?? errorCodeForStatus(reply.statusCode) } : {}),
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
  app.setNotFoundHandler((req, reply) =>
    reply
      .code(404)
      .send({ error: { code: ErrorCode.notFound, message: `no route ${req.method} ${req.url.split('?')[0]}` } }),
  );
  return app as unknown as FastifyInstance;
}

/** Error codes of sent responses, by request (weak: nothing to clean up). */
const sentCodes = new WeakMap<object, string>();

/** The stable code in an error body, if the payload is one. */
function errorCodeOf(payload: string): string | undefined {
  if (!payload.startsWith('{')) return undefined;
  try {
    const code = (JSON.parse(payload) as { error?: { code?: unknown } }).error?.code;
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
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
