/**
 * The admin API under `/admin`: models (list, live switch, add), channels, pairings, conversations,
 * per-user export and deletion. Read routes need the viewer role, changes operator, data removal admin.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { ControlMessage } from '../core/bus.js';
import type { Channel } from '../core/channel.js';
import { modelSpecSchema, type ModelSpec } from '../core/config.js';
import { ErrorCode } from '../core/errors.js';
import type { HistoryStore } from '../core/stores.js';
import type { ModelRegistry } from '../engine/model-registry.js';
import type { AccessControl } from './access.js';
import { requireRole, type Authenticator } from './auth.js';

export interface AdminDeps {
  auth: Authenticator;
  models: ModelRegistry;
  history: HistoryStore;
  access: AccessControl;
  channels: () => Channel[];
  fallback: () => string[];
  /** Adds or replaces a model and persists it (API keys encrypted). */
  saveModel: (id: string, spec: ModelSpec) => Promise<void>;
  /** Removes a model added through the API; false for unknown ids and models from the config file. */
  removeModel: (id: string) => Promise<boolean>;
  /** Tells every replica (engines call the models) about a change. */
  announce: (message: ControlMessage) => Promise<void>;
}

function badRequest(message: string) {
  return { error: { code: ErrorCode.badRequest, message } };
}

export async function adminRoutes(app: FastifyInstance, deps: AdminDeps): Promise<void> {
  const viewer = { preHandler: requireRole(deps.auth, 'viewer') };
  const operator = { preHandler: requireRole(deps.auth, 'operator') };
  const admin = { preHandler: requireRole(deps.auth, 'admin') };

  app.get('/admin/models', viewer, async () => ({
    default: deps.models.default ?? null,
    fallback: deps.fallback(),
    models: deps.models.list(),
  }));

  app.put('/admin/models/default', operator, async (req, reply) => {
    const body = z.object({ model: z.string().min(1) }).safeParse(req.body);
    if (!body.success) return reply.code(400).send(badRequest('body must be {"model": "<catalog id>"}'));
    if (!deps.models.has(body.data.model)) {
      return reply.code(404).send({ error: { code: ErrorCode.unknownModel, message: `no model "${body.data.model}" in the catalog` } });
    }
    deps.models.setDefault(body.data.model);
    await deps.announce({ type: 'models.default', model: body.data.model });
    req.log.info({ model: body.data.model, actor: req.principal?.id }, 'admin switched the default model');
    return { default: deps.models.default };
  });

  app.put<{ Params: { id: string } }>('/admin/models/:id', operator, async (req, reply) => {
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(req.params.id)) return reply.code(400).send(badRequest('invalid model id'));
    const spec = modelSpecSchema.safeParse(req.body);
    if (!spec.success) {
      const i = spec.error.issues[0];
      return reply.code(400).send(badRequest(`${i.path.join('.') || 'body'}: ${i.message}`));
    }
    await deps.saveModel(req.params.id, spec.data);
    await deps.announce({ type: 'models.changed' });
    req.log.info({ model: req.params.id, actor: req.principal?.id }, 'admin set a model');
    return { id: req.params.id, default: deps.models.default };
  });

  app.delete<{ Params: { id: string } }>('/admin/models/:id', operator, async (req, reply) => {
    if (req.params.id === deps.models.default) {
      return reply.code(409).send({ error: { code: ErrorCode.badRequest, message: 'switch the default to another model first' } });
    }
    if (!(await deps.removeModel(req.params.id))) {
      return reply.code(404).send({ error: { code: ErrorCode.notFound, message: `no model "${req.params.id}" added through the API` } });
    }
    await deps.announce({ type: 'models.changed' });
    return { removed: req.params.id };
  });

  app.get('/admin/channels', viewer, async () =>
    Object.fromEntries(deps.channels().map((c) => [c.name, c.status()])),
  );

  // WhatsApp Web pairing: the pending QR code as a PNG data URL, for the console to show.
  app.get<{ Params: { name: string } }>('/admin/channels/:name/qr', viewer, async (req, reply) => {
    const channel = deps.channels().find((c) => c.name === req.params.name) as (Channel & { qr?: () => string | undefined }) | undefined;
    const qr = channel?.qr?.();
    if (!qr) return reply.code(404).send({ error: { code: ErrorCode.notFound, message: 'no QR code pending for this channel' } });
    return { qr };
  });

  app.get('/admin/pairings', viewer, async () => ({ pending: deps.access.list() }));

  app.post<{ Params: { code: string } }>('/admin/pairings/:code/approve', operator, async (req, reply) => {
    const p = await deps.access.approve(req.params.code);
    if (!p) return reply.code(404).send({ error: { code: ErrorCode.notFound, message: 'no pending pairing with this code' } });
    req.log.info({ channel: p.channel, senderId: p.senderId, actor: req.principal?.id }, 'pairing approved');
    return { approved: { channel: p.channel, senderId: p.senderId } };
  });

  // A repeated parameter arrives as an array and `limit=1.5` or `-1` would reach SQL (500, or no limit at all).
  const conversationsQuery = z.object({
    user: z.string().optional(),
    channel: z.string().optional(),
    limit: z.coerce.number().int().min(1).default(100).transform((n) => Math.min(n, 1000)),
  });
  app.get('/admin/conversations', viewer, async (req, reply) => {
    const q = conversationsQuery.safeParse(req.query);
    if (!q.success) {
      const i = q.error.issues[0];
      return reply.code(400).send(badRequest(`${i.path.join('.') || 'query'}: ${i.message}`));
    }
    return { conversations: await deps.history.listConversations({ userId: q.data.user, channel: q.data.channel, limit: q.data.limit }) };
  });

  app.get<{ Params: { id: string } }>('/admin/users/:id/export', admin, async (req) => deps.history.exportUser(req.params.id));

  app.delete<{ Params: { id: string } }>('/admin/users/:id', admin, async (req) => {
    const removed = await deps.history.deleteUser(req.params.id);
    req.log.info({ userId: req.params.id, removed, actor: req.principal?.id }, 'user data deleted');
    return { deletedConversations: removed };
  });
}
