/**
 * Who is calling. Structurally identical to the gateway's `Principal` and `Authenticator`
 * (src/gateway/auth.ts), declared here so security does not import the gateway that composes it.
 */
export type Role = 'admin' | 'operator' | 'viewer';

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

/** True when `have` is at least `need` in admin > operator > viewer. */
export function roleAtLeast(have: Role, need: Role): boolean {
  return roles.indexOf(have) >= roles.indexOf(need);
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (roles as readonly string[]).includes(value);
}
