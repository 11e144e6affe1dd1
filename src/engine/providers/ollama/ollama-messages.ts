/**
 * Pure conversion of Hearth's `ChatMessage`s and `ToolSpec`s into Ollama's native `/api/chat`
 * shapes. Ollama differs from Chat Completions in that tool-call arguments are JSON objects
 * (not text), images are bare base64 strings on the message, and tool results name the tool.
 */
import type { Message, Tool } from 'ollama';
import type { ChatMessage, ToolSpec } from '../../../core/model-provider.js';
import { parseToolArguments } from '../tool-arguments.js';

/** Maps the conversation to Ollama messages. */
export function toOllamaMessages(messages: ChatMessage[]): Message[] {
  return messages.map((message): Message => {
    switch (message.role) {
      case 'system':
        return { role: 'system', content: message.content };
      case 'user':
        return message.images?.length
          ? { role: 'user', content: message.content, images: message.images.map((image) => image.data) }
          : { role: 'user', content: message.content };
      case 'assistant':
        return message.toolCalls?.length
          ? {
              role: 'assistant',
              content: message.content,
              tool_calls: message.toolCalls.map((call) => ({
                function: { name: call.name, arguments: parseToolArguments(call.arguments) },
              })),
            }
          : { role: 'assistant', content: message.content };
      case 'tool':
        return message.images?.length
          ? {
              role: 'tool',
              content: message.content,
              tool_name: message.name,
              images: message.images.map((i) => i.data),
            }
          : { role: 'tool', content: message.content, tool_name: message.name };
    }
  });
}

/** Maps tool specs to Ollama `function` tools. */
export function toOllamaTools(tools: ToolSpec[]): Tool[] {
  return tools.map((tool) => ({
    type: 'function',
    function: {
      name: tool.name,
      description: tool.description,
      parameters: tool.parameters as Tool['function']['parameters'],
    },
  }));
}
