/**
 * Naming and relevance of the tools offered to the model. A tool is offered under its own name
 * when no other loaded skill has a tool of that name, else as `<skill>__<tool>` (which is always
 * accepted too). Tools whose skill declares triggers are offered only when the turn's text
 * matches one: fewer tool schemas, fewer prompt tokens.
 */
import { isRegexTrigger, type ToolDeclaration } from './manifest.js';

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

const escape = (keyword: string) => keyword.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * One list of triggers as at most two keyword patterns plus one per `/regex/` (case-insensitive).
 * A keyword that starts with an ASCII letter or digit matches at a word start; the others (Chinese
 * or Japanese words, written without spaces between words) match anywhere. Each group is one
 * alternation: every turn tests every tool's triggers, one scan per group instead of one per keyword.
 */
function compile(triggers: readonly string[]): RegExp[] {
  const atWordStart: string[] = [];
  const anywhere: string[] = [];
  const patterns: RegExp[] = [];
  for (const t of triggers) {
    if (isRegexTrigger(t)) patterns.push(new RegExp(t.slice(1, -1), 'i'));
    else (/^[A-Za-z0-9]/.test(t) ? atWordStart : anywhere).push(escape(t));
  }
  if (atWordStart.length) patterns.unshift(new RegExp(`(?:^|[^\\p{L}\\p{N}_])(?:${atWordStart.join('|')})`, 'iu'));
  if (anywhere.length) patterns.unshift(new RegExp(`(?:${anywhere.join('|')})`, 'iu'));
  return patterns;
}

/** The compiled patterns of each trigger list, by the list (manifests are not changed in place). */
const compiled = new WeakMap<readonly string[], RegExp[]>();

/** Whether a tool is relevant to the text: no triggers means always. */
export function isRelevant(triggers: readonly string[], text: string): boolean {
  if (triggers.length === 0) return true;
  let patterns = compiled.get(triggers);
  if (!patterns) {
    patterns = compile(triggers);
    compiled.set(triggers, patterns);
  }
  return patterns.some((re) => re.test(text));
}
