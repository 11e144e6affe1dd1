/**
 * The OpenAI-compatible HTTP API as a channel: `POST /v1/chat/completions` (SSE when `stream: true`)
 * and `GET /v1/models`. Each request is one conversation whose earlier turns the client sends; the
 * answer comes from the same pipeline, engine and agent as every other channel.
 */
import { v7 as uuidv7 } from 'uuid';
import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { RouteGuard } from '../../core/auth.js';
import type { Channel, ChannelContext, ChannelStatus } from '../../core/channel.js';
import { ErrorCode, HearthError } from '../../core/errors.js';
import type { ClientTools, HistoryTurn, Message, ReplyEvent, ReplyTarget } from '../../core/message.js';
import type { ToolCall, ToolSpec } from '../../core/model-provider.js';
import { openObject } from '../../core/route-schema.js';
import { DeltaCoalescer } from '../delta-coalescer.js';
import { directTextMessage } from '../../core/direct-message.js';

const textPart = z.looseObject({ type: z.literal('text'), text: z.string() });
const contentSchema = z.union([z.string(), z.array(textPart), z.null()]);

const toolCallSchema = z.object({
  id: z.string().min(1),
  type: z.literal('function'),
  function: z.object({ name: z.string().min(1), arguments: z.string() }),
});

const requestSchema = z.looseObject({
  model: z.string().optional(),
  messages: z
    .array(
      z.looseObject({
        role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
        content: contentSchema.optional(),
        tool_calls: z.array(toolCallSchema).optional(),
        tool_call_id: z.string().min(1).optional(),
      }),
    )
    .min(1),
  stream: z.boolean().optional(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullish(),
  user: z.string().optional(),
  tools: z
    .array(
      z.object({
        type: z.literal('function'),
        function: z.object({
          // OpenAI's own rule for function names.
          name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'a function name is 1-64 letters, digits, _ or -'),
          description: z.string().nullish(),
          parameters: z.record(z.string(), z.unknown()).nullish(),
          strict: z.literal(false).nullish(),
        }),
      }),
    )
    .optional(),
  tool_choice: z
    .union([
      z.enum(['none', 'auto', 'required']),
      z.object({ type: z.literal('function'), function: z.object({ name: z.string() }) }),
    ])
    .optional(),
  parallel_tool_calls: z.literal(true).nullish(),
});

type ChatRequest = z.infer<typeof requestSchema>;
type RequestMessage = ChatRequest['messages'][number];

/**
 * The request parameters Hearth honours. Anything else a client sets (sampling parameters,
 * `response_format`…) is refused with a 400 naming it rather than silently ignored: the agent's own
 * settings decide those. `null` counts as not set, `n: 1` is the only answer count there is, and
 * `parallel_tool_calls: true` is what happens anyway (a step may call several tools).
 */
const SUPPORTED_PARAMETERS = new Set([
  'model',
  'messages',
  'stream',
  'stream_options',
  'user',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
]);

/** The fields a message may carry, by role (`name` is accepted on every message). */
const MESSAGE_FIELDS: Record<string, ReadonlySet<string>> = {
  assistant: new Set(['role', 'content', 'name', 'tool_calls']),
  tool: new Set(['role', 'content', 'tool_call_id']),
};
const PLAIN_MESSAGE_FIELDS = new Set(['role', 'content', 'name']);

/** The first request parameter (or message field) Hearth would have to ignore, if any. */
export function unsupportedParameter(body: unknown): string | undefined {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const record = body as Record<string, unknown>;
  const top = Object.keys(record).find(
    (k) =>
      !SUPPORTED_PARAMETERS.has(k) &&
      record[k] !== null &&
      !(k === 'n' && record[k] === 1) &&
      !(k === 'parallel_tool_calls' && record[k] === true),
  );
  if (top) return top;
  if (record.parallel_tool_calls === false) return 'parallel_tool_calls';
  const options = record.stream_options;
  if (options && typeof options === 'object') {
    const extra = Object.keys(options).find(
      (k) => k !== 'include_usage' && (options as Record<string, unknown>)[k] !== null,
    );
    if (extra) return `stream_options.${extra}`;
  }
  for (const [i, t] of (Array.isArray(record.tools) ? (record.tools as unknown[]) : []).entries()) {
    const fn = t && typeof t === 'object' ? (t as Record<string, unknown>).function : undefined;
    if (fn && typeof fn === 'object' && (fn as Record<string, unknown>).strict === true)
      return `tools[${i}].function.strict`;
  }
  const messages = Array.isArray(record.messages) ? (record.messages as unknown[]) : [];
  for (const [i, m] of messages.entries()) {
    if (!m || typeof m !== 'object') continue;
    const msg = m as Record<string, unknown>;
    const allowed = MESSAGE_FIELDS[String(msg.role)] ?? PLAIN_MESSAGE_FIELDS;
    const field = Object.keys(msg).find((k) => !allowed.has(k) && msg[k] !== null);
    if (field) return `messages[${i}].${field}`;
    if (Array.isArray(msg.content)) {
      // Images, audio and files in a message would be dropped: only text parts reach the model.
      const j = (msg.content as unknown[]).findIndex(
        (p) => !p || typeof p !== 'object' || (p as Record<string, unknown>).type !== 'text',
      );
      if (j >= 0) return `messages[${i}].content[${j}]`;
    }
  }
  return undefined;
}

function textOf(content: RequestMessage['content']): string {
  if (typeof content === 'string') return content;
  if (!content) return '';
  return content.map((p) => p.text).join('\n');
}

/** A request that parsed but cannot be answered as asked: the 400's message and the parameter it names. */
class RequestProblem extends Error {
  constructor(
    message: string,
    readonly param: string,
  ) {
    super(message);
  }
}

/** The client's conversation as Hearth's message: earlier turns, this turn's text, its tool round. */
function conversationOf(body: ChatRequest): {
  history: HistoryTurn[];
  text: string;
  continuation?: HistoryTurn[];
  clientTools?: ClientTools;
} {
  const messages = body.messages;
  const last = messages[messages.length - 1];
  if (last.role !== 'user' && last.role !== 'tool')
    throw new RequestProblem('the last message must have role "user" (or "tool", with tool results)', 'messages');
  const lastUser = messages.findLastIndex((m) => m.role === 'user');
  if (lastUser < 0) throw new RequestProblem('the conversation has no "user" message', 'messages');
  const calls = new Map<string, string>();
  const turn = (m: RequestMessage, i: number): HistoryTurn => {
    if (m.role === 'system' || m.role === 'developer') return { role: 'system', content: textOf(m.content) };
    if (m.role === 'assistant') {
      for (const c of m.tool_calls ?? []) calls.set(c.id, c.function.name);
      const toolCalls = (m.tool_calls ?? []).map((c) => ({
        id: c.id,
        name: c.function.name,
        arguments: c.function.arguments,
      }));
      return { role: 'assistant', content: textOf(m.content), ...(toolCalls.length ? { toolCalls } : {}) };
    }
    if (m.role === 'tool') {
      const name = m.tool_call_id ? calls.get(m.tool_call_id) : undefined;
      if (!name)
        throw new RequestProblem(
          `messages[${i}] answers no tool call of an earlier assistant message (tool_call_id ${JSON.stringify(m.tool_call_id ?? null)})`,
          `messages[${i}].tool_call_id`,
        );
      return { role: 'tool', toolCallId: m.tool_call_id!, name, content: textOf(m.content) };
    }
    return { role: 'user', content: textOf(m.content) };
  };
  const history = messages.slice(0, lastUser).map((m, i) => turn(m, i));
  const after = messages.slice(lastUser + 1).map((m, i) => turn(m, lastUser + 1 + i));
  // A system message after the user's joins the one system message too (buildPrompt merges them).
  history.push(...after.filter((t) => t.role === 'system'));
  const continuation = after.filter((t) => t.role !== 'system');

  let clientTools: ClientTools | undefined;
  const choice = body.tool_choice;
  if (body.tools?.length) {
    const tools: ToolSpec[] = body.tools.map((t) => ({
      name: t.function.name,
      description: t.function.description ?? '',
      parameters: t.function.parameters ?? { type: 'object', properties: {} },
    }));
    const named = choice && typeof choice === 'object' ? choice.function.name : undefined;
    if (named !== undefined && !tools.some((t) => t.name === named))
      throw new RequestProblem(`tool_choice names ${JSON.stringify(named)}, which is not in tools`, 'tool_choice');
    clientTools = { tools, choice: named !== undefined ? { name: named } : (choice as ClientTools['choice']) };
  } else if (choice !== undefined && choice !== 'none' && choice !== 'auto') {
    throw new RequestProblem('tool_choice needs tools', 'tool_choice');
  }
  return {
    history,
    text: textOf(messages[lastUser].content),
    ...(continuation.length ? { continuation } : {}),
    ...(clientTools ? { clientTools } : {}),
  };
}

/** OpenAI's `tool_calls` entries for calls the client must run. */
function openAiToolCalls(calls: ToolCall[]) {
  return calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } }));
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
      let conversation: ReturnType<typeof conversationOf>;
      try {
        conversation = conversationOf(body);
      } catch (err) {
        if (!(err instanceof RequestProblem)) throw err;
        return reply.code(400).send({
          error: {
            ...openAiError(err.message, 'invalid_request_error', ErrorCode.badRequest).error,
            param: err.param,
          },
        });
      }
      if (!this.ctx) throw new HearthError(ErrorCode.shuttingDown, 'not ready', 503);
      // Time-ordered (UUIDv7): each turn's conversation and message rows land at the end of the
      // history's id indexes instead of on a random page each (bench/README.md, "Time-ordered ids").
      const id = uuidv7();
      const message: Message = {
        ...directTextMessage({
          channel: 'api',
          id,
          chatId: id,
          sender: { id: req.principal?.id ?? 'api', name: body.user },
          text: conversation.text,
        }),
        model: body.model,
        history: conversation.history,
        ...(conversation.continuation ? { continuation: conversation.continuation } : {}),
        ...(conversation.clientTools ? { clientTools: conversation.clientTools } : {}),
      };
      const completionId = `chatcmpl-${id}`;
      const created = Math.floor(Date.now() / 1000);
      if (body.stream) {
        reply.hijack();
        const res = reply.raw;
        res.socket?.setNoDelay(true);
        // A client that goes away mid-answer stops the model call (nobody reads the rest): the same
        // cancel as the web chat's Stop button.
        res.on('close', () => {
          if (!res.writableFinished) this.ctx?.cancel?.(message.id).catch(() => undefined);
        });
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
            message: event.toolCalls?.length
              ? { role: 'assistant', content: event.text || null, tool_calls: openAiToolCalls(event.toolCalls) }
              : { role: 'assistant', content: event.text },
            finish_reason: event.toolCalls?.length ? 'tool_calls' : finishReason(event.finishReason),
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
        let out = '';
        // The client's tool calls, as OpenAI streams them: id and name first, then the arguments.
        for (const [index, c] of (event.toolCalls ?? []).entries()) {
          const call = { index, id: c.id, type: 'function', function: { name: c.name, arguments: '' } };
          out += chunk({ tool_calls: [call] }, null, model);
          out += chunk({ tool_calls: [{ index, function: { arguments: c.arguments } }] }, null, model);
        }
        out += chunk({}, event.toolCalls?.length ? 'tool_calls' : finishReason(event.finishReason), model);
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
