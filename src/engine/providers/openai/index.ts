/**
 * The OpenAI-compatible provider: OpenAI itself and every server speaking Chat Completions
 * (vLLM, llama.cpp server, LM Studio, Ollama's /v1, hosted APIs).
 *
 * The wire types and the chunk handling follow the official `openai` SDK; the HTTP itself is
 * undici's `request` (chat-transport.ts says why and what was measured). Nothing retries here:
 * the engine owns retries, fallback and the circuit breaker.
 */
import type { ChatCompletionCreateParamsStreaming } from 'openai/resources/chat/completions';
import type { ModelSpec } from '../../../core/config.js';
import {
  resolveGeneration,
  type ChatRequest,
  type ModelProvider,
  type StreamPart,
} from '../../../core/model-provider.js';
import { abortReason, toProviderError } from '../provider-http.js';
import { streamChatCompletion, type ChatTransportOptions } from './chat-transport.js';
import { toOpenAIMessages, toOpenAITools } from './openai-messages.js';
import { readOpenAIStream } from './openai-stream.js';

/** Creates an OpenAI-compatible provider for one catalog entry. `baseUrl` is the `/v1` base. */
export function createProvider(spec: ModelSpec): ModelProvider {
  // llama.cpp and vLLM need no key: no Authorization header is sent without one (a server started
  // with --api-key answers a clear 401). Never the environment's OPENAI_API_KEY / OPENAI_BASE_URL:
  // a key reaches only the server the owner paired it with.
  const transport: ChatTransportOptions = {
    baseUrl: spec.baseUrl ?? 'https://api.openai.com/v1',
    ...(spec.apiKey ? { apiKey: spec.apiKey } : {}),
    ...(spec.timeoutMs ? { timeoutMs: spec.timeoutMs } : {}),
  };

  return {
    kind: 'openai',
    stream: (request) => streamChat(transport, spec, request),
  };
}

async function* streamChat(
  transport: ChatTransportOptions,
  spec: ModelSpec,
  request: ChatRequest,
): AsyncGenerator<StreamPart> {
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
    yield* readOpenAIStream(streamChatCompletion(transport, body, signal));
  } catch (err) {
    throw toProviderError(err, signal, 'openai');
  }
  // An aborted call must not look finished, whatever the stream did meanwhile.
  if (signal?.aborted) throw abortReason(signal);
}
