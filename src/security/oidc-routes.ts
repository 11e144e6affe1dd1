/**
 * OpenID Connect login with `openid-client`: discovery, authorization code + PKCE (S256), state
 * bound to the browser by a cookie, nonce and ID-token validation. The provider's claim named by
 * `roleClaim` maps to a Hearth role through `roleMap`; the login then gets the same access +
 * refresh pair as a local login.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type * as OidcClient from 'openid-client';
import { ErrorCode } from '../core/errors.js';
import { openObject, responses } from '../core/route-schema.js';
import { tokenPair } from './auth-routes.js';
import type { SecurityConfig, SecurityContext } from './context.js';
import { sendError } from './http-error.js';
import { roleAtLeast, type Role } from '../core/auth.js';

type OidcConfig = NonNullable<SecurityConfig['oidc']>;

/** openid-client, loaded when OIDC is configured (registerOidcRoutes), not at every start. */
let oidc: typeof OidcClient;

const STATE_COOKIE = 'hearth_oidc_state';
const PENDING_TTL_MS = 10 * 60_000;

/** The Hearth role for a set of claims, or undefined when the login is refused. */
export function roleFromClaims(
  claims: Record<string, unknown>,
  c: Pick<OidcConfig, 'roleClaim' | 'roleMap' | 'defaultRole'>,
): Role | undefined {
  const raw = claims[c.roleClaim];
  const values = new Set((Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).map(String));
  let best: Role | undefined;
  for (const role of ['admin', 'operator', 'viewer'] as const) {
    if (c.roleMap[role].some((v) => values.has(v)) && (!best || roleAtLeast(role, best))) best = role;
  }
  return best ?? (c.defaultRole === 'none' ? undefined : c.defaultRole);
}

function cookieValue(req: FastifyRequest, name: string): string | undefined {
  const header = req.headers.cookie;
  if (typeof header !== 'string') return undefined;
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

/** Caches discovery; a failed discovery is retried on the next login rather than cached. */
function discoverer(c: OidcConfig): () => Promise<OidcClient.Configuration> {
  let pending: Promise<OidcClient.Configuration> | undefined;
  return () => {
    pending ??= oidc
      .discovery(
        new URL(c.issuer),
        c.clientId,
        undefined,
        c.clientSecret ? oidc.ClientSecretBasic(c.clientSecret) : oidc.None(),
        c.allowInsecureHttp ? { execute: [oidc.allowInsecureRequests], timeout: 10 } : { timeout: 10 },
      )
      .catch((err: unknown) => {
        pending = undefined;
        throw err;
      });
    return pending;
  };
}

/** Registers `/auth/oidc/login` and `/auth/oidc/callback` when OIDC is configured. */
export async function registerOidcRoutes(app: FastifyInstance, ctx: SecurityContext): Promise<void> {
  const c = ctx.config.oidc;
  if (!c) return;
  oidc ??= await import('openid-client');
  const configuration = discoverer(c);
  const secureCookie = new URL(c.redirectUri).protocol === 'https:';
  const cookiePath = new URL(c.redirectUri).pathname;
  const loginLimit = ctx.rateLimits.hook('login');

  const redirect = { description: 'A redirect (Location header)', type: 'null' };
  const loginSchema = {
    summary: "Starts an OpenID Connect login: redirects to the provider's authorization endpoint",
    response: responses({ 302: redirect }),
  };
  const callbackSchema = {
    summary: 'Where the provider sends the browser back',
    description:
      'Redirects to `postLoginRedirect` with the tokens in the URL fragment when that is configured, ' +
      'else answers the token pair as JSON.',
    querystring: openObject({ code: { type: 'string' }, state: { type: 'string' } }),
    response: responses({
      200: openObject({ ...tokenPair.properties, subject: { type: 'string' }, role: { type: 'string' } }, [
        'accessToken',
        'refreshToken',
      ]),
      302: redirect,
    }),
  };
  app.get('/auth/oidc/login', { onRequest: loginLimit, schema: loginSchema }, async (_req, reply) => {
    let config: OidcClient.Configuration;
    try {
      config = await configuration();
    } catch (err) {
      ctx.log.error({ err: (err as Error).message, issuer: c.issuer }, 'OIDC discovery failed');
      return sendError(reply, 502, ErrorCode.internal, 'the identity provider is unreachable');
    }
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const codeVerifier = oidc.randomPKCECodeVerifier();
    await ctx.oidcPending.putPending({ state, nonce, codeVerifier, expiresAt: Date.now() + PENDING_TTL_MS });
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: c.redirectUri,
      scope: c.scopes,
      response_type: 'code',
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    const cookie = `${STATE_COOKIE}=${state}; Path=${cookiePath}; HttpOnly; SameSite=Lax; Max-Age=${PENDING_TTL_MS / 1000}${secureCookie ? '; Secure' : ''}`;
    return reply.header('set-cookie', cookie).header('cache-control', 'no-store').redirect(url.href, 302);
  });

  app.get(
    '/auth/oidc/callback',
    { onRequest: loginLimit, schema: callbackSchema },
    async (req: FastifyRequest, reply: FastifyReply) => {
      const ip = ctx.clientIp(req);
      const query = req.url.includes('?') ? req.url.slice(req.url.indexOf('?')) : '';
      // The URL the provider redirected to, rebuilt from configuration rather than the Host header.
      const currentUrl = new URL(c.redirectUri + query);
      const state = currentUrl.searchParams.get('state') ?? '';
      const cookieState = cookieValue(req, STATE_COOKIE);
      const clearCookie = `${STATE_COOKIE}=; Path=${cookiePath}; HttpOnly; SameSite=Lax; Max-Age=0${secureCookie ? '; Secure' : ''}`;
      reply.header('set-cookie', clearCookie);
      // The state must come back in the same browser that started the login (login CSRF).
      const pending = state && cookieState === state ? await ctx.oidcPending.takePending(state, Date.now()) : undefined;
      if (!pending) {
        await ctx.audit.record({
          actor: 'anonymous',
          action: 'auth.login',
          ip,
          result: 'denied',
          detail: { via: 'oidc', reason: 'unknown or expired state' },
        });
        return sendError(
          reply,
          401,
          ErrorCode.unauthorized,
          'login session expired or not started in this browser; start again',
        );
      }
      let claims: Record<string, unknown>;
      try {
        const config = await configuration();
        const tokens = await oidc.authorizationCodeGrant(config, currentUrl, {
          pkceCodeVerifier: pending.codeVerifier,
          expectedState: pending.state,
          expectedNonce: pending.nonce,
          idTokenExpected: true,
        });
        claims = { ...(tokens.claims() ?? {}) };
        if (claims[c.roleClaim] === undefined && tokens.access_token) {
          // Many providers put groups only in userinfo, not in the ID token.
          const info = await oidc.fetchUserInfo(config, tokens.access_token, String(claims.sub));
          claims = { ...info, ...claims };
        }
      } catch (err) {
        ctx.log.warn({ err: (err as Error).message }, 'OIDC code exchange or ID-token validation failed');
        await ctx.audit.record({
          actor: 'anonymous',
          action: 'auth.login',
          ip,
          result: 'denied',
          detail: { via: 'oidc', reason: 'code exchange failed' },
        });
        return sendError(reply, 401, ErrorCode.unauthorized, 'the identity provider did not confirm the login');
      }
      const subject = `oidc:${String(claims.sub)}`;
      const role = roleFromClaims(claims, c);
      const who = typeof claims.email === 'string' ? claims.email : undefined;
      if (!role) {
        await ctx.audit.record({
          actor: subject,
          action: 'auth.login',
          ip,
          result: 'denied',
          detail: { via: 'oidc', email: who, reason: 'no role' },
        });
        return sendError(reply, 403, ErrorCode.forbidden, 'your account has no Hearth role');
      }
      const pair = await ctx.sessions.start(subject, role, 'oidc');
      await ctx.audit.record({
        actor: subject,
        action: 'auth.login',
        ip,
        result: 'ok',
        detail: { via: 'oidc', email: who, role },
      });
      reply.header('cache-control', 'no-store');
      if (c.postLoginRedirect) {
        const fragment = new URLSearchParams({
          access_token: pair.accessToken,
          refresh_token: pair.refreshToken,
          expires_in: String(pair.expiresIn),
          token_type: 'Bearer',
        });
        return reply.redirect(`${c.postLoginRedirect}#${fragment}`, 302);
      }
      return reply.send({ ...pair, subject, role });
    },
  );
}
