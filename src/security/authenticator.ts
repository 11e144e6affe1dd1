/**
 * Turns the `Authorization: Bearer …` header into a principal. Three credentials are accepted:
 * the deployment's admin API token, machine API tokens, and Hearth access JWTs. Anything missing,
 * malformed, forged, expired or revoked yields undefined, which the gateway answers with 401.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { bearerToken, type AuthRequest, type Authenticator, type Principal } from '../core/auth.js';
import { MachineTokens } from './machine-tokens.js';
import type { Sessions } from './sessions.js';
import type { TokenSigner } from './token-signer.js';

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

export interface AuthenticatorParts {
  apiToken: string;
  signer: TokenSigner;
  sessions: Sessions;
  machineTokens: MachineTokens;
}

/** Builds the authenticator. Results are cached per request object, so hooks may call it repeatedly. */
export function createAuthenticator(parts: AuthenticatorParts): Authenticator {
  const apiTokenDigest = digest(parts.apiToken);
  const cache = new WeakMap<object, Promise<Principal | undefined>>();

  async function resolve(req: AuthRequest): Promise<Principal | undefined> {
    const token = bearerToken(req.headers);
    if (!token) return undefined;
    // Compare digests so the comparison takes the same time whatever the length of the guess.
    if (parts.apiToken && timingSafeEqual(digest(token), apiTokenDigest))
      return { id: 'api-token', role: 'admin', via: 'api-token' };
    if (MachineTokens.looksLike(token)) return parts.machineTokens.authenticate(token);
    const claims = await parts.signer.verifyAccess(token);
    if (!claims || !(await parts.sessions.isActive(claims.sid))) return undefined;
    return { id: claims.sub, role: claims.role, via: claims.via };
  }

  return {
    authenticate(req: AuthRequest) {
      let p = cache.get(req);
      if (!p) {
        p = resolve(req);
        cache.set(req, p);
      }
      return p;
    },
  };
}

/**
 * Accepts only the deployment's API token, as an admin: for surfaces tested or run without the
 * security module (its full authenticator above accepts the same token).
 */
export function apiTokenAuthenticator(apiToken: string): Authenticator {
  const expected = digest(apiToken);
  return {
    async authenticate(req) {
      const token = bearerToken(req.headers);
      return token && timingSafeEqual(digest(token), expected)
        ? { id: 'api-token', role: 'admin', via: 'api-token' }
        : undefined;
    },
  };
}
