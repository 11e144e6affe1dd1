/**
 * In-process runtime ("static" skills built into the image, and the built-ins): the skill is a
 * module in Hearth's own process. Only trusted code runs this way — uploads never do.
 */
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import type { ToolContext, ToolResult } from '../../../core/tools.js';
import type { RuntimeCall, SkillRuntime } from '../../runtime.js';

/** What an in-process skill module implements (its default export, or the object a factory returns). */
export interface InProcessSkill {
  init?(config: Record<string, unknown>): void | Promise<void>;
  execute(call: {
    tool: string;
    arguments: Record<string, unknown>;
    context: ToolContext;
    signal: AbortSignal;
  }): Promise<ToolResult | string> | ToolResult | string;
  destroy?(): void | Promise<void>;
  /** A skill holding a connection (the MQTT broker) reports it: `ready` when usable, else e.g. `reconnecting`. */
  state?(): string;
  /** How often that connection was re-established. */
  restarts?(): number;
}

export class InProcessRuntime implements SkillRuntime {
  private status = 'starting';

  constructor(private readonly skill: InProcessSkill) {}

  async start(config: Record<string, unknown>): Promise<void> {
    await this.skill.init?.(config);
    this.status = 'ready';
  }

  async execute(call: RuntimeCall): Promise<ToolResult> {
    const out: unknown = await this.skill.execute(call);
    if (typeof out === 'string') return { content: out };
    if (out && typeof out === 'object' && typeof (out as ToolResult).content === 'string') return out as ToolResult;
    // A skill returning a number, a plain object or nothing: give the model that value, not a TypeError.
    return { content: out === undefined ? '' : (JSON.stringify(out) ?? String(out)) };
  }

  async stop(): Promise<void> {
    this.status = 'stopped';
    await Promise.resolve(this.skill.destroy?.()).catch(() => undefined);
  }

  state(): string {
    return this.status === 'ready' ? (this.skill.state?.() ?? 'ready') : this.status;
  }

  restarts(): number {
    return this.skill.restarts?.() ?? 0;
  }
}

/** Loads a static skill's module (`entry` in its folder): a default export object or factory. */
export async function loadSkillModule(dir: string, entry: string): Promise<InProcessSkill> {
  const mod = (await import(pathToFileURL(join(dir, entry)).href)) as { default?: unknown };
  const exported = mod.default;
  const skill = typeof exported === 'function' ? await (exported as () => unknown)() : exported;
  if (!skill || typeof (skill as InProcessSkill).execute !== 'function') {
    throw new Error(`${entry} must export default an object with execute()`);
  }
  return skill as InProcessSkill;
}
