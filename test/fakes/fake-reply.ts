/**
 * What the model fakes (OpenAI, Anthropic, Ollama) answer, and the small HTTP harness they share:
 * a plain `node:http` server on 127.0.0.1 that records every request, picks a `FakeReply` for it
 * and hands the exchange to the vendor's wire-format writer. Plain `node:http` with no logging,
 * because the OpenAI fake also serves a 1,000 req/s benchmark.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Json } from '../json.js';

/** How a fake answers one request. Absent fields take the echo default. */
export interface FakeReply {
  /** The whole answer text; streamed split on spaces unless `chunks` is given. */
  text?: string;
  /** The answer's text deltas, exactly as they should arrive. */
  chunks?: string[];
  /** Tool calls the model makes; `arguments` is JSON text, streamed in fragments. */
  toolCalls?: Array<{ name: string; arguments: string }>;
  /** An HTTP error status (>= 400) answered in the vendor's error JSON. */
  status?: number;
  errorMessage?: string;
  /** Seconds, sent as a Retry-After header with an error status. */
  retryAfter?: number;
  /** Wait between streamed chunks. */
  chunkDelayMs?: number;
  /**
   * Stream `afterChunks` chunks, then wait for `until` before the rest: a test that must see a
   * half-streamed answer holds the stream open until it has (no timing involved).
   */
  hold?: { afterChunks: number; until: Promise<unknown> };
  /** Called when the client goes away before the answer ended (it aborted the request). */
  onClientClose?: () => void;
  /** Never answer (until the fake closes). */
  hang?: boolean;
  /** Send part of the stream, then the vendor's mid-stream error. */
  failMidStream?: boolean;
  usage?: { promptTokens: number; completionTokens: number };
}

/** Decides the reply to a request from its parsed JSON body and how many requests the fake served before it. */
export type ReplyFn = (body: Json, requestIndex: number) => FakeReply;

/** One request the fake received; `body` is the parsed JSON (undefined when empty or not JSON). */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Json;
}

/** A running model fake. */
export interface ModelFake {
  baseUrl: string;
  requests: RecordedRequest[];
  setReply(fn: ReplyFn): void;
  /** Stops the server and cuts every open or hanging connection. */
  close(): Promise<void>;
}

/** Options every model fake takes. */
export interface ModelFakeOptions {
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  /** Default wait between streamed chunks when a reply sets none. */
  delayMs?: number;
  /** When set, requests without this key are refused with the vendor's 401. */
  apiKey?: string;
  /** Keep every request in `requests` (default true); long benchmark runs turn it off. */
  recordRequests?: boolean;
}

/** One exchange handed to a vendor writer. */
export interface FakeExchange {
  req: IncomingMessage;
  res: ServerResponse;
  path: string;
  body: Json;
  reply: FakeReply;
  /** The text deltas to stream (from `chunks`, `text` or the echo). */
  pieces: string[];
  /** Waits between chunks; resolves false once the client or the fake has gone away. */
  pause(): Promise<boolean>;
}

/** A vendor's side of the harness. */
export interface VendorRoutes {
  /** Text of the last user message in the vendor's request body, for the echo. */
  lastUserText(body: Json): string;
  /** Writes the vendor's answer; `reply` was already resolved (hang handled by the harness). */
  answer(exchange: FakeExchange): void | Promise<void>;
  /** Answers requests that need no reply decision (e.g. `GET /v1/models`); true when handled. */
  serveStatic?(req: IncomingMessage, res: ServerResponse, path: string, body: Json): boolean;
  /** Whether the request carries the expected key. */
  authorized?(req: IncomingMessage, apiKey: string): boolean;
  /** Writes the vendor's 401. */
  unauthorized?(res: ServerResponse): void;
}

/** Splits text into pieces at spaces, keeping each space with the word before it. */
export function splitKeepingSpaces(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [];
}

/** Splits JSON text into short fragments, as models stream tool-call arguments. */
export function fragments(text: string, size = 6): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

/** A rough token count (4 characters a token), for usage when a reply sets none. */
export function estimateTokens(value: unknown): number {
  const text = typeof value === 'string' ? value : JSON.stringify(value ?? '');
  return Math.max(1, Math.ceil(text.length / 4));
}

/** Usage to report: the reply's, or estimates from the request and the answer. */
export function usageFor(
  exchange: FakeExchange,
  promptPart: unknown,
): { promptTokens: number; completionTokens: number } {
  if (exchange.reply.usage) return exchange.reply.usage;
  const answer = exchange.pieces.join('') + (exchange.reply.toolCalls ?? []).map((c) => c.name + c.arguments).join('');
  return { promptTokens: estimateTokens(promptPart), completionTokens: answer ? estimateTokens(answer) : 0 };
}

async function readBody(req: IncomingMessage): Promise<Json> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  if (parts.length === 0) return undefined;
  const text = Buffer.concat(parts).toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Starts a fake on 127.0.0.1. `basePath` is appended to the origin in `baseUrl`
 * (`/v1` for the OpenAI fake, empty for the others).
 */
export async function startModelFake(
  routes: VendorRoutes,
  options: ModelFakeOptions = {},
  basePath = '',
): Promise<ModelFake> {
  const requests: RecordedRequest[] = [];
  let replyFn: ReplyFn | undefined;
  let served = 0;
  // Aborted on close, so pending chunk delays end at once and no timer outlives the fake.
  const closing = new AbortController();

  const server = createServer((req, res) => {
    void handle(req, res).catch(() => res.destroy());
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    const body = await readBody(req);
    const index = served++;
    if (options.recordRequests !== false)
      requests.push({ method: req.method ?? 'GET', path, headers: req.headers, body });
    if (options.apiKey && routes.authorized && !routes.authorized(req, options.apiKey)) {
      routes.unauthorized?.(res);
      return;
    }
    if (routes.serveStatic?.(req, res, path, body)) return;
    const reply = replyFn ? replyFn(body, index) : { text: `You said: ${routes.lastUserText(body)}` };
    if (reply.onClientClose) {
      const onClose = reply.onClientClose;
      res.on('close', () => {
        if (!res.writableFinished) onClose();
      });
    }
    if (reply.hang) return; // the socket stays open until the client gives up or close() cuts it
    const pieces = reply.chunks ?? (reply.text !== undefined ? splitKeepingSpaces(reply.text) : []);
    const delay = reply.chunkDelayMs ?? options.delayMs ?? 0;
    // No cork()/uncork() here: on Node 24 a corked chunked response loses the writes made before
    // end(). Each chunk is its own write, as a real server streams them.
    let sent = 0;
    const pause = async (): Promise<boolean> => {
      if (reply.hold && ++sent === reply.hold.afterChunks && !closing.signal.aborted) {
        const aborted = new Promise<void>((resolve) =>
          closing.signal.addEventListener('abort', () => resolve(), { once: true }),
        );
        await Promise.race([reply.hold.until, aborted]);
      }
      if (delay > 0 && !closing.signal.aborted) {
        try {
          await sleep(delay, undefined, { signal: closing.signal });
        } catch {
          return false;
        }
      }
      return !res.destroyed && !closing.signal.aborted;
    };
    await routes.answer({ req, res, path, body, reply, pieces, pause });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}${basePath}`,
    requests,
    setReply(fn) {
      replyFn = fn;
    },
    async close() {
      closing.abort();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

/** Writes a JSON body with the given status and extra headers. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** The Retry-After header for an error reply, when it sets one. */
export function retryAfterHeader(reply: FakeReply): Record<string, string> {
  return reply.retryAfter !== undefined ? { 'retry-after': String(reply.retryAfter) } : {};
}
