/**
 * Who is calling: the one vocabulary of authentication every surface shares. The nouns live here;
 * the security module (src/security/) implements `Authenticator` and the role guards, and the
 * composition root hands them to the surfaces (API, web chat, voice, admin plugins) that need them.
 */
import type { preHandlerAsyncHookHandler } from 'fastify';

export type Role = 'admin' | 'operator' | 'viewer';

/** Lowest to highest: admin > operator > viewer. */
export const roles: readonly Role[] = ['viewer', 'operator', 'admin'];

export interface Principal {
  id: string;
  role: Role;
  /** How the caller proved who it is: `api-token`, `machine-token`, `password`, `oidc`. */
  via: string;
  /** Scopes of a machine token; absent for people, who are limited by role alone. */
  scopes?: string[];
}

/** The request fields authentication looks at (a Fastify request satisfies it). */
export interface AuthRequest {
  headers: Record<string, string | string[] | undefined>;
  ip: string;
}

export interface Authenticator {
  /** The caller, or undefined for a missing, malformed, forged, expired or revoked credential. */
  authenticate(req: AuthRequest): Promise<Principal | undefined>;
}

/**
 * A route guard: a Fastify preHandler that answers 401 without valid credentials and 403 when the
 * caller's role is too low, and otherwise leaves the caller in `request.principal`.
 */
export type RouteGuard = preHandlerAsyncHookHandler;

/** Builds the guard for a role; the security module implements it (src/security/roles.ts). */
export type RequireRole = (role: Role) => RouteGuard;

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller a guard admitted (undefined on public routes and before a guard ran). */
    principal?: Principal;
  }
}

/** True when `have` is at least `need` in admin > operator > viewer. */
export function roleAtLeast(have: Role, need: Role): boolean {
  return roles.indexOf(have) >= roles.indexOf(need);
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (roles as readonly string[]).includes(value);
}

/** Token characters of RFC 6750 `b64token`, bounded so a huge header cannot reach a verifier. */
const BEARER = /^Bearer +([A-Za-z0-9._~+/=-]{1,8192})$/i;

/** The bearer token of a request, or undefined when the header is absent or not a single well-formed bearer. */
export function bearerToken(headers: AuthRequest['headers']): string | undefined {
  const h = headers.authorization;
  if (typeof h !== 'string') return undefined;
  return BEARER.exec(h.trim())?.[1];
}
