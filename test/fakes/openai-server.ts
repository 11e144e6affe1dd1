/**
 * A protocol-faithful fake of the OpenAI Chat Completions API: `chat.completion.chunk` SSE
 * (`data:` lines, `data: [DONE]`), tool-call deltas carrying index/id/type/function fragments,
 * the usage chunk with empty `choices` when `stream_options.include_usage` is set, the
 * non-streaming `chat.completion` object, `GET /v1/models`, `POST /v1/embeddings` (deterministic
 * vectors: see `fakeEmbedding`; `encoding_format` float or base64, as the SDK asks), and the error JSON
 * `{error:{message,type,param,code}}`.
 *
 * Standalone, for end-to-end tests and benchmarks:
 *   node dist/test/fakes/openai-server.js [--port N] [--delay-ms N] [--print-requests-for TEXT]
 * prints `{"baseUrl":"http://127.0.0.1:PORT/v1"}` and serves the echo until SIGTERM. With
 * `--print-requests-for`, the body of each chat request whose last user text ends with TEXT (a
 * gateway may prefix a timestamp) is printed as one more JSON line (benchmarks count the prompt
 * tokens a system sends for it).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pathToFileURL } from 'node:url';
import {
  fragments,
  retryAfterHeader,
  sendJson,
  startModelFake,
  usageFor,
  estimateTokens,
  type FakeExchange,
  type ModelFake,
  type ModelFakeOptions,
} from './fake-reply.js';
import type { Json } from '../json.js';

export type { FakeReply, ModelFake, RecordedRequest } from './fake-reply.js';

/** The model list `GET /v1/models` answers. */
const models = ['fake-gpt', 'fake-gpt-mini'];

let sequence = 0;

/** OpenAI's error `type`/`code` for a status, as the real API labels them. */
function errorBody(
  status: number,
  message: string,
): { error: { message: string; type: string; param: null; code: string | null } } {
  const [type, code] =
    status === 401
      ? ['invalid_request_error', 'invalid_api_key']
      : status === 404
        ? ['invalid_request_error', 'model_not_found']
        : status === 429
          ? ['requests', 'rate_limit_exceeded']
          : status >= 500
            ? ['server_error', null]
            : ['invalid_request_error', null];
  return { error: { message, type, param: null, code } };
}

/** Text of the last user message; content may be a string or an array of parts. */
function lastUserText(body: Json): string {
  const messages: Json[] = Array.isArray(body?.messages) ? body.messages : [];
  const last = [...messages].reverse().find((m) => m?.role === 'user');
  if (!last) return '';
  if (typeof last.content === 'string') return last.content;
  if (Array.isArray(last.content))
    return last.content
      .filter((p: Json) => p?.type === 'text')
      .map((p: Json) => p.text)
      .join('');
  return '';
}

function toolCallId(): string {
  return `call_${(++sequence).toString(36).padStart(8, '0')}`;
}

/**
 * OpenAI's automatic prompt cache, simplified: a request whose leading items (tools, then messages)
 * equal those of the previous request with the same `prompt_cache_key` reads that common prefix from
 * the cache (the real API also needs 1,024 tokens and counts in steps of 128; the fake does not).
 */
export class OpenAIPromptCache {
  private readonly previous = new Map<string, string[]>();

  /** Cached prompt tokens of this request (0 when the reply fixes its own usage). */
  read(exchange: FakeExchange): number {
    const body = exchange.body;
    const items: string[] = [
      ...(Array.isArray(body?.tools) ? body.tools : []).map((t: Json) => JSON.stringify(t)),
      ...(Array.isArray(body?.messages) ? body.messages : []).map((m: Json) => JSON.stringify(m)),
    ];
    const key = typeof body?.prompt_cache_key === 'string' ? body.prompt_cache_key : '';
    const before = this.previous.get(key) ?? [];
    this.previous.set(key, items);
    if (exchange.reply.usage) return 0;
    let common = 0;
    while (common < items.length && common < before.length && items[common] === before[common]) common++;
    return common ? estimateTokens(items.slice(0, common).join('')) : 0;
  }
}

function usageObject(usage: { promptTokens: number; completionTokens: number }, cached = 0) {
  return {
    prompt_tokens: usage.promptTokens,
    completion_tokens: usage.completionTokens,
    total_tokens: usage.promptTokens + usage.completionTokens,
    prompt_tokens_details: { cached_tokens: Math.min(cached, usage.promptTokens), audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

const makeAnswer = (cache: OpenAIPromptCache) =>
  async function answer(exchange: FakeExchange): Promise<void> {
    const { res, path, body, reply } = exchange;
    if (path !== '/v1/chat/completions') {
      sendJson(res, 404, errorBody(404, `Invalid URL (${exchange.req.method} ${path})`));
      return;
    }
    if (reply.status !== undefined && reply.status >= 400) {
      sendJson(
        res,
        reply.status,
        errorBody(reply.status, reply.errorMessage ?? `fake error ${reply.status}`),
        retryAfterHeader(reply),
      );
      return;
    }
    const cached = cache.read(exchange);
    if (body?.stream === true) await streamCompletion(exchange, cached);
    else answerCompletion(exchange, cached);
  };

function answerCompletion(exchange: FakeExchange, cached: number): void {
  const { res, body, reply, pieces } = exchange;
  const calls = (reply.toolCalls ?? []).map((c) => ({
    id: toolCallId(),
    type: 'function',
    function: { name: c.name, arguments: c.arguments },
  }));
  const text = pieces.join('');
  sendJson(res, 200, {
    id: `chatcmpl-${++sequence}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: body?.model ?? 'fake-gpt',
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: calls.length && !text ? null : text,
          refusal: null,
          annotations: [],
          ...(calls.length ? { tool_calls: calls } : {}),
        },
        logprobs: null,
        finish_reason: calls.length ? 'tool_calls' : 'stop',
      },
    ],
    usage: usageObject(usageFor(exchange, body?.messages), cached),
    service_tier: 'default',
    system_fingerprint: 'fp_hearth_fake',
  });
}

async function streamCompletion(exchange: FakeExchange, cached: number): Promise<void> {
  const { res, body, reply, pieces, pause } = exchange;
  const includeUsage = body?.stream_options?.include_usage === true;
  const base = {
    id: `chatcmpl-${++sequence}`,
    object: 'chat.completion.chunk',
    created: Math.floor(Date.now() / 1000),
    model: body?.model ?? 'fake-gpt',
    service_tier: 'default',
    system_fingerprint: 'fp_hearth_fake',
  };
  const chunk = (delta: object, finishReason: string | null = null) =>
    `data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }], ...(includeUsage ? { usage: null } : {}) })}\n\n`;

  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
  res.write(chunk({ role: 'assistant', content: '', refusal: null }));
  const failAt = reply.failMidStream ? Math.max(1, Math.floor(pieces.length / 2)) : -1;
  for (let i = 0; i < pieces.length; i++) {
    if (i === failAt) return failStream(res);
    if (i > 0 && !(await pause())) return void res.end();
    res.write(chunk({ content: pieces[i] }));
  }
  if (reply.failMidStream) return failStream(res);
  const calls = reply.toolCalls ?? [];
  for (let index = 0; index < calls.length; index++) {
    const call = calls[index];
    if (!(await pause())) return void res.end();
    res.write(
      chunk({
        tool_calls: [{ index, id: toolCallId(), type: 'function', function: { name: call.name, arguments: '' } }],
      }),
    );
    for (const part of fragments(call.arguments)) {
      res.write(chunk({ tool_calls: [{ index, function: { arguments: part } }] }));
    }
  }
  res.write(chunk({}, calls.length ? 'tool_calls' : 'stop'));
  if (includeUsage) {
    const usage = usageObject(usageFor(exchange, body?.messages), cached);
    res.write(`data: ${JSON.stringify({ ...base, choices: [], usage })}\n\n`);
  }
  res.end('data: [DONE]\n\n');
}

/** How OpenAI reports an error after a stream has started: an `error` object in a data line. */
function failStream(res: ServerResponse): void {
  res.end(
    `data: ${JSON.stringify({ error: { message: 'The server had an error while processing your request.', type: 'server_error', param: null, code: null } })}\n\n`,
  );
}

/** Dimensions of the fake's embeddings. */
export const FAKE_EMBEDDING_DIMENSIONS = 256;

/**
 * A deterministic embedding: a hashed bag of lowercased words (a plural `s` dropped), normalized.
 * Texts sharing words are close, texts sharing none are orthogonal-ish: enough for a test to know
 * which passage a query vector finds, without a real model.
 */
export function fakeEmbedding(text: string): number[] {
  const v = new Array<number>(FAKE_EMBEDDING_DIMENSIONS).fill(0);
  for (const m of text.toLowerCase().matchAll(/[a-z0-9]+/g)) {
    const word = m[0].length > 3 ? m[0].replace(/s$/, '') : m[0];
    let h = 0x811c9dc5;
    for (let i = 0; i < word.length; i++) h = Math.imul(h ^ word.charCodeAt(i), 0x01000193) >>> 0;
    v[h % FAKE_EMBEDDING_DIMENSIONS] += 1;
  }
  const norm = Math.hypot(...v) || 1;
  return v.map((x) => x / norm);
}

/** `POST /v1/embeddings`, shaped like OpenAI's `CreateEmbeddingResponse`. */
function serveEmbeddings(res: ServerResponse, body: Json): void {
  const input: unknown = body?.input;
  const texts = typeof input === 'string' ? [input] : Array.isArray(input) ? input : undefined;
  if (!texts || texts.length === 0 || texts.some((t) => typeof t !== 'string') || typeof body?.model !== 'string') {
    sendJson(res, 400, errorBody(400, "'input' must be a string or an array of strings, and 'model' is required"));
    return;
  }
  const data = (texts as string[]).map((t, index) => {
    const vector = fakeEmbedding(t);
    const embedding =
      body.encoding_format === 'base64' ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector;
    return { object: 'embedding', index, embedding };
  });
  const tokens = (texts as string[]).reduce((n, t) => n + Math.ceil(t.length / 4), 0);
  sendJson(res, 200, {
    object: 'list',
    data,
    model: body.model,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  });
}

function serveStatic(req: IncomingMessage, res: ServerResponse, path: string, body: Json): boolean {
  if (req.method === 'POST' && path === '/v1/embeddings') {
    serveEmbeddings(res, body);
    return true;
  }
  if (req.method !== 'GET' || path !== '/v1/models') return false;
  const created = 1_700_000_000;
  sendJson(res, 200, {
    object: 'list',
    data: models.map((id) => ({ id, object: 'model', created, owned_by: 'hearth-fake' })),
  });
  return true;
}

/** Starts the OpenAI fake; `baseUrl` ends in `/v1`, as the SDK's `baseURL` takes it. */
export function startOpenAIFake(options: ModelFakeOptions = {}): Promise<ModelFake> {
  return startModelFake(
    {
      lastUserText,
      answer: makeAnswer(new OpenAIPromptCache()),
      serveStatic,
      authorized: (req, key) => req.headers.authorization === `Bearer ${key}`,
      unauthorized: (res) => sendJson(res, 401, errorBody(401, 'Incorrect API key provided.')),
    },
    options,
    '/v1',
  );
}

function numberFlag(args: string[], name: string): number | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const value = Number(args[i + 1]);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} wants a whole number`);
  return value;
}

function stringFlag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i < 0 ? undefined : args[i + 1];
}

async function main(args: string[]): Promise<void> {
  // Benchmarks run for a long time: keep no request log that would grow without bound.
  const fake = await startOpenAIFake({
    port: numberFlag(args, '--port'),
    delayMs: numberFlag(args, '--delay-ms'),
    recordRequests: false,
  });
  process.stdout.write(`${JSON.stringify({ baseUrl: fake.baseUrl })}\n`);
  const marker = stringFlag(args, '--print-requests-for');
  if (marker !== undefined) {
    fake.setReply((body) => {
      const text = lastUserText(body);
      if (text.trimEnd().endsWith(marker)) process.stdout.write(`${JSON.stringify(body)}\n`);
      return { text: `You said: ${text}` };
    });
  }
  const stop = () => void fake.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((err) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
