/**
 * The admin console: the page `GET /console` (the React app built from web/console/, served like
 * the canvas page through `WebApps`) and the admin routes its screens need that no other plugin
 * offers: the audit log (list, verify), a conversation's messages and the effective settings. Everything else the console
 * shows comes from the existing admin API (channels, pairings, models, skills, knowledge, tokens).
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { ErrorCode, HearthError } from '../../core/errors.js';
import type { LoadedConfig } from '../../core/config-load.js';
import { doneEvent } from '../../core/message.js';
import type { GatewayDeps, GatewayPlugin } from '../plugin.js';
import { jsonSchema, mediaResponse, openObject, responses } from '../route-schema.js';
import { builtWebApps } from '../web-apps.js';

const auditQuery = z.object({
  actor: z.string().optional(),
  action: z.string().optional(),
  limit: z.int().min(1).max(500).default(50),
  offset: z.int().min(0).default(0),
});
const replyBody = z.strictObject({ text: z.string().min(1).max(20_000) });
const messagesQuery = z.object({ limit: z.int().min(1).max(1000).default(200) });
const byId = { type: 'object', required: ['id'], properties: { id: { type: 'string' } } } as const;

interface AuditLine {
  seq: number;
  ts: number;
  actor: string;
  action: string;
}

/** Keys whose values are secrets: shown masked. */
const SECRET_KEY = /(apikey|token|secret|password|passwordhash|masterkey|privatekey|accesskeyid)$/i;

type Source = 'default' | 'file' | 'environment' | 'admin';
interface Setting {
  key: string;
  value: unknown;
  source: Source;
  /** The environment variable that set it (such a value can only be changed there). */
  env?: string;
  locked: boolean;
}

/** Every leaf of the effective config with where it came from; secrets masked. */
export function effectiveSettings(
  loaded: LoadedConfig,
  adminDefault: string | undefined,
  adminAgentModel: (agent: string) => string | undefined = () => undefined,
): Setting[] {
  const inFile = new Set(loaded.sources?.file ?? []);
  const env = loaded.sources?.env ?? {};
  const out: Setting[] = [];
  const walk = (value: unknown, path: string[]) => {
    if (value && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length > 0) {
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) walk(v, [...path, k]);
      return;
    }
    const key = path.join('.');
    const fromEnv = env[key] ?? Object.entries(env).find(([k]) => key.startsWith(`${k}.`))?.[1];
    const secret = SECRET_KEY.test(path.at(-1) ?? '') && value !== undefined && value !== '';
    out.push({
      key,
      value: secret ? '••••••' : value,
      source: fromEnv ? 'environment' : inFile.has(key) ? 'file' : 'default',
      ...(fromEnv ? { env: fromEnv } : {}),
      locked: !!fromEnv,
    });
  };
  walk(loaded.config, []);
  const chosen = out.find((s) => s.key === 'models.default');
  if (chosen && adminDefault && adminDefault !== loaded.config.models.default)
    Object.assign(chosen, { value: adminDefault, source: 'admin' });
  // An agent's model switched in the console or API (kept until the file's value for it is edited).
  for (const agent of new Set(['default', ...Object.keys(loaded.config.agents)])) {
    const model = adminAgentModel(agent);
    if (!model) continue;
    const key = `agents.${agent}.model`;
    const setting = out.find((x) => x.key === key);
    if (setting) Object.assign(setting, { value: model, source: 'admin' });
    else out.push({ key, value: model, source: 'admin', locked: false });
  }
  return out;
}

export const consolePlugin: GatewayPlugin<
  Pick<GatewayDeps, 'security' | 'stores' | 'loaded' | 'models' | 'bus' | 'addedModels' | 'configRejected'>
> = async (app, deps) => {
  const { audit } = deps.security;

  app.get(
    '/console',
    {
      schema: {
        summary: 'The admin console page',
        response: responses({ 200: mediaResponse('The console (HTML)', 'text/html') }),
      },
    },
    async (_req, reply) => builtWebApps.sendPage(reply, 'console'),
  );

  app.get<{ Querystring: z.infer<typeof auditQuery> }>(
    '/admin/audit',
    {
      config: { role: 'viewer' },
      schema: {
        summary: 'Audit log rows, newest first, filtered by actor or action (substring)',
        querystring: jsonSchema(auditQuery),
        response: responses({
          200: openObject({ rows: { type: 'array', items: openObject() }, total: { type: 'number' } }, [
            'rows',
            'total',
          ]),
        }),
      },
    },
    async (req) => {
      const { actor, action, limit, offset } = req.query;
      const rows: AuditLine[] = [];
      // The log is append-only JSON lines; a console page reads a few hundred at a time.
      for await (const line of audit.export()) {
        const row = JSON.parse(line) as AuditLine;
        if (actor && !row.actor.includes(actor)) continue;
        if (action && !row.action.includes(action)) continue;
        rows.push(row);
      }
      rows.reverse();
      return { rows: rows.slice(offset, offset + limit), total: rows.length };
    },
  );

  app.get(
    '/admin/audit/verify',
    {
      config: { role: 'viewer' },
      schema: {
        summary: 'Checks the hash chain of the audit log',
        response: responses({
          200: openObject(
            { ok: { type: 'boolean' }, rows: { type: 'number' }, problems: { type: 'array', items: openObject() } },
            ['ok', 'rows', 'problems'],
          ),
        }),
      },
    },
    async () => audit.verify(),
  );

  app.get(
    '/admin/settings',
    {
      config: { role: 'viewer' },
      schema: {
        summary:
          'The effective configuration: every value with where it comes from (default, file, environment, admin change), secrets masked; `rejected`: why the last edit of hearth.yml was refused',
        response: responses({
          200: openObject(
            {
              file: { type: ['string', 'null'] },
              settings: {
                type: 'array',
                items: openObject(
                  {
                    key: { type: 'string' },
                    value: {},
                    source: { type: 'string', enum: ['default', 'file', 'environment', 'admin'] },
                    env: { type: 'string' },
                    locked: { type: 'boolean' },
                  },
                  ['key', 'source', 'locked'],
                ),
              },
              rejected: openObject(
                {
                  at: { type: 'string', format: 'date-time' },
                  problems: { type: 'array', items: { type: 'string' }, description: 'file:line: key: reason' },
                },
                ['at', 'problems'],
              ),
            },
            ['file', 'settings'],
          ),
        }),
      },
    },
    async () => {
      const loaded = deps.loaded();
      const adminAgentModel = (agent: string) => {
        const chosen = deps.addedModels.agentModel(agent);
        return chosen.source === 'admin' ? chosen.model : undefined;
      };
      const rejected = deps.configRejected?.();
      return {
        file: loaded.file ?? null,
        settings: effectiveSettings(loaded, deps.models.default, adminAgentModel),
        ...(rejected ? { rejected } : {}),
      };
    },
  );

  // Human takeover: an operator answers in a conversation; the answer goes out on its channel and is kept in its history.
  app.post<{ Params: { id: string }; Body: z.infer<typeof replyBody> }>(
    '/admin/conversations/:id/reply',
    {
      config: { role: 'operator' },
      schema: {
        summary: 'Answers in a conversation as a person (human takeover); the answer is sent on its channel',
        params: byId,
        body: jsonSchema(replyBody),
        response: responses({ 201: openObject({ id: { type: 'string' } }, ['id']) }),
      },
    },
    async (req, reply) => {
      const history = deps.stores.history;
      const conversation = await history.getConversation(req.params.id);
      if (!conversation) throw new HearthError(ErrorCode.notFound, 'no such conversation', 404);
      const id = `${conversation.channel}:takeover:${randomUUID()}`;
      const author = `human:${req.principal?.id ?? 'operator'}`;
      await history.append({
        id,
        conversationId: conversation.id,
        role: 'assistant',
        content: req.body.text,
        attachments: [],
        author,
        createdAt: Date.now(),
        tokens: 0,
      });
      await deps.bus.publishOutbound({
        target: { channel: conversation.channel, chatId: conversation.chatId, messageId: id },
        event: doneEvent({
          replyId: id,
          inReplyTo: id,
          conversationId: conversation.id,
          text: req.body.text,
          model: author,
        }),
      });
      req.log.info(
        { conversationId: conversation.id, channel: conversation.channel, actor: req.principal?.id },
        'operator answered in a conversation',
      );
      return reply.code(201).send({ id });
    },
  );

  app.get<{ Params: { id: string }; Querystring: z.infer<typeof messagesQuery> }>(
    '/admin/conversations/:id/messages',
    {
      config: { role: 'viewer' },
      schema: {
        summary: 'A conversation and its turns, oldest first',
        params: byId,
        querystring: jsonSchema(messagesQuery),
        response: responses({
          200: openObject({ conversation: openObject(), messages: { type: 'array', items: openObject() } }, [
            'conversation',
            'messages',
          ]),
        }),
      },
    },
    async (req) => {
      const history = deps.stores.history;
      const conversation = await history.getConversation(req.params.id);
      if (!conversation) throw new HearthError(ErrorCode.notFound, 'no such conversation', 404);
      return {
        conversation,
        messages: await history.recent(conversation.id, Number.MAX_SAFE_INTEGER, req.query.limit),
      };
    },
  );
};
