/**
 * Role enforcement: `requireRole` guards one route; `protectAdminRoutes` guards every route under
 * `/admin` by construction (an `onRoute` hook), so an admin route cannot be added unprotected.
 */
import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  onRequestAsyncHookHandler,
  preHandlerAsyncHookHandler,
  RouteOptions,
} from 'fastify';
import { ErrorCode } from '../core/errors.js';
import { sendError } from './http-error.js';
import { isRole, roleAtLeast, type Authenticator, type Principal, type Role } from '../core/auth.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The role a route under /admin needs, overriding the default policy (see adminRouteRole). */
    role?: Role;
  }
}

/** The principal a guard admitted for this request (undefined before a guard ran or on public routes). */
export function principalOf(req: FastifyRequest): Principal | undefined {
  return req.principal;
}

/** A preHandler: 401 without a valid credential, 403 when the caller's role is below `role`. */
export function requireRole(role: Role, authenticator: Authenticator): preHandlerAsyncHookHandler {
  return async function roleGuard(req: FastifyRequest, reply: FastifyReply) {
    const principal = await authenticator.authenticate(req);
    if (!principal) {
      reply.header('www-authenticate', 'Bearer realm="hearth"');
      return sendError(reply, 401, ErrorCode.unauthorized, 'missing, invalid or expired credentials');
    }
    if (!roleAtLeast(principal.role, role)) {
      return sendError(reply, 403, ErrorCode.forbidden, `this action needs the ${role} role`);
    }
    req.principal = principal;
  };
}

/** A preHandler: 403 when a scoped machine token lacks `scope`. People (unscoped) pass; run after a role guard. */
export function requireScope(scope: string): preHandlerAsyncHookHandler {
  return async function scopeGuard(req: FastifyRequest, reply: FastifyReply) {
    const p = req.principal;
    if (p?.scopes && !p.scopes.includes(scope) && !p.scopes.includes('*')) {
      return sendError(reply, 403, ErrorCode.forbidden, `this token lacks the ${scope} scope`);
    }
  };
}

/** Admin areas only admins may touch, even to read: they expose credentials or the audit trail. */
const adminOnlyPrefixes = [
  '/admin/tokens',
  '/admin/users',
  '/admin/audit',
  '/admin/keys',
  '/admin/config',
  '/admin/settings',
];

/**
 * The role a route under /admin needs: `config: { role }` on the route wins; otherwise admin for
 * credential/audit/config areas, viewer for reads, operator for every change (model switch, skill upload…).
 */
export function adminRouteRole(method: string, url: string, declared?: unknown): Role {
  if (isRole(declared)) return declared;
  if (adminOnlyPrefixes.some((p) => url === p || url.startsWith(`${p}/`))) return 'admin';
  return method === 'GET' || method === 'HEAD' ? 'viewer' : 'operator';
}

function isAdminUrl(url: string): boolean {
  return url === '/admin' || url.startsWith('/admin/');
}

/** Adds the role guard to every route registered under /admin from now on (call before registering them). */
export function protectAdminRoutes(app: FastifyInstance, authenticator: Authenticator): void {
  app.addHook('onRoute', (route: RouteOptions) => {
    if (!isAdminUrl(route.url)) return;
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const declared = (route.config as { role?: unknown } | undefined)?.role;
    // One route can serve several methods; the strictest need applies.
    const need = methods
      .map((m) => adminRouteRole(m, route.url, declared))
      .reduce((a, b) => (roleAtLeast(a, b) ? a : b));
    const guard = requireRole(need, authenticator) as unknown as onRequestAsyncHookHandler;
    // At onRequest, before the body is read or validated: a caller without the role learns nothing
    // about the route's schema (401/403, never a 400) and costs no body parsing.
    const existing = route.onRequest ? (Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest]) : [];
    route.onRequest = [guard, ...existing];
  });
}
