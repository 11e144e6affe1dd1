/**
 * `/auth/*` for people: local login (username + scrypt password) returning an access + refresh
 * JWT pair, refresh with rotation and reuse detection, logout, and `/auth/me`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCode } from '../core/errors.js';
import { emptyResponse, openObject, responses } from '../core/route-schema.js';
import type { SecurityContext } from './context.js';
import { sendError } from './http-error.js';
import { hashPassword, verifyPassword } from './passwords.js';

const credentialsBody = {
  type: 'object',
  required: ['username', 'password'],
  additionalProperties: false,
  properties: {
    username: { type: 'string', minLength: 1, maxLength: 200 },
    password: { type: 'string', minLength: 1, maxLength: 1024 },
  },
} as const;

const refreshBody = {
  type: 'object',
  required: ['refreshToken'],
  additionalProperties: false,
  properties: { refreshToken: { type: 'string', minLength: 1, maxLength: 8192 } },
} as const;

/** An access + refresh pair, as /auth/login, /auth/refresh and the OIDC callback answer. */
export const tokenPair = openObject(
  {
    accessToken: { type: 'string' },
    refreshToken: { type: 'string' },
    expiresIn: { type: 'integer', description: 'Seconds the access token is valid' },
    tokenType: { type: 'string' },
  },
  ['accessToken', 'refreshToken'],
);

const meResponse = openObject(
  {
    id: { type: 'string' },
    role: { type: 'string', enum: ['admin', 'operator', 'viewer'] },
    via: { type: 'string' },
    scopes: { type: 'array', items: { type: 'string' } },
  },
  ['id', 'role', 'via'],
);

const providersResponse = openObject(
  {
    oidc: {
      description: 'The OpenID Connect provider, or null when OIDC is not configured',
      anyOf: [
        { type: 'null' },
        openObject({ name: { type: 'string' }, loginUrl: { type: 'string' } }, ['name', 'loginUrl']),
      ],
    },
  },
  ['oidc'],
);

/** Burned on unknown users so a login for a missing account takes as long as a wrong password. */
let decoyHash: Promise<string> | undefined;

/** Registers the local-account routes. */
export async function registerAuthRoutes(app: FastifyInstance, ctx: SecurityContext): Promise<void> {
  const loginLimit = ctx.rateLimits.hook('login');

  app.post<{ Body: { username: string; password: string } }>(
    '/auth/login',
    {
      onRequest: loginLimit,
      schema: { summary: 'Local login', body: credentialsBody, response: responses({ 200: tokenPair }) },
    },
    async (req, reply) => {
      const { username, password } = req.body;
      const ip = ctx.clientIp(req);
      const user = await ctx.users.findUser(username);
      decoyHash ??= hashPassword('decoy password');
      const ok = user
        ? await verifyPassword(password, user.passwordHash)
        : (await verifyPassword(password, await decoyHash), false);
      if (!user || !ok) {
        await ctx.audit.record({
          actor: username.slice(0, 200),
          action: 'auth.login',
          ip,
          result: 'denied',
          detail: { via: 'password' },
        });
        return sendError(reply, 401, ErrorCode.unauthorized, 'wrong username or password');
      }
      const tokens = await ctx.sessions.start(user.username, user.role, 'password');
      await ctx.audit.record({
        actor: user.username,
        action: 'auth.login',
        ip,
        result: 'ok',
        detail: { via: 'password', role: user.role },
      });
      return reply.header('cache-control', 'no-store').send(tokens);
    },
  );

  app.post<{ Body: { refreshToken: string } }>(
    '/auth/refresh',
    {
      onRequest: loginLimit,
      schema: {
        summary: 'A new token pair for a refresh token (rotated)',
        body: refreshBody,
        response: responses({ 200: tokenPair }),
      },
    },
    async (req, reply) => {
      const out = await ctx.sessions.refresh(req.body.refreshToken);
      if (!out.ok) {
        if (out.reason === 'reused') {
          ctx.log.warn({ subject: out.subject }, 'refresh token reused; session revoked');
          await ctx.audit.record({
            actor: out.subject ?? 'anonymous',
            action: 'auth.refresh',
            ip: ctx.clientIp(req),
            result: 'denied',
            detail: { reason: 'reused', sessionRevoked: true },
          });
        }
        return sendError(
          reply,
          401,
          ErrorCode.unauthorized,
          out.reason === 'reused'
            ? 'refresh token already used; the session was revoked'
            : 'invalid or expired refresh token',
        );
      }
      return reply.header('cache-control', 'no-store').send(out.tokens);
    },
  );

  app.post<{ Body: { refreshToken: string } }>(
    '/auth/logout',
    { schema: { summary: 'Ends the session', body: refreshBody, response: responses({ 204: emptyResponse }) } },
    async (req: FastifyRequest<{ Body: { refreshToken: string } }>, reply: FastifyReply) => {
      const subject = await ctx.sessions.end(req.body.refreshToken);
      if (!subject) return sendError(reply, 401, ErrorCode.unauthorized, 'invalid refresh token');
      await ctx.audit.record({ actor: subject, action: 'auth.logout', ip: ctx.clientIp(req), result: 'ok' });
      return reply.code(204).send();
    },
  );

  app.get(
    '/auth/providers',
    { schema: { summary: 'How one can sign in besides a token (public)', response: { 200: providersResponse } } },
    async () => {
      const oidc = ctx.config.oidc;
      return {
        oidc: oidc ? { name: oidc.displayName ?? new URL(oidc.issuer).host, loginUrl: '/auth/oidc/login' } : null,
      };
    },
  );

  app.get(
    '/auth/me',
    { schema: { summary: 'Who is calling', response: responses({ 200: meResponse }) } },
    async (req, reply) => {
      const p = await ctx.authenticator.authenticate(req);
      if (!p) return sendError(reply, 401, ErrorCode.unauthorized, 'missing, invalid or expired credentials');
      return reply.send({ id: p.id, role: p.role, via: p.via, scopes: p.scopes });
    },
  );
}
