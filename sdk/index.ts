/**
 * Hearth skill SDK. Write a skill once with `defineSkill`, serve it with `serveHttp`, `serveGrpc`
 * or `runSkill` (which picks the protocol Hearth asked for through HEARTH_SKILL_PROTOCOL).
 */
export { defineSkill, runExecute, toSkillResult, READY_PREFIX } from './skill.js';
export type { Skill, SkillCall, SkillContext, SkillOutput, SkillResult } from './skill.js';
export { serveHttp } from './http-server.js';
export type { HttpServeOptions } from './http-server.js';
export { runSkill } from './run.js';
