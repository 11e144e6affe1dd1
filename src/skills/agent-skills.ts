/**
 * Which skills an agent may use — the one place this rule lives. The engine offers these as tools
 * and the skill host refuses calls outside them.
 */
import type { HearthConfig } from '../core/config.js';
import { BUILTIN_SKILLS } from './builtin/index.js';

/** The agent's configured `skills`, else the built-ins for the default agent and none for the others. */
export function skillsOfAgent(agents: HearthConfig['agents'], agent: string): readonly string[] {
  const configured = agents[agent]?.skills;
  if (configured) return configured;
  return agent === 'default' ? BUILTIN_SKILLS : [];
}
