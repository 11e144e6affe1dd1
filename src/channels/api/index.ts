/**
 * The OpenAI-compatible HTTP API as a channel: `POST /v1/chat/completions` (SSE when `stream: true`)
 * and `GET /v1/models`. Each request is one conversation whose earlier turns the client sends; the
 * answer comes from the same pipeline, engine and agent as every other channel.
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { RouteGuard } from '../../core/auth.js';
import type { Channel, ChannelContext, ChannelStatus } from '../../core/channel.js';
import { ErrorCode, HearthError } from '../../core/errors.js';
import { openObject } from '../../core/route-schema.js';
import type { Message, ReplyEvent, ReplyTarget } from '../../core/message.js';
import { DeltaCoalescer } from '../delta-coalescer.js';
import { directTextMessage } from '../../core/direct-message.js';

const contentSchema = z.union([
  z.string(),
  z.array(z.looseObject({ type: z.string(), text: z.string().optional() })),
  z.null(),
]);

const requestSchema = z.looseObject({
  model: z.string().optional(),
  messages: z
    .array(
      z.looseObject({
        role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
        content: contentSchema.optional(),
      }),
    )
    .min(1),
  stream: z.boolean().optional(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullish(),
  user: z.string().optional(),
});

type ChatRequest = z.infer<typeof requestSchema>;

/**
 * The request parameters Hearth honours. Anything else a client sets (sampling parameters, `tools`,
 * `response_format`…) is refused with a 400 naming it rather than silently ignored: the agent's own
 * settings decide those. `null` counts as not set, and `n: 1` is the only answer count there is.
 */
const SUPPORTED_PARAMETERS = new Set(['model', 'messages', 'stream', 'stream_options', 'user']);

/** The first request parameter (or message field) Hearth would have to ignore, if any. */
export function unsupportedParameter(body: unknown): string | undefined {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const record = body as Record<string, unknown>;
  const top = Object.keys(record).find(
    (k) => !SUPPORTED_PARAMETERS.has(k) && record[k] !== null && !(k === 'n' && record[k] === 1),
  );
  if (top) return top;
  const messages = Array.isArray(record.messages) ? (record.messages as unknown[]) : [];
  for (const [i, m] of messages.entries()) {
    if (!m || typeof m !== 'object') continue;
    const msg = m as Record<string, unknown>;
    if (msg.role === 'tool') return `messages[${i}].role`;
    const field = Object.keys(msg).find((k) => k !== 'role' && k !== 'content' && k !== 'name' && msg[k] !== null);
    if (field) return `messages[${i}].${field}`;
  }
  return undefined;
}

function textOf(content: ChatRequest['messages'][number]['content']): string {
  if (typeof content === 'string') return content;
  if (!content) return '';
  return content
    .filter((p) => p.type === 'text' && typeof p.text === 'string')
    .map((p) => p.text)
    .join('\n');
}

/** One request waiting for its answer. */
interface Pending {
  onEvent(event: ReplyEvent): void;
}

export interface ApiChannelOptions {
  /** Admits callers of every route (the viewer-role guard, handed over by the composition root). */
  guard: RouteGuard;
  listModels: () => Array<{ id: string; provider: string }>;
}

/**
 * The OpenAI-compatible routes' documentation. Only answers are declared: the request body is
 * checked by the handler (zod, OpenAI's error shape), so it is documented as an open object.
 */
const openAiErrorResponse = {
  description: "OpenAI's error shape: `{ error: { message, type, code, param? } }`",
  ...openObject({ error: openObject({ message: { type: 'string' }, type: { type: 'string' }, code: {} }) }, ['error']),
};
const V1_SCHEMAS = {
  models: {
    summary: 'The models, as OpenAI lists them',
    response: {
      200: openObject({ object: { type: 'string' }, data: { type: 'array', items: openObject() } }, ['data']),
      '4xx': openAiErrorResponse,
    },
  },
  completions: {
    summary: 'OpenAI-compatible chat completion (streams with `stream: true`)',
    body: {
      description: "OpenAI's request body (model, messages, stream, …), checked by the handler",
      ...openObject(),
    },
    response: {
      200: {
        description: 'A chat.completion, or with `stream: true` server-sent chat.completion.chunk events',
        content: {
          'application/json': { schema: openObject({ id: { type: 'string' }, choices: { type: 'array' } }) },
          'text/event-stream': { schema: { type: 'string' } },
        },
      },
      '4xx': openAiErrorResponse,
      '5xx': openAiErrorResponse,
    },
  },
};

export class ApiChannel implements Channel {
  readonly name = 'api';
  private ctx?: ChannelContext;
  private readonly pending = new Map<string, Pending>();
  private readonly since = Date.now();
  private readonly coalescer = new DeltaCoalescer((target, event) => this.pending.get(target.chatId)?.onEvent(event));

  constructor(private readonly options: ApiChannelOptions) {}

  routes(app: FastifyInstance): void {
    const auth = this.options.guard;
    app.get('/v1/models', { preHandler: auth, schema: V1_SCHEMAS.models }, async () => ({
      object: 'list',
      data: this.options.listModels().map((m) => ({ id: m.id, object: 'model', created: 0, owned_by: m.provider })),
    }));
    app.post('/v1/chat/completions', { preHandler: auth, schema: V1_SCHEMAS.completions }, async (req, reply) => {
      const unsupported = unsupportedParameter(req.body);
      if (unsupported) {
        return reply.code(400).send({
          error: {
            ...openAiError(
              `unsupported parameter: ${unsupported} (Hearth does not honour it; the agent's settings decide)`,
              'invalid_request_error',
              ErrorCode.badRequest,
            ).error,
            param: unsupported,
          },
        });
      }
      const parsed = requestSchema.safeParse(req.body);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        return reply
          .code(400)
          .send(
            openAiError(
              `${issue.path.join('.') || 'body'}: ${issue.message}`,
              'invalid_request_error',
              ErrorCode.badRequest,
            ),
          );
      }
      const body = parsed.data;
      const last = body.messages[body.messages.length - 1];
      if (last.role !== 'user') {
        return reply
          .code(400)
          .send(openAiError('the last message must have role "user"', 'invalid_request_error', ErrorCode.badRequest));
      }
      if (!this.ctx) throw new HearthError(ErrorCode.shuttingDown, 'not ready', 503);
      const id = randomUUID();
      const history = body.messages.slice(0, -1).flatMap((m) => {
        const role = m.role === 'developer' ? 'system' : m.role;
        return role === 'tool' ? [] : [{ role, content: textOf(m.content) }];
      });
      const message: Message = {
        ...directTextMessage({
          channel: 'api',
          id,
          chatId: id,
          sender: { id: req.principal?.id ?? 'api', name: body.user },
          text: textOf(last.content),
        }),
        model: body.model,
        history,
      };
      const completionId = `chatcmpl-${id}`;
      const created = Math.floor(Date.now() / 1000);
      if (body.stream) {
        reply.hijack();
        const res = reply.raw;
        res.socket?.setNoDelay(true);
        // The headers go out with the first event, so a turn refused by a budget still gets its 429.
        let headed = false;
        const includeUsage = body.stream_options?.include_usage === true;
        this.pending.set(id, {
          onEvent: (e) => {
            if (!headed && e.type === 'error' && e.code === ErrorCode.budget) {
              this.pending.delete(id);
              res.writeHead(429, { 'Content-Type': 'application/json; charset=utf-8' });
              res.end(JSON.stringify(openAiError(e.message, 'rate_limit_error', e.code)));
              return;
            }
            if (!headed) {
              headed = true;
              res.writeHead(200, {
                'Content-Type': 'text/event-stream; charset=utf-8',
                'Cache-Control': 'no-cache, no-transform',
                Connection: 'keep-alive',
                'X-Accel-Buffering': 'no',
              });
            }
            this.writeSse(res, e, completionId, created, body.model, includeUsage, id);
          },
        });
        try {
          await this.ctx.receive(message);
        } catch (err) {
          this.pending.delete(id);
          const e = err instanceof HearthError ? err : new HearthError(ErrorCode.internal, 'internal error');
          if (!headed)
            res.writeHead(200, {
              'Content-Type': 'text/event-stream; charset=utf-8',
              'Cache-Control': 'no-cache, no-transform',
            });
          res.end(`data: ${JSON.stringify(openAiError(e.message, 'server_error', e.code))}\n\ndata: [DONE]\n\n`);
        }
        return;
      }
      const event = await new Promise<Extract<ReplyEvent, { type: 'done' | 'error' }>>((resolve, reject) => {
        this.pending.set(id, {
          onEvent: (e) => {
            if (e.type === 'done' || e.type === 'error') resolve(e);
          },
        });
        this.ctx!.receive(message).catch(reject);
      }).finally(() => this.pending.delete(id));
      if (event.type === 'error') {
        const status =
          event.code === ErrorCode.budget
            ? 429
            : event.code === ErrorCode.noModel || event.code === ErrorCode.shuttingDown
              ? 503
              : 502;
        return reply.code(status).send(openAiError(event.message, 'server_error', event.code));
      }
      return {
        id: completionId,
        object: 'chat.completion',
        created,
        model: event.model,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: event.text },
            finish_reason: finishReason(event.finishReason),
          },
        ],
        usage: {
          prompt_tokens: event.usage.promptTokens,
          completion_tokens: event.usage.completionTokens,
          total_tokens: event.usage.promptTokens + event.usage.completionTokens,
        },
      };
    });
  }

  async start(ctx: ChannelContext): Promise<void> {
    this.ctx = ctx;
  }

  status(): ChannelStatus {
    return { state: this.ctx ? 'ready' : 'stopped', since: this.since };
  }

  async deliver(target: ReplyTarget, event: ReplyEvent): Promise<void> {
    this.coalescer.push(target, event);
  }

  async stop(): Promise<void> {
    this.ctx = undefined;
  }

  /** Writes one reply event as OpenAI `chat.completion.chunk` SSE frames; the stream ends with `[DONE]`. */
  private writeSse(
    res: ServerResponse,
    event: ReplyEvent,
    id: string,
    created: number,
    requestedModel: string | undefined,
    includeUsage: boolean,
    key: string,
  ): void {
    if (res.writableEnded) return;
    const chunk = (delta: Record<string, unknown>, finish: string | null, model: string) =>
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    const model = 'model' in event ? event.model : (requestedModel ?? 'hearth');
    switch (event.type) {
      case 'start':
        res.write(chunk({ role: 'assistant', content: '' }, null, model));
        break;
      case 'delta':
        res.write(chunk({ content: event.text }, null, requestedModel ?? 'hearth'));
        break;
      case 'done': {
        let out = chunk({}, finishReason(event.finishReason), model);
        if (includeUsage) {
          const u = event.usage;
          out += `data: ${JSON.stringify({
            id,
            object: 'chat.completion.chunk',
            created,
            model,
            choices: [],
            usage: {
              prompt_tokens: u.promptTokens,
              completion_tokens: u.completionTokens,
              total_tokens: u.promptTokens + u.completionTokens,
            },
          })}\n\n`;
        }
        res.end(`${out}data: [DONE]\n\n`);
        this.pending.delete(key);
        break;
      }
      case 'error':
        res.end(`data: ${JSON.stringify(openAiError(event.message, 'server_error', event.code))}\n\ndata: [DONE]\n\n`);
        this.pending.delete(key);
        break;
    }
  }
}

function finishReason(r: string): string {
  return r === 'tool-calls'
    ? 'tool_calls'
    : r === 'content-filter'
      ? 'content_filter'
      : r === 'length'
        ? 'length'
        : 'stop';
}

/** The OpenAI error body shape, carrying our stable code. */
export function openAiError(message: string, type: string, code: string) {
  return { error: { message, type, code } };
}
