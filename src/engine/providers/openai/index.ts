/**
 * The OpenAI-compatible provider: OpenAI itself and every server speaking Chat Completions
 * (vLLM, llama.cpp server, LM Studio, Ollama's /v1, hosted APIs).
 *
 * Built on the official `openai` SDK rather than hand-written HTTP: it is maintained by the
 * vendor, tracks the wire format (SSE framing, tool-call deltas, error bodies) as it evolves,
 * and is what compatible servers test against. Its own retries are off (`maxRetries: 0`)
 * because the engine owns retries, fallback and the circuit breaker.
 */
import OpenAI from 'openai';
import type { ChatCompletionCreateParamsStreaming } from 'openai/resources/chat/completions';
import type { ModelSpec } from '../../../core/config.js';
import {
  resolveGeneration,
  type ChatRequest,
  type ModelProvider,
  type StreamPart,
} from '../../../core/model-provider.js';
import { abortReason, toProviderError } from '../provider-http.js';
import { toOpenAIMessages, toOpenAITools } from './openai-messages.js';
import { readOpenAIStream } from './openai-stream.js';

/** Stands in for a key the SDK insists on; the Authorization header is removed when it is used. */
const noKey = 'no-key';

/** Creates an OpenAI-compatible provider for one catalog entry. `baseUrl` is the `/v1` base. */
export function createProvider(spec: ModelSpec): ModelProvider {
  const client = new OpenAI({
    // Explicit, so a stray OPENAI_API_KEY / OPENAI_BASE_URL in the environment never reaches a
    // server the owner did not pair it with.
    apiKey: spec.apiKey || noKey,
    baseURL: spec.baseUrl ?? 'https://api.openai.com/v1',
    organization: null,
    project: null,
    maxRetries: 0,
    ...(spec.timeoutMs ? { timeout: spec.timeoutMs } : {}),
    // llama.cpp and vLLM need no key: send no Authorization header rather than a fake bearer token
    // (a server started with --api-key would reject the placeholder anyway, with a clearer 401 this way).
    ...(spec.apiKey ? {} : { defaultHeaders: { Authorization: null } }),
  });

  return {
    kind: 'openai',
    stream: (request) => streamChat(client, spec, request),
  };
}

async function* streamChat(client: OpenAI, spec: ModelSpec, request: ChatRequest): AsyncGenerator<StreamPart> {
  const { signal } = request;
  const body: ChatCompletionCreateParamsStreaming = {
    model: request.model || spec.model,
    messages: toOpenAIMessages(request.messages),
    stream: true,
    stream_options: { include_usage: true },
  };
  // The conversation's calls reach the same prompt cache (the prefix — system, tools, history — is stable).
  if (request.cacheKey && spec.promptCacheKey !== false) body.prompt_cache_key = request.cacheKey;
  if (request.tools?.length) body.tools = toOpenAITools(request.tools);
  if (request.toolChoice && body.tools) {
    body.tool_choice =
      request.toolChoice === 'required'
        ? 'required'
        : { type: 'function', function: { name: request.toolChoice.name } };
  }
  const { temperature, topP, maxTokens } = resolveGeneration(request, spec);
  if (temperature !== undefined) body.temperature = temperature;
  if (topP !== undefined) body.top_p = topP;
  // `max_tokens` rather than `max_completion_tokens`: every compatible server understands it.
  if (maxTokens !== undefined) body.max_tokens = maxTokens;

  try {
    const chunks = await client.chat.completions.create(body, { signal });
    yield* readOpenAIStream(chunks);
  } catch (err) {
    throw toProviderError(err, signal, 'openai');
  }
  // The SDK ends a stream quietly when its request is aborted; an aborted call must not look finished.
  if (signal?.aborted) throw abortReason(signal);
}
