/**
 * Turns a Chat Completions chunk stream into Hearth `StreamPart`s. Pure over an async iterable
 * of parsed chunks, so it is tested against recorded streams as well as through the provider.
 */
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import type { FinishReason, StreamPart, ToolCall } from '../../../core/model-provider.js';
import type { Usage } from '../../../core/message.js';
import { truncatedStreamError } from '../provider-http.js';

/** Maps `finish_reason` values; `function_call` is the legacy name for tool calls. */
function toFinishReason(reason: string): FinishReason {
  switch (reason) {
    case 'stop':
      return 'stop';
    case 'length':
      return 'length';
    case 'tool_calls':
    case 'function_call':
      return 'tool-calls';
    case 'content_filter':
      return 'content-filter';
    default:
      return 'other';
  }
}

/** A tool call being assembled from its deltas, keyed by the delta's `index`. */
interface PartialToolCall {
  id: string;
  name: string;
  arguments: string;
}

/**
 * Yields text deltas as they arrive (never buffered), each tool call once complete, and one
 * `finish`. The finish waits for the usage chunk that `stream_options.include_usage` adds
 * after the `finish_reason` chunk; a server that ignores the option reports zero usage.
 * A stream that ends without any `finish_reason` was cut off and throws a retryable error.
 */
export async function* readOpenAIStream(chunks: AsyncIterable<ChatCompletionChunk>): AsyncGenerator<StreamPart> {
  const toolCalls = new Map<number, PartialToolCall>();
  let finishReason: string | undefined;
  let usage: Usage = { promptTokens: 0, completionTokens: 0 };
  for await (const chunk of chunks) {
    if (chunk.usage) usage = toUsage(chunk.usage);
    const choice = chunk.choices?.[0];
    if (!choice) continue;
    const delta = choice.delta ?? {};
    if (delta.content) yield { type: 'text-delta', text: delta.content };
    for (const fragment of delta.tool_calls ?? []) {
      const index = fragment.index ?? toolCalls.size;
      const call = toolCalls.get(index) ?? { id: '', name: '', arguments: '' };
      if (fragment.id) call.id = fragment.id;
      if (fragment.function?.name) call.name += fragment.function.name;
      if (fragment.function?.arguments) call.arguments += fragment.function.arguments;
      toolCalls.set(index, call);
    }
    if (choice.finish_reason) finishReason = choice.finish_reason;
  }
  if (finishReason === undefined) throw truncatedStreamError('openai');
  yield* completedToolCalls(toolCalls);
  // Some compatible servers (llama.cpp, older vLLM) say `stop` after tool calls; the calls are what count.
  const reason = toolCalls.size > 0 && finishReason === 'stop' ? 'tool-calls' : toFinishReason(finishReason);
  yield { type: 'finish', reason, usage };
}

function* completedToolCalls(calls: Map<number, PartialToolCall>): Generator<StreamPart> {
  const ordered = [...calls.entries()].sort(([a], [b]) => a - b);
  for (const [index, call] of ordered) {
    const complete: ToolCall = {
      id: call.id || `call_${index}`,
      name: call.name,
      // A call without arguments means "no arguments"; keep it valid JSON for the tool runner.
      arguments: call.arguments || '{}',
    };
    yield { type: 'tool-call', call: complete };
  }
}

/** Chat Completions usage → Hearth usage; `cached_tokens` is OpenAI's automatic prompt cache. */
export function toUsage(usage: NonNullable<ChatCompletionChunk['usage']>): Usage {
  const cached = usage.prompt_tokens_details?.cached_tokens;
  return {
    promptTokens: usage.prompt_tokens ?? 0,
    completionTokens: usage.completion_tokens ?? 0,
    ...(cached ? { cachedPromptTokens: cached } : {}),
  };
}
