/**
 * Skill administration under `/admin/skills` (list, ZIP upload, enable/disable, remove), defined in
 * src/skills/admin-routes.ts. Every route needs at least the operator role, reads included.
 * Mounted only where the skill host runs (the engine role in the same process).
 */
import { registerSkillRoutes, type SkillHost } from '../../skills/index.js';
import type { GatewayDeps, GatewayPlugin } from '../plugin.js';

export const skillsAdminPlugin: GatewayPlugin<
  Pick<GatewayDeps, 'requireRole' | 'config'> & { skills?: SkillHost }
> = async (app, deps) => {
  const skills = deps.skills;
  if (!skills) return;
  // Stricter than the /admin default (viewer for reads): the skill list shows what code runs.
  app.addHook('preHandler', deps.requireRole('operator'));
  await registerSkillRoutes(app, skills, { uploadLimit: deps.config().server.uploadLimit });
};
