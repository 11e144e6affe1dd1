/**
 * The admin API for operating the assistant: channel states (and the WhatsApp Web pairing QR),
 * pending pairing codes of unknown senders, conversations and the memories the assistant keeps in
 * them, and per-user export and deletion.
 * Reads need the viewer role, changes operator, user data admin (declared per route; the /admin
 * role guard of plugins/protections.ts enforces it).
 */
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Channel } from '../../core/channel.js';
import { ErrorCode, HearthError } from '../../core/errors.js';
import type { GatewayDeps, GatewayPlugin } from '../plugin.js';
import { jsonSchema, openObject, responses } from '../route-schema.js';

// A repeated parameter arrives as an array and `limit=1.5` or `-1` would reach SQL (500, or no limit at all).
const conversationsQuery = z.object({
  user: z.string().optional(),
  channel: z.string().optional(),
  limit: z.int().min(1).default(100),
});
const MAX_CONVERSATIONS = 1000;

const byName = { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } as const;
const byCode = { type: 'object', required: ['code'], properties: { code: { type: 'string' } } } as const;
const byId = { type: 'object', required: ['id'], properties: { id: { type: 'string' } } } as const;
const byMemory = {
  type: 'object',
  required: ['id', 'memoryId'],
  properties: { id: { type: 'string' }, memoryId: { type: 'string' } },
} as const;
const memorySchema = openObject(
  {
    id: { type: 'string' },
    conversationId: { type: 'string' },
    userId: { type: 'string' },
    content: { type: 'string' },
    createdAt: { type: 'integer' },
  },
  ['id', 'conversationId', 'content', 'createdAt'],
);

export const adminApiPlugin: GatewayPlugin<
  Pick<GatewayDeps, 'channels' | 'access' | 'stores' | 'userData' | 'security'>
> = async (app, deps) => {
  const history = deps.stores.history;

  app.get(
    '/admin/channels',
    { config: { role: 'viewer' }, schema: { response: responses({ 200: openObject() }) } },
    async () =>
      Object.fromEntries(deps.channels().map((c) => [c.name, { ...c.status(), reconnectable: !!c.reconnect }])),
  );

  // The console's Reconnect button: drops a platform channel's connection and opens it again.
  app.post<{ Params: { name: string } }>(
    '/admin/channels/:name/reconnect',
    {
      config: { role: 'operator' },
      schema: {
        summary: "Stops a channel's platform connection and starts it again (it reports its state as it reconnects)",
        params: byName,
        response: responses({
          202: openObject({ channel: { type: 'string' }, state: { type: 'string' } }, ['channel', 'state']),
        }),
      },
    },
    async (req, reply) => {
      const channel = deps.channels().find((c) => c.name === req.params.name);
      if (!channel) throw new HearthError(ErrorCode.notFound, `no channel "${req.params.name}"`, 404);
      if (!channel.reconnect)
        throw new HearthError(ErrorCode.notFound, `channel ${channel.name} has no connection to restart`, 404);
      await channel.reconnect();
      await deps.security.audit.record({
        actor: req.principal?.id ?? 'anonymous',
        action: 'channel.reconnect',
        target: channel.name,
        ip: deps.security.clientIp(req),
        result: 'ok',
        detail: {},
      });
      req.log.info({ channel: channel.name, actor: req.principal?.id }, 'admin reconnected a channel');
      return reply.code(202).send({ channel: channel.name, state: channel.status().state });
    },
  );

  // WhatsApp Web pairing: the pending QR code as a PNG data URL, for the console to show.
  app.get<{ Params: { name: string } }>(
    '/admin/channels/:name/qr',
    {
      config: { role: 'viewer' },
      schema: {
        params: byName,
        response: responses({
          200: openObject(
            {
              qr: { type: 'string', description: 'PNG data URL' },
              expiresAt: { type: 'string', format: 'date-time', description: 'When WhatsApp stops accepting it' },
            },
            ['qr'],
          ),
        }),
      },
    },
    async (req) => {
      const channel = deps.channels().find((c) => c.name === req.params.name) as
        (Channel & { qr?: () => string | undefined; qrExpiry?: () => number | undefined }) | undefined;
      const qr = channel?.qr?.();
      if (!qr) throw new HearthError(ErrorCode.notFound, 'no QR code pending for this channel', 404);
      const expiry = channel?.qrExpiry?.();
      return { qr, ...(expiry ? { expiresAt: new Date(expiry).toISOString() } : {}) };
    },
  );

  // WhatsApp Web re-pairing: drops the linked device's credentials and starts a fresh QR.
  app.post<{ Params: { name: string } }>(
    '/admin/channels/:name/repair',
    {
      config: { role: 'operator' },
      schema: {
        summary: 'Unlinks a WhatsApp Web channel and starts a new pairing (a new QR code follows)',
        params: byName,
        response: responses({ 202: openObject({ channel: { type: 'string' } }, ['channel']) }),
      },
    },
    async (req, reply) => {
      const channel = deps.channels().find((c) => c.name === req.params.name) as
        (Channel & { repair?: () => Promise<void> }) | undefined;
      if (!channel?.repair)
        throw new HearthError(ErrorCode.notFound, `channel ${req.params.name} cannot be paired from here`, 404);
      await channel.repair();
      return reply.code(202).send({ channel: channel.name });
    },
  );

  app.get(
    '/admin/pairings',
    {
      config: { role: 'viewer' },
      schema: {
        response: responses({ 200: openObject({ pending: { type: 'array', items: openObject() } }, ['pending']) }),
      },
    },
    async () => ({ pending: await deps.access.list() }),
  );

  app.post<{ Params: { code: string } }>(
    '/admin/pairings/:code/approve',
    {
      config: { role: 'operator' },
      schema: { params: byCode, response: responses({ 200: openObject({ approved: openObject() }, ['approved']) }) },
    },
    async (req) => {
      const p = await deps.access.approve(req.params.code);
      if (!p) throw new HearthError(ErrorCode.notFound, 'no pending pairing with this code', 404);
      req.log.info({ channel: p.channel, senderId: p.senderId, actor: req.principal?.id }, 'pairing approved');
      return { approved: { channel: p.channel, senderId: p.senderId } };
    },
  );

  app.get<{ Querystring: z.infer<typeof conversationsQuery> }>(
    '/admin/conversations',
    {
      config: { role: 'viewer' },
      schema: {
        querystring: jsonSchema(conversationsQuery),
        response: responses({
          200: openObject({ conversations: { type: 'array', items: openObject() } }, ['conversations']),
        }),
      },
    },
    async (req) => {
      const { user, channel, limit } = req.query;
      return {
        conversations: await history.listConversations({
          userId: user,
          channel,
          limit: Math.min(limit, MAX_CONVERSATIONS),
        }),
      };
    },
  );

  // Per-conversation memory (tool memory_save): what the assistant keeps in the prompt, and a way to drop one.
  app.get<{ Params: { id: string } }>(
    '/admin/conversations/:id/memories',
    {
      config: { role: 'viewer' },
      schema: {
        params: byId,
        response: responses({ 200: openObject({ memories: { type: 'array', items: memorySchema } }, ['memories']) }),
      },
    },
    async (req) => {
      if (!(await history.getConversation(req.params.id)))
        throw new HearthError(ErrorCode.notFound, 'no conversation with this id', 404);
      return { memories: await history.listMemories(req.params.id) };
    },
  );

  app.delete<{ Params: { id: string; memoryId: string } }>(
    '/admin/conversations/:id/memories/:memoryId',
    {
      config: { role: 'operator' },
      schema: {
        params: byMemory,
        response: responses({ 200: openObject({ deleted: { type: 'string' } }, ['deleted']) }),
      },
    },
    async (req) => {
      if (!(await history.deleteMemory(req.params.id, req.params.memoryId)))
        throw new HearthError(ErrorCode.notFound, 'no memory with this id in this conversation', 404);
      req.log.info(
        { conversationId: req.params.id, memoryId: req.params.memoryId, actor: req.principal?.id },
        'memory deleted',
      );
      return { deleted: req.params.memoryId };
    },
  );

  /** One audit row for a per-user export or deletion: who acted on whom, and what it covered. */
  const auditUser = (
    req: FastifyRequest<{ Params: { id: string } }>,
    action: 'user.export' | 'user.delete',
    detail: Record<string, number>,
  ) =>
    deps.security.audit.record({
      actor: req.principal?.id ?? 'anonymous',
      action,
      target: req.params.id,
      ip: deps.security.clientIp(req),
      result: 'ok',
      detail,
    });

  // Per-user export: everything stored about the person (src/privacy/user-data.ts). A read, but of
  // someone's private data, so it is audited like a change: who exported whom.
  app.get<{ Params: { id: string } }>(
    '/admin/users/:id/export',
    { config: { role: 'admin' }, schema: { params: byId, response: responses({ 200: openObject() }) } },
    async (req) => {
      const dump = await deps.userData.export(req.params.id);
      await auditUser(req, 'user.export', {
        conversations: dump.conversations.length,
        messages: dump.messages.length,
        blobs: dump.blobs.length,
      });
      return dump;
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/admin/users/:id',
    {
      config: { role: 'admin' },
      schema: {
        params: byId,
        response: responses({
          200: openObject({ deletedConversations: { type: 'number' }, deleted: openObject() }, [
            'deletedConversations',
            'deleted',
          ]),
        }),
      },
    },
    async (req) => {
      const deleted = await deps.userData.delete(req.params.id);
      // The /admin audit hook records the request; this entry records what went.
      await auditUser(req, 'user.delete', { ...deleted });
      req.log.info({ userId: req.params.id, deleted, actor: req.principal?.id }, 'user data deleted');
      return { deletedConversations: deleted.conversations, deleted };
    },
  );
};
