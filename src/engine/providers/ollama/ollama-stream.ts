/**
 * Turns Ollama's NDJSON `/api/chat` lines (already parsed) into Hearth `StreamPart`s. Pure over
 * an async iterable, so it is tested against recorded streams as well as through the provider.
 */
import type { ChatResponse } from 'ollama';
import type { FinishReason, StreamPart } from '../../../core/model-provider.js';
import { truncatedStreamError } from '../provider-http.js';

/** One parsed line; the final `done` line carries the counters, others may lack them. */
export type OllamaChatLine = Pick<ChatResponse, 'message' | 'done'> & Partial<Omit<ChatResponse, 'message' | 'done'>>;

function toFinishReason(reason: string | undefined): FinishReason {
  if (reason === 'stop') return 'stop';
  if (reason === 'length') return 'length';
  return 'other';
}

/**
 * Yields text deltas as lines arrive, every `message.tool_calls` entry as one complete call
 * (Ollama sends them whole, with arguments as an object, and without ids, so ids are made
 * here), and one `finish` from the `done: true` line with `prompt_eval_count`/`eval_count`.
 */
export async function* readOllamaStream(lines: AsyncIterable<OllamaChatLine>): AsyncGenerator<StreamPart> {
  let calls = 0;
  for await (const line of lines) {
    const message = line.message;
    if (message?.content) yield { type: 'text-delta', text: message.content };
    for (const call of message?.tool_calls ?? []) {
      const id = (call as { id?: string }).id || `call_${calls}`;
      calls++;
      yield {
        type: 'tool-call',
        call: { id, name: call.function.name, arguments: JSON.stringify(call.function.arguments ?? {}) },
      };
    }
    if (line.done) {
      const reason = toFinishReason(line.done_reason);
      // Ollama reports `stop` after tool calls; the calls are what the engine acts on.
      yield {
        type: 'finish',
        reason: calls > 0 && reason === 'stop' ? 'tool-calls' : reason,
        usage: { promptTokens: line.prompt_eval_count ?? 0, completionTokens: line.eval_count ?? 0 },
      };
      return;
    }
  }
  throw truncatedStreamError('ollama');
}
