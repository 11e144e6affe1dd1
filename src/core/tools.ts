/**
 * The `ToolHost` seam: how the engine offers skills to the model and runs the tool calls it makes.
 * The skill host (`src/skills/`) implements it; the engine only knows this interface.
 */
import type { Attachment, ReplyTarget } from './message.js';
import type { ToolCall, ToolSpec } from './model-provider.js';

/** Who and where a tool call happens for: skills use it for per-user notes, reminders, approvals. */
export interface ToolContext {
  conversationId: string;
  userId: string;
  agent: string;
  /** Where the turn came from (reminders are delivered back there). */
  target: ReplyTarget;
  signal: AbortSignal;
}

export interface ToolResult {
  /** Text handed back to the model. */
  content: string;
  /** The call failed; `content` says why, in words the model can relay. */
  isError?: boolean;
  /** Files the tool made (stored in the BlobStore) that go out with the answer: a chart, a document. */
  attachments?: Attachment[];
}

export interface ToolHost {
  /** Tools offered for this turn: the agent's enabled skills, narrowed to those relevant to the text. */
  toolsFor(agentSkills: readonly string[], userText: string): ToolSpec[];
  /**
   * Whether a tool (by the name the model calls) is sensitive: it sends messages to others, writes
   * files, spends money or drives devices (manifest `sensitive`, MCP `destructiveHint`). The engine
   * runs such a call only after approval (src/approvals), under the agent's `approval` policy.
   */
  isSensitive(toolName: string): boolean;
  /** Runs one call. Never throws: failures come back as `isError` results. */
  execute(call: ToolCall, ctx: ToolContext): Promise<ToolResult>;
}
