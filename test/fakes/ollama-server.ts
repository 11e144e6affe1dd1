/**
 * A protocol-faithful fake of Ollama's native API: `POST /api/chat` streaming NDJSON lines with
 * `done: false`, then a final `done: true` line carrying `done_reason`, durations,
 * `prompt_eval_count` and `eval_count`; tool calls as `message.tool_calls` with arguments as an
 * object; the single JSON object when `stream: false`; errors as `{"error": "..."}` (as the HTTP
 * body before a stream, as an NDJSON line inside one); plus `GET /api/tags` and `/api/version`.
 * Ollama streams unless the request says `stream: false`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  retryAfterHeader,
  sendJson,
  startModelFake,
  usageFor,
  type FakeExchange,
  type ModelFake,
  type ModelFakeOptions,
} from './fake-reply.js';
import type { Json } from '../json.js';

export type { FakeReply, ModelFake, RecordedRequest } from './fake-reply.js';

function lastUserText(body: Json): string {
  const messages: Json[] = Array.isArray(body?.messages) ? body.messages : [];
  const last = [...messages].reverse().find((m) => m?.role === 'user');
  return typeof last?.content === 'string' ? last.content : '';
}

/** The counters of a `done: true` line (durations in nanoseconds, as Ollama reports them). */
function doneFields(exchange: FakeExchange) {
  const usage = usageFor(exchange, exchange.body?.messages);
  return {
    done_reason: 'stop',
    total_duration: 1_200_000,
    load_duration: 100_000,
    prompt_eval_count: usage.promptTokens,
    prompt_eval_duration: 300_000,
    eval_count: usage.completionTokens,
    eval_duration: 800_000,
  };
}

function toolCalls(exchange: FakeExchange) {
  return (exchange.reply.toolCalls ?? []).map((call) => ({
    function: { name: call.name, arguments: JSON.parse(call.arguments || '{}') },
  }));
}

async function answer(exchange: FakeExchange): Promise<void> {
  const { res, path, body, reply } = exchange;
  if (exchange.req.method !== 'POST' || path !== '/api/chat') {
    sendJson(res, 404, { error: `404 page not found` });
    return;
  }
  if (reply.status !== undefined && reply.status >= 400) {
    sendJson(res, reply.status, { error: reply.errorMessage ?? `fake error ${reply.status}` }, retryAfterHeader(reply));
    return;
  }
  const model = body?.model ?? 'fake-llama';
  if (body?.stream === false) {
    const calls = toolCalls(exchange);
    sendJson(res, 200, {
      model,
      created_at: new Date().toISOString(),
      message: { role: 'assistant', content: exchange.pieces.join(''), ...(calls.length ? { tool_calls: calls } : {}) },
      done: true,
      ...doneFields(exchange),
    });
    return;
  }
  await streamChat(exchange, model);
}

async function streamChat(exchange: FakeExchange, model: string): Promise<void> {
  const { res, reply, pieces, pause } = exchange;
  const line = (message: object, extra: object = { done: false }) =>
    res.write(
      `${JSON.stringify({ model, created_at: new Date().toISOString(), message: { role: 'assistant', ...message }, ...extra })}\n`,
    );
  res.writeHead(200, { 'content-type': 'application/x-ndjson' });
  const failAt = reply.failMidStream ? Math.max(1, Math.floor(pieces.length / 2)) : -1;
  for (let i = 0; i < pieces.length; i++) {
    if (i === failAt) return failStream(res);
    if (i > 0 && !(await pause())) return void res.end();
    line({ content: pieces[i] });
  }
  if (reply.failMidStream) return failStream(res);
  const calls = toolCalls(exchange);
  if (calls.length) {
    if (!(await pause())) return void res.end();
    line({ content: '', tool_calls: calls });
  }
  line({ content: '' }, { done: true, ...doneFields(exchange) });
  res.end();
}

/** How Ollama reports a failure after the stream started: an `error` line. */
function failStream(res: ServerResponse): void {
  res.end(`${JSON.stringify({ error: 'an error was encountered while running the model: unexpected EOF' })}\n`);
}

function serveStatic(req: IncomingMessage, res: ServerResponse, path: string): boolean {
  if (req.method !== 'GET') return false;
  if (path === '/api/version') {
    sendJson(res, 200, { version: '0.12.0' });
    return true;
  }
  if (path === '/api/tags') {
    sendJson(res, 200, {
      models: [
        {
          name: 'fake-llama:latest',
          model: 'fake-llama:latest',
          modified_at: '2025-01-01T00:00:00Z',
          size: 1_000_000,
          digest: 'f'.repeat(64),
          details: {
            format: 'gguf',
            family: 'llama',
            families: ['llama'],
            parameter_size: '1M',
            quantization_level: 'Q4_0',
          },
        },
      ],
    });
    return true;
  }
  return false;
}

/** Starts the Ollama fake; `baseUrl` is the origin, as the client's `host` takes it. */
export function startOllamaFake(options: ModelFakeOptions = {}): Promise<ModelFake> {
  return startModelFake(
    {
      lastUserText,
      answer,
      serveStatic,
      authorized: (req, key) => req.headers.authorization === `Bearer ${key}`,
      unauthorized: (res) => sendJson(res, 401, { error: 'unauthorized' }),
    },
    options,
  );
}
