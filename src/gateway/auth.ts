/**
 * Who is calling. The first-run authenticator knows one credential, the API token (admin). The
 * security module supplies a richer `Authenticator` (JWT, machine tokens, roles) through the same seam.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCode } from '../core/errors.js';

export type Role = 'admin' | 'operator' | 'viewer';

export interface Principal {
  id: string;
  role: Role;
  /** How the caller proved who they are: `api-token`, `jwt`, … */
  via: string;
}

export interface Authenticator {
  /** The principal for valid credentials; undefined for missing, malformed, forged or expired ones. */
  authenticate(req: { headers: Record<string, string | string[] | undefined>; ip: string }): Promise<Principal | undefined>;
}

const RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };

/** Extracts a bearer token from an Authorization header. */
export function bearerToken(headers: Record<string, string | string[] | undefined>): string | undefined {
  const h = headers.authorization;
  const value = Array.isArray(h) ? h[0] : h;
  const m = value?.match(/^Bearer\s+(\S+)\s*$/i);
  return m?.[1];
}

/** Compares secrets in constant time (hashing first makes the lengths equal). */
export function sameSecret(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

/** Accepts the machine API token as an admin. */
export function apiTokenAuthenticator(apiToken: string): Authenticator {
  return {
    async authenticate(req) {
      const token = bearerToken(req.headers);
      return token && sameSecret(token, apiToken) ? { id: 'api-token', role: 'admin', via: 'api-token' } : undefined;
    },
  };
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

/** A preHandler that answers 401 without valid credentials and 403 when the role is too low. */
export function requireRole(auth: Authenticator, role: Role) {
  return async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const principal = await auth.authenticate({ headers: req.headers, ip: req.ip });
    if (!principal) {
      reply.header('WWW-Authenticate', 'Bearer');
      return reply.code(401).send({ error: { code: ErrorCode.unauthorized, message: 'missing or invalid credentials' } });
    }
    if (RANK[principal.role] < RANK[role]) {
      return reply.code(403).send({ error: { code: ErrorCode.forbidden, message: `this needs the ${role} role` } });
    }
    req.principal = principal;
  };
}
