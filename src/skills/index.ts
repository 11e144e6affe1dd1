/**
 * Skills: the plugin host and its runtimes. The composition root calls `createSkillHost`, then
 * `start()`, hands the host to the engine as its `ToolHost`, and mounts `registerSkillRoutes`
 * inside the admin-authenticated scope.
 */
import type { HearthConfig } from '../core/config.js';
import { SkillHost, type SkillHostDeps } from './host.js';

export { SkillHost } from './host.js';
export type { SkillInfo, SkillHostDeps, SkillSource } from './host.js';
export { registerSkillRoutes } from './admin-routes.js';
export { BUILTIN_SKILLS } from './builtin/index.js';
export { skillsOfAgent } from './agent-skills.js';
export type { SkillManifest, ToolDeclaration } from './manifest.js';

/**
 * Creates the skill host (nothing runs until `start()`). `agentSkills`, when given, lets the
 * host refuse calls to skills the calling agent has not enabled.
 */
export async function createSkillHost(config: HearthConfig['skills'], deps: SkillHostDeps): Promise<SkillHost> {
  return new SkillHost(config, deps);
}
