/**
 * Pure conversion of Hearth's `ChatMessage`s into Anthropic Messages API request parts. No I/O
 * here, so the mapping is tested without a server.
 *
 * Anthropic differs from Chat Completions in three ways this file absorbs: the system prompt is
 * a top-level parameter, tool results are `tool_result` blocks inside a *user* turn, and turns
 * must alternate, so consecutive same-role messages are merged into one turn.
 */
import type {
  Base64ImageSource,
  ContentBlockParam,
  MessageParam,
  TextBlockParam,
  Tool,
} from '@anthropic-ai/sdk/resources/messages/messages';
import type { ChatMessage, ToolSpec } from '../../../core/model-provider.js';
import { parseToolArguments } from '../tool-arguments.js';

export interface AnthropicPrompt {
  system?: TextBlockParam[];
  messages: MessageParam[];
}

/**
 * Maps the conversation. The system prompt is always marked `cache_control: ephemeral`: the
 * API silently ignores the mark below the model's minimum cacheable length (1,024–4,096
 * tokens), so there is nothing to estimate, and above it every later turn of the conversation
 * reads tools + system from the cache at a tenth of the price.
 */
export function toAnthropicPrompt(messages: ChatMessage[]): AnthropicPrompt {
  const systemText = messages
    .filter((m) => m.role === 'system')
    .map((m) => m.content)
    .join('\n\n');
  const turns: MessageParam[] = [];
  for (const message of messages) {
    if (message.role === 'system') continue;
    const role = message.role === 'assistant' ? 'assistant' : 'user';
    const blocks = toBlocks(message);
    if (blocks.length === 0) continue;
    const previous = turns.at(-1);
    if (previous && previous.role === role) (previous.content as ContentBlockParam[]).push(...blocks);
    else turns.push({ role, content: blocks });
  }
  return {
    ...(systemText ? { system: [{ type: 'text', text: systemText, cache_control: { type: 'ephemeral' } }] } : {}),
    messages: turns,
  };
}

function toBlocks(message: Exclude<ChatMessage, { role: 'system' }>): ContentBlockParam[] {
  switch (message.role) {
    case 'user': {
      // Images first: Anthropic recommends image-then-question for the best answers.
      const blocks: ContentBlockParam[] = (message.images ?? []).map((image) => ({
        type: 'image',
        source: { type: 'base64', media_type: image.mimeType as Base64ImageSource['media_type'], data: image.data },
      }));
      if (message.content) blocks.push({ type: 'text', text: message.content });
      return blocks;
    }
    case 'assistant': {
      // The API rejects empty text blocks, so an assistant turn that only called tools has none.
      const blocks: ContentBlockParam[] = message.content ? [{ type: 'text', text: message.content }] : [];
      for (const call of message.toolCalls ?? []) {
        blocks.push({ type: 'tool_use', id: call.id, name: call.name, input: parseToolArguments(call.arguments) });
      }
      return blocks;
    }
    case 'tool':
      return [{ type: 'tool_result', tool_use_id: message.toolCallId, content: message.content }];
  }
}

/** Maps tool specs to Anthropic custom tools (`input_schema` is the JSON Schema). */
export function toAnthropicTools(tools: ToolSpec[]): Tool[] {
  return tools.map((tool) => ({
    name: tool.name,
    description: tool.description,
    input_schema: { type: 'object', ...tool.parameters } as Tool['input_schema'],
  }));
}
