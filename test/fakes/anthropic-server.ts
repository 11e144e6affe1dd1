/**
 * A protocol-faithful fake of the Anthropic Messages API (`POST /v1/messages`): the SSE event
 * stream `message_start`, `content_block_start`, `ping`, `content_block_delta` (`text_delta`,
 * `input_json_delta`), `content_block_stop`, `message_delta` (stop_reason, usage),
 * `message_stop`, mid-stream `error` events, the non-streaming `message` object, and error
 * bodies `{type:'error', error:{type, message}}`.
 *
 * Prompt caching is simulated: a system prompt marked `cache_control` is "written" on first
 * sight and reported as `cache_read_input_tokens` when the same prompt comes again.
 */
import type { ServerResponse } from 'node:http';
import {
  estimateTokens,
  fragments,
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

let sequence = 0;

/** Anthropic's error `type` for each HTTP status. */
function errorType(status: number): string {
  switch (status) {
    case 400:
      return 'invalid_request_error';
    case 401:
      return 'authentication_error';
    case 402:
      return 'billing_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    case 504:
      return 'timeout_error';
    case 529:
      return 'overloaded_error';
    default:
      return status >= 500 ? 'api_error' : 'invalid_request_error';
  }
}

function requestId(): string {
  return `req_fake${(++sequence).toString(36).padStart(12, '0')}`;
}

function sendError(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  const id = requestId();
  sendJson(
    res,
    status,
    { type: 'error', error: { type: errorType(status), message }, request_id: id },
    { 'request-id': id, ...headers },
  );
}

/** Text of the last user turn; content is a string or blocks (text blocks are joined). */
function lastUserText(body: Json): string {
  const messages: Json[] = Array.isArray(body?.messages) ? body.messages : [];
  const last = [...messages].reverse().find((m) => m?.role === 'user');
  if (!last) return '';
  if (typeof last.content === 'string') return last.content;
  if (Array.isArray(last.content))
    return last.content
      .filter((b: Json) => b?.type === 'text')
      .map((b: Json) => b.text)
      .join('');
  return '';
}

function toolUseId(): string {
  return `toolu_fake${(++sequence).toString(36).padStart(14, '0')}`;
}

/**
 * The request as Anthropic's cache sees it: tools, then system blocks, then each message's content
 * blocks, each serialized without its `cache_control`; and the indexes of the blocks that carry a
 * breakpoint.
 */
function cacheBlocks(body: Json): { blocks: string[]; breakpoints: number[] } {
  const blocks: string[] = [];
  const breakpoints: number[] = [];
  const add = (block: Json, role: string) => {
    if (block?.cache_control?.type === 'ephemeral') breakpoints.push(blocks.length);
    const { cache_control: _mark, ...rest } = typeof block === 'object' && block ? block : { text: block };
    blocks.push(JSON.stringify([role, rest]));
  };
  for (const tool of Array.isArray(body?.tools) ? body.tools : []) add(tool, 'tool');
  for (const block of Array.isArray(body?.system) ? body.system : []) add(block, 'system');
  for (const m of Array.isArray(body?.messages) ? body.messages : [])
    for (const block of Array.isArray(m?.content) ? m.content : [{ type: 'text', text: m?.content }])
      add(block, m?.role);
  return { blocks, breakpoints };
}

/**
 * The usage block of a message: input split into uncached, cache-written and cache-read tokens.
 * As the API does, each breakpoint writes the prefix up to it to the cache, and a request reads the
 * longest prefix ending at or before its last breakpoint that an earlier request wrote.
 */
function messageUsage(exchange: FakeExchange, cache: Set<string>) {
  const { promptTokens, completionTokens } = usageFor(exchange, [exchange.body?.system, exchange.body?.messages]);
  let cacheRead = 0;
  let cacheWrite = 0;
  const { blocks, breakpoints } = cacheBlocks(exchange.body);
  if (breakpoints.length && !exchange.reply.usage) {
    const prefixes = blocks.map((_b, i) => blocks.slice(0, i + 1).join('\n'));
    const last = breakpoints.at(-1)!;
    let hit = -1;
    for (let i = last; i >= 0 && hit < 0; i--) if (cache.has(prefixes[i]!)) hit = i;
    cacheRead = hit >= 0 ? Math.min(promptTokens, estimateTokens(prefixes[hit])) : 0;
    cacheWrite = Math.max(0, Math.min(promptTokens - cacheRead, estimateTokens(prefixes[last]) - cacheRead));
    for (const b of breakpoints) cache.add(prefixes[b]!);
  }
  return {
    input_tokens: promptTokens - cacheRead - cacheWrite,
    cache_creation_input_tokens: cacheWrite,
    cache_read_input_tokens: cacheRead,
    output_tokens: completionTokens,
    service_tier: 'standard',
  };
}

function sse(res: ServerResponse, event: string, data: object): void {
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

function makeAnswer(cache: Set<string>) {
  return async function answer(exchange: FakeExchange): Promise<void> {
    const { res, path, body, reply } = exchange;
    if (exchange.req.method !== 'POST' || path !== '/v1/messages') {
      sendError(res, 404, `Not found: ${exchange.req.method} ${path}`);
      return;
    }
    if (reply.status !== undefined && reply.status >= 400) {
      sendError(res, reply.status, reply.errorMessage ?? `fake error ${reply.status}`, retryAfterHeader(reply));
      return;
    }
    if (body?.stream === true) await streamMessage(exchange, cache);
    else answerMessage(exchange, cache);
  };
}

function answerMessage(exchange: FakeExchange, cache: Set<string>): void {
  const { res, body, reply, pieces } = exchange;
  const content: object[] = [];
  const text = pieces.join('');
  if (text) content.push({ type: 'text', text });
  for (const call of reply.toolCalls ?? [])
    content.push({ type: 'tool_use', id: toolUseId(), name: call.name, input: JSON.parse(call.arguments || '{}') });
  sendJson(
    res,
    200,
    {
      id: `msg_fake${++sequence}`,
      type: 'message',
      role: 'assistant',
      model: body?.model ?? 'claude-fake',
      content,
      stop_reason: reply.toolCalls?.length ? 'tool_use' : 'end_turn',
      stop_sequence: null,
      usage: messageUsage(exchange, cache),
    },
    { 'request-id': requestId() },
  );
}

async function streamMessage(exchange: FakeExchange, cache: Set<string>): Promise<void> {
  const { res, body, reply, pieces, pause } = exchange;
  const usage = messageUsage(exchange, cache);
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'request-id': requestId(),
  });
  sse(res, 'message_start', {
    type: 'message_start',
    message: {
      id: `msg_fake${++sequence}`,
      type: 'message',
      role: 'assistant',
      model: body?.model ?? 'claude-fake',
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { ...usage, output_tokens: Math.min(1, usage.output_tokens) },
    },
  });
  let index = 0;
  if (pieces.length > 0) {
    sse(res, 'content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
    sse(res, 'ping', { type: 'ping' });
    const failAt = reply.failMidStream ? Math.max(1, Math.floor(pieces.length / 2)) : -1;
    for (let i = 0; i < pieces.length; i++) {
      if (i === failAt) return failStream(res);
      if (i > 0 && !(await pause())) return void res.end();
      sse(res, 'content_block_delta', {
        type: 'content_block_delta',
        index,
        delta: { type: 'text_delta', text: pieces[i] },
      });
    }
    sse(res, 'content_block_stop', { type: 'content_block_stop', index });
    index++;
  } else {
    sse(res, 'ping', { type: 'ping' });
  }
  if (reply.failMidStream) return failStream(res);
  for (const call of reply.toolCalls ?? []) {
    if (!(await pause())) return void res.end();
    sse(res, 'content_block_start', {
      type: 'content_block_start',
      index,
      content_block: { type: 'tool_use', id: toolUseId(), name: call.name, input: {} },
    });
    // The API opens each tool input with an empty fragment, then streams the JSON text.
    for (const part of ['', ...fragments(call.arguments)]) {
      sse(res, 'content_block_delta', {
        type: 'content_block_delta',
        index,
        delta: { type: 'input_json_delta', partial_json: part },
      });
    }
    sse(res, 'content_block_stop', { type: 'content_block_stop', index });
    index++;
  }
  sse(res, 'message_delta', {
    type: 'message_delta',
    delta: { stop_reason: reply.toolCalls?.length ? 'tool_use' : 'end_turn', stop_sequence: null },
    usage: { output_tokens: usage.output_tokens },
  });
  sse(res, 'message_stop', { type: 'message_stop' });
  res.end();
}

/** How Anthropic reports a failure after the stream started: an `error` event. */
function failStream(res: ServerResponse): void {
  sse(res, 'error', { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
  res.end();
}

/** Starts the Anthropic fake; `baseUrl` is the origin, as the SDK's `baseURL` takes it. */
export function startAnthropicFake(options: ModelFakeOptions = {}): Promise<ModelFake> {
  const cache = new Set<string>();
  return startModelFake(
    {
      lastUserText,
      answer: makeAnswer(cache),
      authorized: (req, key) => req.headers['x-api-key'] === key || req.headers.authorization === `Bearer ${key}`,
      unauthorized: (res) => sendError(res, 401, 'invalid x-api-key'),
    },
    options,
  );
}
