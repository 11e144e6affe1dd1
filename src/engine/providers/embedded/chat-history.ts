/**
 * Pure conversion between Hearth's `ChatMessage` list and node-llama-cpp's chat history. The chat
 * wrapper chosen for the model (Qwen, Llama 3, ChatML, …) renders that history into the model's own
 * prompt format, tool calls included, so this file knows nothing about prompt syntax.
 */
import type { ChatMessage, ToolSpec } from '../../../core/model-provider.js';
import type { LlamaChatHistoryItem, LlamaFunctionCallItem, LlamaFunctions } from './llama-runtime.js';

/**
 * Maps the conversation onto node-llama-cpp's history. An assistant turn that called tools and
 * the tool results that follow it become one model response holding function calls with their
 * results, which is how node-llama-cpp continues a response after a tool ran. When the list ends
 * with a user (or system) message an empty model response is appended: generation fills it.
 */
export function toLlamaHistory(messages: ChatMessage[]): LlamaChatHistoryItem[] {
  const history: LlamaChatHistoryItem[] = [];
  const callsById = new Map<string, LlamaFunctionCallItem>();
  /** The model response that tool results may still attach to. */
  let openResponse: Extract<LlamaChatHistoryItem, { type: 'model' }> | undefined;

  for (const message of messages) {
    switch (message.role) {
      case 'system':
      case 'user':
        history.push({ type: message.role, text: message.content });
        openResponse = undefined;
        break;
      case 'assistant': {
        const response = openResponse ?? { type: 'model' as const, response: [] };
        if (!openResponse) history.push(response);
        if (message.content) response.response.push(message.content);
        for (const call of message.toolCalls ?? []) {
          const item: LlamaFunctionCallItem = {
            type: 'functionCall',
            name: call.name,
            params: parseArguments(call.arguments),
            result: undefined,
          };
          callsById.set(call.id, item);
          response.response.push(item);
        }
        openResponse = message.toolCalls?.length ? response : undefined;
        break;
      }
      case 'tool': {
        const call = callsById.get(message.toolCallId);
        if (call) call.result = parseResult(message.content);
        else {
          // A result whose call is gone (trimmed out of the history window): keep it as a call with
          // unknown parameters so the model still sees what the tool said.
          const response = openResponse ?? { type: 'model' as const, response: [] };
          if (!openResponse) history.push(response);
          response.response.push({
            type: 'functionCall',
            name: message.name,
            params: {},
            result: parseResult(message.content),
          });
          openResponse = response;
        }
        break;
      }
    }
  }
  const last = history.at(-1);
  if (!last || last.type !== 'model' || !openResponse) history.push({ type: 'model', response: [] });
  return history;
}

/** Tool specs as node-llama-cpp functions; their JSON schemas become grammars for the arguments. */
export function toLlamaFunctions(tools: ToolSpec[] | undefined): LlamaFunctions | undefined {
  if (!tools?.length) return undefined;
  const functions: LlamaFunctions = {};
  for (const tool of tools) {
    const hasParams = Object.keys((tool.parameters.properties as object | undefined) ?? {}).length > 0;
    functions[tool.name] = { description: tool.description, params: hasParams ? tool.parameters : undefined };
  }
  return functions;
}

/** Arguments are JSON text in Hearth; node-llama-cpp keeps the parsed object. */
function parseArguments(text: string): unknown {
  try {
    return text.trim() ? JSON.parse(text) : {};
  } catch {
    return text;
  }
}

/** Tool results are usually JSON; a plain-text result stays a string. */
function parseResult(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
