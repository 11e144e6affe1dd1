/**
 * Browser-origin protection for the surfaces a web page could reach on the owner's machine.
 *
 * A page on any site can open a WebSocket or send a form POST to `http://127.0.0.1:8080`: the
 * browser adds an `Origin` header but does not stop the request. Without this guard any page the
 * owner visits could drive the open web chat (and its tools). Two checks:
 * - Origin: a WebSocket upgrade or a state-changing request that carries an `Origin` must come from
 *   the server's own origin (same host as the `Host` header) or one of `server.allowedOrigins`.
 *   Clients that send no `Origin` (curl, SDKs, chat platforms) are not browsers and pass.
 * - Host (DNS rebinding): a name the attacker controls can be made to resolve to 127.0.0.1, which
 *   turns the page's requests into same-origin ones. So when surfaces are open without credentials,
 *   the `Host` must be an IP literal, `localhost`, or one of `server.allowedHosts`.
 */
import { isIP } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { ErrorCode } from '../core/errors.js';
import { sendError } from './http-error.js';

export interface BrowserGuardOptions {
  /** Extra origins (`https://app.example.com`) allowed besides the server's own. */
  allowedOrigins: readonly string[];
  /** Server names allowed in the Host header besides IP literals and localhost. */
  allowedHosts: readonly string[];
  /** Check the Host header: on when some surface is open without credentials, or allowedHosts is set. */
  checkHost: boolean;
}

/** Routes no browser attack reaches or that platforms call with their own Host: probes, metrics, signed webhooks. */
function exempt(path: string): boolean {
  return path === '/healthz' || path === '/readyz' || path === '/metrics' || path.startsWith('/webhooks/');
}

/** The host name of a Host header value, without port and brackets, lower-cased. */
export function hostName(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']') > 0 ? h.indexOf(']') : undefined);
  const colon = h.lastIndexOf(':');
  return colon > 0 && h.indexOf(':') === colon ? h.slice(0, colon) : h;
}

/** True when the Host header names this machine in a way DNS rebinding cannot fake. */
export function hostAllowed(host: string | undefined, allowedHosts: readonly string[]): boolean {
  if (!host) return true;
  const name = hostName(host);
  if (isIP(name) !== 0 || name === 'localhost' || name.endsWith('.localhost')) return true;
  return allowedHosts.some((h) => h.toLowerCase() === name);
}

/** `scheme://host[:port]` in lower case, or undefined for something that is not an origin. */
function normalizeOrigin(value: string): string | undefined {
  try {
    const u = new URL(value);
    return u.origin === 'null' ? undefined : u.origin.toLowerCase();
  } catch {
    return undefined;
  }
}

/** True when a browser request with this Origin may act: the server's own origin or an allowed one. */
export function originAllowed(origin: string, host: string | undefined, allowedOrigins: readonly string[]): boolean {
  const normalized = normalizeOrigin(origin);
  if (!normalized) return false;
  if (host && new URL(normalized).host === host.trim().toLowerCase()) return true;
  return allowedOrigins.some((o) => normalizeOrigin(o) === normalized);
}

function isStateChanging(req: FastifyRequest): boolean {
  if (req.headers.upgrade?.toLowerCase() === 'websocket') return true;
  return req.method !== 'GET' && req.method !== 'HEAD' && req.method !== 'OPTIONS';
}

/** The onRequest hook: 403 for a foreign Origin on a WebSocket or state-changing request, or a rebinding Host. */
export function browserGuard(options: BrowserGuardOptions, log: Logger) {
  return async function browserGuardHook(req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const path = req.url.split('?')[0];
    if (exempt(path)) return;
    const host = req.headers.host;
    if (options.checkHost && !hostAllowed(host, options.allowedHosts)) {
      log.warn(
        { requestId: req.id, host, path, errorCode: ErrorCode.forbidden },
        'request refused: Host is not this server (DNS rebinding?)',
      );
      await sendError(reply, 403, ErrorCode.forbidden, 'this Host is not allowed; add it to server.allowedHosts');
      return;
    }
    const origin = req.headers.origin;
    if (origin !== undefined && isStateChanging(req) && !originAllowed(origin, host, options.allowedOrigins)) {
      log.warn(
        { requestId: req.id, origin, path, errorCode: ErrorCode.forbidden },
        'request refused: cross-origin browser request',
      );
      await sendError(
        reply,
        403,
        ErrorCode.forbidden,
        'cross-origin requests are not allowed; add the origin to server.allowedOrigins',
      );
    }
  };
}
