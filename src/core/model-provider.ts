/**
 * The `ModelProvider` seam: one streaming chat call with tool calls. Each provider under
 * `src/engine/providers/<name>/` only implements this; retries, fallback and the circuit
 * breaker live in the engine, not in providers.
 */
import type { ToolCall, ToolSpec, Usage } from './message.js';

export type { ToolCall, ToolSpec } from './message.js';

/** An image handed to a vision model. */
export interface ImagePart {
  mimeType: string;
  /** Base64 without a data: prefix. */
  data: string;
}

export type ChatMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string; images?: ImagePart[] }
  | { role: 'assistant'; content: string; toolCalls?: ToolCall[] }
  /** `images`: pictures the tool returned (the canvas skill's rendering), for a vision model to look at. */
  | { role: 'tool'; toolCallId: string; name: string; content: string; images?: ImagePart[] };

export interface GenerationParams {
  temperature?: number;
  topP?: number;
  maxTokens?: number;
  /** Context window in tokens (embedded and Ollama providers size their context with it). */
  contextSize?: number;
}

/**
 * The generation parameters of a call, resolved once: for each parameter the first layer that sets
 * it wins (the engine passes agent, then model spec; a provider passes the request, then its spec).
 */
export function resolveGeneration(...layers: ReadonlyArray<GenerationParams | undefined>): GenerationParams {
  const pick = <K extends keyof GenerationParams>(key: K): GenerationParams[K] =>
    layers.find((l) => l?.[key] !== undefined)?.[key];
  const out: GenerationParams = {};
  for (const key of ['temperature', 'topP', 'maxTokens', 'contextSize'] as const) {
    const value = pick(key);
    if (value !== undefined) out[key] = value;
  }
  return out;
}

export interface ChatRequest extends GenerationParams {
  /** The provider's own model name (e.g. `gpt-4o-mini`, a GGUF path for embedded). */
  model: string;
  messages: ChatMessage[];
  tools?: ToolSpec[];
  /**
   * Forces a tool call: `required` (any offered tool) or one tool by name. Absent means the model
   * decides. Providers whose API cannot force one (Ollama, the embedded model) offer only the named tool.
   */
  toolChoice?: 'required' | { name: string };
  /**
   * A stable key per conversation (a hash of its id, never the id itself): providers with
   * server-side prompt caching route a conversation's calls to the same cache with it (OpenAI
   * `prompt_cache_key`).
   */
  cacheKey?: string;
  /** Aborts the call: timeout, shutdown or a user interrupt. */
  signal?: AbortSignal;
}

/** What a provider yields while streaming. Exactly one `finish` ends a successful stream. */
export type StreamPart =
  | { type: 'text-delta'; text: string }
  | { type: 'tool-call'; call: ToolCall }
  | { type: 'finish'; reason: FinishReason; usage: Usage };

export type FinishReason = 'stop' | 'length' | 'tool-calls' | 'content-filter' | 'other';

export interface ModelProvider {
  /** Provider kind: `openai`, `anthropic`, `ollama`, `embedded`. */
  readonly kind: string;
  /** Streams one completion. Throws `ProviderError` on failure (with `retryable` set for 429/5xx/network). */
  stream(request: ChatRequest): AsyncIterable<StreamPart>;
  /** Releases sockets, native memory, child processes. */
  close?(): Promise<void>;
}

/** A failed provider call. `status` is the HTTP status where there was one. */
export class ProviderError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
    /** Seconds the server asked us to wait (Retry-After). */
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = 'ProviderError';
  }
}

/** Classifies an HTTP status the way every provider does: 408, 409, 425, 429 and 5xx are worth a retry. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 425 || status === 429 || status >= 500;
}
