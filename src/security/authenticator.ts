/**
 * Turns the `Authorization: Bearer …` header into a principal. Three credentials are accepted:
 * the deployment's admin API token, machine API tokens, and Hearth access JWTs. Anything missing,
 * malformed, forged, expired or revoked yields undefined, which the gateway answers with 401.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { MachineTokens } from './machine-tokens.js';
import type { AuthRequest, Authenticator, Principal } from './principal.js';
import type { Sessions } from './sessions.js';
import type { TokenSigner } from './token-signer.js';

const BEARER = /^Bearer +([A-Za-z0-9._~+/=-]{1,8192})$/i;

/** The bearer token of a request, or undefined when the header is absent or not a single well-formed bearer. */
export function bearerToken(req: AuthRequest): string | undefined {
  const h = req.headers.authorization;
  if (typeof h !== 'string') return undefined;
  return BEARER.exec(h.trim())?.[1];
}

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
    const token = bearerToken(req);
    if (!token) return undefined;
    // Compare digests so the comparison takes the same time whatever the length of the guess.
    if (parts.apiToken && timingSafeEqual(digest(token), apiTokenDigest)) return { id: 'api-token', role: 'admin', via: 'api-token' };
    if (MachineTokens.looksLike(token)) return parts.machineTokens.authenticate(token);
    const claims = await parts.signer.verifyAccess(token);
    if (!claims || !(await parts.sessions.isActive(claims.sid))) return undefined;
    return { id: claims.sub, role: claims.role, via: claims.via };
  }

  return {
    authenticate(req) {
      let p = cache.get(req);
      if (!p) {
        p = resolve(req);
        cache.set(req, p);
      }
      return p;
    },
  };
}
