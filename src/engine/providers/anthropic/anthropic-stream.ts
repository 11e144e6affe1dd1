/**
 * Turns an Anthropic Messages event stream into Hearth `StreamPart`s. Pure over an async
 * iterable of parsed events, so it is tested against recorded streams as well as through the
 * provider. `ping` and unknown event types are skipped, as Anthropic's versioning policy asks.
 */
import type { RawMessageStreamEvent } from '@anthropic-ai/sdk/resources/messages/messages';
import type { FinishReason, StreamPart } from '../../../core/model-provider.js';
import type { Usage } from '../../../core/message.js';
import { truncatedStreamError } from '../provider-http.js';

function toFinishReason(reason: string | null | undefined): FinishReason {
  switch (reason) {
    case 'end_turn':
    case 'stop_sequence':
      return 'stop';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool-calls';
    case 'refusal':
      return 'content-filter';
    default:
      return 'other';
  }
}

/** Token counts as Anthropic reports them; later events repeat or update earlier ones. */
interface AnthropicUsage {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
}

/**
 * Anthropic's `input_tokens` excludes tokens read from or written to the prompt cache, so the
 * prompt size Hearth budgets with is their sum; the cache reads are reported separately.
 */
function toUsage(usage: AnthropicUsage): Usage {
  const cached = usage.cache_read_input_tokens ?? 0;
  return {
    promptTokens: (usage.input_tokens ?? 0) + cached + (usage.cache_creation_input_tokens ?? 0),
    completionTokens: usage.output_tokens ?? 0,
    ...(cached ? { cachedPromptTokens: cached } : {}),
  };
}

/** Merges the fields an event reports into what we know (null means "not reported here"). */
function mergeUsage(known: AnthropicUsage, update: AnthropicUsage | null | undefined): AnthropicUsage {
  const merged = { ...known };
  for (const [key, value] of Object.entries(update ?? {})) {
    if (typeof value === 'number') (merged as Record<string, number>)[key] = value;
  }
  return merged;
}

/** A `tool_use` block being assembled from its `input_json_delta`s, keyed by block index. */
interface PartialToolUse {
  id: string;
  name: string;
  json: string;
}

/**
 * Yields text deltas as they arrive, each `tool_use` block as one complete tool call when its
 * block stops, and one `finish` at `message_stop`. A stream without `message_stop` was cut off.
 */
export async function* readAnthropicStream(events: AsyncIterable<RawMessageStreamEvent>): AsyncGenerator<StreamPart> {
  const toolUses = new Map<number, PartialToolUse>();
  let usage: AnthropicUsage = {};
  let stopReason: string | null | undefined;
  let sawToolCall = false;
  for await (const event of events) {
    switch (event.type) {
      case 'message_start':
        usage = mergeUsage(usage, event.message.usage as AnthropicUsage);
        break;
      case 'content_block_start':
        if (event.content_block.type === 'tool_use') {
          const block = event.content_block;
          // `input` is `{}` here and arrives as JSON deltas; a non-empty one (seen from proxies) is kept.
          const initial = block.input && Object.keys(block.input as object).length ? JSON.stringify(block.input) : '';
          toolUses.set(event.index, { id: block.id, name: block.name, json: initial });
        } else if (event.content_block.type === 'text' && event.content_block.text) {
          yield { type: 'text-delta', text: event.content_block.text };
        }
        break;
      case 'content_block_delta':
        if (event.delta.type === 'text_delta') {
          if (event.delta.text) yield { type: 'text-delta', text: event.delta.text };
        } else if (event.delta.type === 'input_json_delta') {
          const use = toolUses.get(event.index);
          if (use) use.json += event.delta.partial_json;
        }
        break;
      case 'content_block_stop': {
        const use = toolUses.get(event.index);
        if (use) {
          toolUses.delete(event.index);
          sawToolCall = true;
          yield { type: 'tool-call', call: { id: use.id, name: use.name, arguments: use.json || '{}' } };
        }
        break;
      }
      case 'message_delta':
        stopReason = event.delta.stop_reason ?? stopReason;
        usage = mergeUsage(usage, event.usage as AnthropicUsage);
        break;
      case 'message_stop': {
        const reason = toFinishReason(stopReason);
        yield {
          type: 'finish',
          reason: sawToolCall && reason === 'stop' ? 'tool-calls' : reason,
          usage: toUsage(usage),
        };
        return;
      }
    }
  }
  throw truncatedStreamError('anthropic');
}
