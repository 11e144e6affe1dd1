/**
 * The `SkillRuntime` seam: one running skill, however it runs (in process, child process over
 * HTTP or gRPC, sidecar socket, MCP server). The host owns timeouts, logging and naming; a
 * runtime only starts, executes, recovers and stops.
 */
import type { ToolContext, ToolResult } from '../core/tools.js';
import type { ToolDeclaration } from './manifest.js';

/** One tool call as a runtime receives it: arguments already parsed. */
export interface RuntimeCall {
  tool: string;
  arguments: Record<string, unknown>;
  context: ToolContext;
  /** Aborted on timeout or when the turn is cancelled. */
  signal: AbortSignal;
}

export interface SkillRuntime {
  /** Spawns or connects, then calls the skill's init with its config. Rejects if it cannot. */
  start(config: Record<string, unknown>): Promise<void>;
  /** Tools found at start (MCP servers list their own); undefined: the manifest's tools. */
  discoveredTools?(): ToolDeclaration[] | undefined;
  /** Runs one call. May throw; the host turns throws into tool errors. */
  execute(call: RuntimeCall): Promise<ToolResult>;
  /** A call overran its timeout: the skill is presumed stuck. Process runtimes kill and restart it. */
  recover?(reason: string): void;
  /** Calls destroy and releases everything (child processes, sockets, timers). Never rejects. */
  stop(): Promise<void>;
  /** `ready`, `starting`, `restarting`, `stopped`, `failed`. */
  state(): string;
  /** How many times the skill process was restarted after a crash, hang or flood. */
  restarts(): number;
}

/** The parts of the tool context an out-of-process skill receives. */
export function wireContext(ctx: ToolContext): { conversationId: string; userId: string; agent: string } {
  return { conversationId: ctx.conversationId, userId: ctx.userId, agent: ctx.agent };
}
