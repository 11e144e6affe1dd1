/**
 * The path of a request as the router sees it: the matched route's pattern, else the
 * percent-decoded URL path. The router decodes `%61dmin` to `admin`, so judging the raw URL would
 * let `/%61dmin/…` past the admin allowlist and the audit log.
 */
import type { FastifyRequest } from 'fastify';

export function routedPath(req: FastifyRequest): string {
  if (req.routeOptions.url) return req.routeOptions.url;
  const raw = req.url.split('?')[0];
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}
