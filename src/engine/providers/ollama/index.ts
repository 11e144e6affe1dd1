/**
 * The Ollama native provider (`POST /api/chat`, NDJSON streaming).
 *
 * Built on the official `ollama` JS client: maintained by the Ollama team, it tracks the native
 * API (tool calls, images, options) as it changes. The client has no retries of its own (the
 * engine owns retries, fallback and the circuit breaker) and takes no AbortSignal, so each call
 * gets a client whose `fetch` follows the caller's signal; that wrapper also keeps the response
 * so a Retry-After header survives the client's error type.
 */
import { Ollama, type ChatRequest as OllamaChatRequest, type Options } from 'ollama';
import type { ModelSpec } from '../../../core/config.js';
import {
  resolveGeneration,
  type ChatRequest,
  type ModelProvider,
  type StreamPart,
} from '../../../core/model-provider.js';
import { abortReason, toProviderError } from '../provider-http.js';
import { toOllamaMessages, toOllamaTools } from './ollama-messages.js';
import { readOllamaStream } from './ollama-stream.js';

export const defaultOllamaUrl = 'http://127.0.0.1:11434';

/** Creates an Ollama provider for one catalog entry; `apiKey`, when set, is sent as a bearer token. */
export function createProvider(spec: ModelSpec): ModelProvider {
  return {
    kind: 'ollama',
    stream: (request) => streamChat(spec, request),
  };
}

/** The `options` Ollama samples with: temperature, top_p, num_predict (max tokens), num_ctx. */
function generationOptions(spec: ModelSpec, request: ChatRequest): Partial<Options> {
  const options: Partial<Options> = {};
  const { temperature, topP, maxTokens, contextSize } = resolveGeneration(request, spec);
  if (temperature !== undefined) options.temperature = temperature;
  if (topP !== undefined) options.top_p = topP;
  if (maxTokens !== undefined) options.num_predict = maxTokens;
  if (contextSize !== undefined) options.num_ctx = contextSize;
  return options;
}

async function* streamChat(spec: ModelSpec, request: ChatRequest): AsyncGenerator<StreamPart> {
  const { signal } = request;
  let lastResponse: Response | undefined;
  const timeout = spec.timeoutMs ? AbortSignal.timeout(spec.timeoutMs) : undefined;
  const client = new Ollama({
    host: spec.baseUrl ?? defaultOllamaUrl,
    ...(spec.apiKey ? { headers: { Authorization: `Bearer ${spec.apiKey}` } } : {}),
    fetch: async (input, init) => {
      const signals = [init?.signal, signal, timeout].filter((s): s is AbortSignal => s != null);
      lastResponse = await fetch(input, { ...init, signal: signals.length ? AbortSignal.any(signals) : undefined });
      return lastResponse;
    },
  });
  const body: OllamaChatRequest & { stream: true } = {
    model: request.model || spec.model,
    messages: toOllamaMessages(request.messages),
    stream: true,
  };
  if (request.tools?.length) body.tools = toOllamaTools(request.tools);
  const options = generationOptions(spec, request);
  if (Object.keys(options).length) body.options = options;

  try {
    const lines = await client.chat(body);
    yield* readOllamaStream(lines);
  } catch (err) {
    // The client's ResponseError keeps the status but not the headers; add them back for Retry-After.
    const withHeaders =
      err && typeof err === 'object' && 'status_code' in err
        ? Object.assign(err, { headers: lastResponse?.headers })
        : err;
    throw toProviderError(withHeaders, signal, 'ollama');
  }
  if (signal?.aborted) throw abortReason(signal);
}
