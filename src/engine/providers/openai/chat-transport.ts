/**
 * One streamed Chat Completions call over undici's `request` — the HTTP the provider speaks.
 *
 * Why not the `openai` SDK's own transport, which this provider used before: profiled under load
 * (bench/README.md), the SDK's call path — the global `fetch`, the web streams of its response
 * body and the SDK's stream decoder — was about a third of Hearth's CPU per API turn, more than
 * the rest of the pipeline together. undici's `request` (the same HTTP client `fetch` wraps, Node
 * streams instead of web streams) and eventsource-parser (the SSE parser the Vercel AI SDK uses)
 * do the same work for a fraction of that, measured in bench/README.md. The wire types still come
 * from the SDK (type-only imports), and the request body and chunk handling are unchanged.
 *
 * What the SDK did that is kept here: JSON body, bearer key, the vendor's error body on a 4xx/5xx
 * (`{ error: { message, type } }`) with its status and headers (Retry-After), an error sent inside
 * the stream, the `[DONE]` terminator, and the caller's abort signal ending the call at once.
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { IncomingHttpHeaders } from 'node:http';
import { StringDecoder } from 'node:string_decoder';
import { request } from 'undici';
import type { ChatCompletionChunk, ChatCompletionCreateParamsStreaming } from 'openai/resources/chat/completions';

export interface ChatTransportOptions {
  /** The `/v1` base. */
  baseUrl: string;
  apiKey?: string;
  /** Gives up on the whole call after this long (a retryable failure, as a broken connection is). */
  timeoutMs?: number;
}

/** What a failed call throws: the shape `toProviderError` classifies (status, headers, vendor error). */
export class ChatHttpError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly headers: Record<string, string | string[] | undefined> | undefined,
    readonly error: { type?: string; message?: string } | undefined,
  ) {
    super(message);
    this.name = 'ChatHttpError';
  }
}

/** POSTs `body` to `<baseUrl>/chat/completions` and yields its chunks as they arrive. */
export async function* streamChatCompletion(
  options: ChatTransportOptions,
  body: ChatCompletionCreateParamsStreaming,
  signal?: AbortSignal,
): AsyncGenerator<ChatCompletionChunk> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'text/event-stream' };
  if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
  const limit = options.timeoutMs ? AbortSignal.timeout(options.timeoutMs) : undefined;
  const res = await request(`${options.baseUrl.replace(/\/+$/, '')}/chat/completions`, {
    method: 'POST',
    headers,
    body: JSON.stringify(body),
    signal: limit && signal ? AbortSignal.any([signal, limit]) : (limit ?? signal),
  });
  try {
    if (res.statusCode >= 300) throw httpError(res.statusCode, res.headers, await res.body.text());
    const chunks: ChatCompletionChunk[] = [];
    let failure: ChatHttpError | undefined;
    let done = false;
    const parser = createParser({
      onEvent: (event: EventSourceMessage) => {
        if (done || failure) return;
        if (event.data.startsWith('[DONE]')) {
          done = true;
          return;
        }
        let data: ChatCompletionChunk & { error?: { type?: string; message?: string } };
        try {
          data = JSON.parse(event.data);
        } catch {
          failure = new ChatHttpError(`unreadable stream event: ${event.data.slice(0, 200)}`, undefined, undefined, {
            type: 'server_error',
          });
          return;
        }
        if (event.event === 'error' || data.error) {
          const error = data.error ?? (data as { type?: string; message?: string });
          failure = new ChatHttpError(error.message ?? 'error in the stream', undefined, undefined, error);
          return;
        }
        chunks.push(data);
      },
    });
    // undici's body yields Buffers; a character split across two of them is joined by the decoder.
    const utf8 = new StringDecoder('utf8');
    for await (const bytes of res.body as AsyncIterable<Buffer>) {
      parser.feed(utf8.write(bytes));
      for (const chunk of chunks.splice(0)) yield chunk;
      if (failure) throw failure;
      // After `[DONE]` the rest is read, not cut: a response read to its end keeps its connection.
    }
  } finally {
    // A caller that stopped early or a failed stream ends the response (its connection is closed).
    if (!res.body.readableEnded && !res.body.destroyed) res.body.destroy();
  }
}

/** The error of a non-2xx answer: OpenAI's `{ error: { message, type } }` body when there is one. */
function httpError(status: number, headers: IncomingHttpHeaders, text: string): ChatHttpError {
  let error: { type?: string; message?: string } | undefined;
  try {
    const parsed = JSON.parse(text) as { error?: unknown };
    if (parsed.error && typeof parsed.error === 'object') error = parsed.error as { type?: string; message?: string };
    else if (typeof parsed.error === 'string') error = { message: parsed.error };
  } catch {
    /* not JSON: the text itself is the message */
  }
  const detail = error?.message ?? (text.trim().slice(0, 500) || 'no body');
  return new ChatHttpError(`${status} ${detail}`, status, headers, error);
}
