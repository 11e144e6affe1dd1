/**
 * Client-defined tools (the OpenAI-compatible API's `tools` and `tool_choice`): which tools a model
 * call offers, and which of the calls it makes go back to the client instead of running here.
 *
 * The rule when one step calls both kinds: the client's calls are returned and none of the agent's
 * calls of that step run. The API keeps no state between requests, so a result of the agent's own
 * tool could not be carried into the client's follow-up; the model, seeing the client's results
 * there, calls the agent's tool again if it still needs it (nothing runs twice).
 */
import type { ClientTools } from '../core/message.js';
import type { ChatRequest, ToolCall, ToolSpec } from '../core/model-provider.js';

/** The tools a turn offers: the agent's, then the client's (a client tool shadows an agent tool of the same name). */
export function offeredTools(agentTools: ToolSpec[], client: ClientTools | undefined): ToolSpec[] {
  if (!client?.tools.length || client.choice === 'none') return agentTools;
  const names = new Set(client.tools.map((t) => t.name));
  return [...agentTools.filter((t) => !names.has(t.name)), ...client.tools];
}

/**
 * What the turn's first model call offers and forces: a named client tool is the only tool offered
 * (so a provider that cannot force a choice still can only call it), `required` forces any call.
 */
export function firstCall(
  tools: ToolSpec[],
  client: ClientTools | undefined,
): { tools: ToolSpec[]; toolChoice?: ChatRequest['toolChoice'] } {
  const choice = client?.choice;
  if (choice === 'required') return { tools, toolChoice: 'required' };
  if (choice && typeof choice === 'object') {
    return { tools: tools.filter((t) => t.name === choice.name), toolChoice: { name: choice.name } };
  }
  return { tools };
}

/** The calls of a step that belong to the client (empty when it called only the agent's tools). */
export function clientCalls(calls: ToolCall[], client: ClientTools | undefined): ToolCall[] {
  if (!client?.tools.length || client.choice === 'none') return [];
  const names = new Set(client.tools.map((t) => t.name));
  return calls.filter((c) => names.has(c.name));
}
