/**
 * What a skill author implements: `init(config)`, `execute(call)`, `destroy()`.
 * The same object can be served over HTTP, gRPC or a sidecar Unix socket.
 */

/** Who a call is for. Skills key per-user state on `userId`. */
export interface SkillContext {
  conversationId: string;
  userId: string;
  agent: string;
}

/** One tool call: the tool name from the manifest and its parsed JSON arguments. */
export interface SkillCall {
  tool: string;
  arguments: Record<string, unknown>;
  context: SkillContext;
}

/** What goes back to the model. A plain string is shorthand for `{ content }`. */
export interface SkillResult {
  content: string;
  isError?: boolean;
}

/** Any other value (an object, a list, a number) reaches the model as its JSON. */
export type SkillOutput =
  SkillResult | string | number | boolean | null | readonly unknown[] | { readonly [key: string]: unknown };

export interface Skill {
  /** Called once after start with `skills.config.<name>` from Hearth's config. */
  init?(config: Record<string, unknown>): void | Promise<void>;
  /** Runs one tool call. Throwing is fine: Hearth turns it into a tool error for the model. */
  execute(call: SkillCall): SkillOutput | Promise<SkillOutput>;
  /** Called before the skill is stopped, upgraded or removed. */
  destroy?(): void | Promise<void>;
}

/** Identity helper that gives a skill object its type (and editor completion). */
export function defineSkill(skill: Skill): Skill {
  return skill;
}

/** Normalizes what `execute` returned or threw into a `SkillResult`. */
export async function runExecute(skill: Skill, call: SkillCall): Promise<SkillResult> {
  try {
    return toSkillResult(await skill.execute(call));
  } catch (err) {
    return { content: err instanceof Error ? err.message : String(err), isError: true };
  }
}

/** A string or `{ content: string }` as it is; anything else as JSON (never "[object Object]"). */
export function toSkillResult(out: unknown): SkillResult {
  if (typeof out === 'string') return { content: out };
  if (out && typeof out === 'object' && typeof (out as SkillResult).content === 'string') {
    return { content: (out as SkillResult).content, isError: (out as SkillResult).isError === true };
  }
  return { content: out === undefined ? '' : (JSON.stringify(out) ?? String(out)) };
}

/** The line a served skill prints on stdout so the host knows where to reach it. */
export const READY_PREFIX = 'HEARTH_SKILL_READY ';
