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
import type { ChatMessage, ImagePart, ToolSpec } from '../../../core/model-provider.js';
import { parseToolArguments } from '../tool-arguments.js';

export interface AnthropicPrompt {
  system?: TextBlockParam[];
  messages: MessageParam[];
}

/**
 * Maps the conversation. Two cache breakpoints (`cache_control: ephemeral`) make the prompt
 * cache hit: one on the system prompt (tools + system, the same every turn) and one on the last
 * block of the newest user turn, so the next turn — the same history plus one exchange — reads
 * everything up to there from the cache (Anthropic looks back from a breakpoint for the longest
 * cached prefix). The API silently ignores a mark below the model's minimum cacheable length
 * (1,024–4,096 tokens), so there is nothing to estimate: a short system prompt alone is not
 * cached, but the growing history soon is.
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
  const lastUser = turns.findLast((t) => t.role === 'user');
  const lastBlock = (lastUser?.content as ContentBlockParam[] | undefined)?.at(-1);
  if (lastBlock && lastBlock.type !== 'thinking' && lastBlock.type !== 'redacted_thinking')
    Object.assign(lastBlock, { cache_control: { type: 'ephemeral' } });
  return {
    ...(systemText ? { system: [{ type: 'text', text: systemText, cache_control: { type: 'ephemeral' } }] } : {}),
    messages: turns,
  };
}

function toBlocks(message: Exclude<ChatMessage, { role: 'system' }>): ContentBlockParam[] {
  switch (message.role) {
    case 'user': {
      // Images first: Anthropic recommends image-then-question for the best answers.
      const blocks: ContentBlockParam[] = imageBlocks(message.images);
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
      // A tool result may hold images next to its text (the canvas skill's rendering).
      return [
        {
          type: 'tool_result',
          tool_use_id: message.toolCallId,
          content: message.images?.length
            ? [{ type: 'text', text: message.content }, ...imageBlocks(message.images)]
            : message.content,
        },
      ];
  }
}

function imageBlocks(images: ImagePart[] = []): Array<ContentBlockParam & { type: 'image' }> {
  return images.map((image) => ({
    type: 'image',
    source: { type: 'base64', media_type: image.mimeType as Base64ImageSource['media_type'], data: image.data },
  }));
}

/**
 * Maps tool specs to Anthropic custom tools (`input_schema` is the JSON Schema), sorted by name:
 * tools come first in the cached prefix, so their order must not depend on the order they were
 * offered in. The last tool carries a cache breakpoint: the tool list is cached on its own, so a
 * turn whose system prompt differs (a refreshed summary, a new memory) still reads the tools from
 * the cache.
 */
export function toAnthropicTools(tools: ToolSpec[]): Tool[] {
  const out: Tool[] = [...tools]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((tool) => ({
      name: tool.name,
      description: tool.description,
      input_schema: { type: 'object', ...tool.parameters } as Tool['input_schema'],
    }));
  const last = out.at(-1);
  if (last) last.cache_control = { type: 'ephemeral' };
  return out;
}
