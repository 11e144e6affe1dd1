/**
 * Pure conversion of Hearth's `ChatMessage`s and `ToolSpec`s into the OpenAI Chat Completions
 * wire shapes. No I/O here, so the mapping is tested without a server.
 */
import type {
  ChatCompletionContentPart,
  ChatCompletionMessageParam,
  ChatCompletionTool,
} from 'openai/resources/chat/completions';
import type { ChatMessage, ImagePart, ToolSpec } from '../../../core/model-provider.js';

const imageParts = (images: ImagePart[]): ChatCompletionContentPart[] =>
  images.map((image) => ({ type: 'image_url', image_url: { url: `data:${image.mimeType};base64,${image.data}` } }));

/**
 * Maps the conversation to Chat Completions messages: images become `image_url` data URLs. A tool
 * message can carry only text, so images a tool returned follow the run of tool messages as one
 * user message (the tool messages must come right after the assistant's calls).
 */
export function toOpenAIMessages(messages: ChatMessage[]): ChatCompletionMessageParam[] {
  const out: ChatCompletionMessageParam[] = [];
  let fromTools: ChatCompletionContentPart[] = [];
  const flush = () => {
    if (fromTools.length) out.push({ role: 'user', content: fromTools });
    fromTools = [];
  };
  for (const message of messages) {
    if (message.role !== 'tool') flush();
    out.push(toOpenAIMessage(message));
    if (message.role === 'tool' && message.images?.length)
      fromTools.push({ type: 'text', text: `The image returned by ${message.name}:` }, ...imageParts(message.images));
  }
  flush();
  return out;
}

function toOpenAIMessage(message: ChatMessage): ChatCompletionMessageParam {
  switch (message.role) {
    case 'system':
      return { role: 'system', content: message.content };
    case 'user': {
      if (!message.images?.length) return { role: 'user', content: message.content };
      const parts = imageParts(message.images);
      if (message.content) parts.unshift({ type: 'text', text: message.content });
      return { role: 'user', content: parts };
    }
    case 'assistant':
      if (!message.toolCalls?.length) return { role: 'assistant', content: message.content };
      return {
        role: 'assistant',
        // The API wants null rather than an empty string next to tool calls.
        content: message.content || null,
        tool_calls: message.toolCalls.map((call) => ({
          id: call.id,
          type: 'function',
          function: { name: call.name, arguments: call.arguments },
        })),
      };
    case 'tool':
      return { role: 'tool', tool_call_id: message.toolCallId, content: message.content };
  }
}

/**
 * Maps tool specs to Chat Completions `function` tools, sorted by name: the tools are part of the
 * cached prompt prefix, so their order must not depend on the order they were offered in.
 */
export function toOpenAITools(tools: ToolSpec[]): ChatCompletionTool[] {
  return [...tools]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((tool) => ({
      type: 'function',
      function: { name: tool.name, description: tool.description, parameters: tool.parameters },
    }));
}
