/**
 * Naming and relevance of the tools offered to the model. A tool is offered under its own name
 * when no other loaded skill has a tool of that name, else as `<skill>__<tool>` (which is always
 * accepted too). Tools whose skill declares triggers are offered only when the turn's text
 * matches one: fewer tool schemas, fewer prompt tokens.
 */
import type { ToolDeclaration } from './manifest.js';

/** OpenAI and Anthropic both require this of tool names. */
const toolNameRule = /^[a-zA-Z0-9_-]{1,64}$/;

export interface CatalogEntry {
  skill: string;
  tool: ToolDeclaration;
  /** The name the model sees and calls. */
  exposed: string;
}

/** Builds the name → tool map over all loaded skills. */
export function buildCatalog(
  skills: ReadonlyArray<{ name: string; tools: readonly ToolDeclaration[] }>,
): Map<string, CatalogEntry> {
  const owners = new Map<string, number>();
  for (const s of skills) for (const t of s.tools) owners.set(t.name, (owners.get(t.name) ?? 0) + 1);
  const catalog = new Map<string, CatalogEntry>();
  for (const s of skills) {
    for (const t of s.tools) {
      const qualified = `${s.name}__${t.name}`.slice(0, 64);
      const exposed = owners.get(t.name) === 1 && toolNameRule.test(t.name) ? t.name : qualified;
      catalog.set(exposed, { skill: s.name, tool: t, exposed });
      if (exposed !== qualified) catalog.set(qualified, { skill: s.name, tool: t, exposed });
    }
  }
  return catalog;
}

const compiled = new Map<string, RegExp>();

/**
 * A trigger is a keyword matched at a word start (case-insensitive), or `/regex/`. Keywords in
 * scripts without spaces between words (Chinese, Japanese) match anywhere.
 */
function triggerPattern(trigger: string): RegExp {
  let re = compiled.get(trigger);
  if (!re) {
    re =
      trigger.length > 2 && trigger.startsWith('/') && trigger.endsWith('/')
        ? new RegExp(trigger.slice(1, -1), 'i')
        : new RegExp(
            `${/^[A-Za-z0-9]/.test(trigger) ? '(^|[^\\p{L}\\p{N}_])' : ''}${trigger.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`,
            'iu',
          );
    compiled.set(trigger, re);
  }
  return re;
}

/** Whether a tool is relevant to the text: no triggers means always. */
export function isRelevant(triggers: readonly string[], text: string): boolean {
  if (triggers.length === 0) return true;
  return triggers.some((t) => triggerPattern(t).test(text));
}
