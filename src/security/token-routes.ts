/**
 * `/admin/tokens`: admins issue, list and revoke machine API tokens. The secret is returned once.
 */
import type { FastifyInstance } from 'fastify';
import { ErrorCode } from '../core/errors.js';
import { emptyResponse, openObject, responses } from '../core/route-schema.js';
import type { SecurityContext } from './context.js';
import { sendError } from './http-error.js';
import { principalOf, requireRole } from './roles.js';
import type { Role } from '../core/auth.js';

const issueBody = {
  type: 'object',
  required: ['name', 'role'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 100 },
    role: { type: 'string', enum: ['admin', 'operator', 'viewer'] },
    scopes: { type: 'array', maxItems: 50, items: { type: 'string', minLength: 1, maxLength: 100 } },
    expiresInSec: { type: 'integer', minimum: 60, maximum: 5 * 365 * 86400 },
  },
} as const;

const tokenInfo = openObject(
  {
    id: { type: 'string' },
    name: { type: 'string' },
    role: { type: 'string', enum: ['admin', 'operator', 'viewer'] },
    scopes: { type: 'array', items: { type: 'string' } },
  },
  ['id', 'name', 'role'],
);
const byId = { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 200 } } } as const;

/** Registers the machine-token admin routes (admin role). */
export async function registerTokenRoutes(app: FastifyInstance, ctx: SecurityContext): Promise<void> {
  const adminOnly = requireRole('admin', ctx.authenticator);

  app.get(
    '/admin/tokens',
    {
      preHandler: adminOnly,
      config: { role: 'admin' },
      schema: {
        summary: 'Machine API tokens (never their secrets)',
        response: responses({ 200: openObject({ tokens: { type: 'array', items: tokenInfo } }, ['tokens']) }),
      },
    },
    async () => ({ tokens: await ctx.machineTokens.list() }),
  );

  app.post<{ Body: { name: string; role: Role; scopes?: string[]; expiresInSec?: number } }>(
    '/admin/tokens',
    {
      preHandler: adminOnly,
      config: { role: 'admin' },
      schema: {
        summary: 'Issues a machine token; the secret is in this answer only',
        body: issueBody,
        response: responses({
          201: openObject({ token: { type: 'string' }, ...tokenInfo.properties }, ['token', 'id']),
        }),
      },
    },
    async (req, reply) => {
      const actor = principalOf(req)!.id;
      const { token, info } = await ctx.machineTokens.issue({ ...req.body, createdBy: actor });
      await ctx.audit.record({
        actor,
        action: 'token.issue',
        target: info.id,
        ip: ctx.clientIp(req),
        result: 'ok',
        detail: { name: info.name, role: info.role, scopes: info.scopes },
      });
      return reply
        .code(201)
        .header('cache-control', 'no-store')
        .send({ token, ...info });
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/admin/tokens/:id',
    {
      preHandler: adminOnly,
      config: { role: 'admin' },
      schema: { summary: 'Revokes a machine token', params: byId, response: responses({ 204: emptyResponse }) },
    },
    async (req, reply) => {
      const actor = principalOf(req)!.id;
      const revoked = await ctx.machineTokens.revoke(req.params.id);
      await ctx.audit.record({
        actor,
        action: 'token.revoke',
        target: req.params.id,
        ip: ctx.clientIp(req),
        result: revoked ? 'ok' : 'error',
      });
      if (!revoked) return sendError(reply, 404, ErrorCode.notFound, 'no such live token');
      return reply.code(204).send();
    },
  );
}
