/**
 * The Anthropic Messages provider.
 *
 * Built on the official `@anthropic-ai/sdk`: maintained by the vendor, it follows the event
 * stream (`message_start` … `message_stop`, mid-stream `error` events) and the error bodies
 * exactly as the API evolves. Its own retries are off (`maxRetries: 0`) because the engine
 * owns retries, fallback and the circuit breaker.
 */
import Anthropic from '@anthropic-ai/sdk';
import type { MessageCreateParamsStreaming } from '@anthropic-ai/sdk/resources/messages/messages';
import type { ModelSpec } from '../../../core/config.js';
import {
  resolveGeneration,
  type ChatRequest,
  type ModelProvider,
  type StreamPart,
} from '../../../core/model-provider.js';
import { abortReason, toProviderError } from '../provider-http.js';
import { toAnthropicPrompt, toAnthropicTools } from './anthropic-messages.js';
import { readAnthropicStream } from './anthropic-stream.js';

/** The API requires `max_tokens`; this is used when neither the request nor the spec sets one. */
export const defaultMaxTokens = 1024;

/**
 * Creates an Anthropic provider for one catalog entry. Without `baseUrl` the SDK's default
 * (https://api.anthropic.com, or ANTHROPIC_BASE_URL) applies; without `apiKey`, ANTHROPIC_API_KEY.
 */
export function createProvider(spec: ModelSpec): ModelProvider {
  const client = new Anthropic({
    ...(spec.apiKey ? { apiKey: spec.apiKey } : {}),
    ...(spec.baseUrl ? { baseURL: spec.baseUrl } : {}),
    maxRetries: 0,
    ...(spec.timeoutMs ? { timeout: spec.timeoutMs } : {}),
  });
  return {
    kind: 'anthropic',
    stream: (request) => streamMessage(client, spec, request),
  };
}

async function* streamMessage(client: Anthropic, spec: ModelSpec, request: ChatRequest): AsyncGenerator<StreamPart> {
  const { signal } = request;
  const prompt = toAnthropicPrompt(request.messages);
  const generation = resolveGeneration(request, spec);
  const body: MessageCreateParamsStreaming = {
    model: request.model || spec.model,
    max_tokens: generation.maxTokens ?? defaultMaxTokens,
    messages: prompt.messages,
    stream: true,
  };
  if (prompt.system) body.system = prompt.system;
  if (request.tools?.length) body.tools = toAnthropicTools(request.tools);
  if (request.toolChoice && body.tools) {
    body.tool_choice =
      request.toolChoice === 'required' ? { type: 'any' } : { type: 'tool', name: request.toolChoice.name };
  }
  Object.assign(body, samplingParams(generation.temperature, generation.topP));

  try {
    const events = await client.messages.create(body, { signal });
    yield* readAnthropicStream(events);
  } catch (err) {
    throw toProviderError(err, signal, 'anthropic');
  }
  if (signal?.aborted) throw abortReason(signal);
}

/**
 * `temperature` and `top_p`, only when configured. SDK 1.x dropped them from its types (the API
 * deprecated sampling parameters for its newest models), but older models still honour them; an
 * owner who sets one on a model that refuses it gets the API's 400 message, naming the field.
 */
function samplingParams(temperature: number | undefined, topP: number | undefined): Record<string, number> {
  const params: Record<string, number> = {};
  // Anthropic's temperature range is 0–1; Hearth's config allows up to 2 (the OpenAI range).
  if (temperature !== undefined) params.temperature = Math.min(1, temperature);
  if (topP !== undefined) params.top_p = topP;
  return params;
}
