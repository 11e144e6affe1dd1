/**
 * Agents in the admin API: list them with their effective model and skills and where each comes
 * from (`GET /admin/agents`), switch an agent's model live (`PUT /admin/agents/:id/model`) and
 * enable or disable a skill for one agent (`PUT /admin/agents/:id/skills/:name`). Both changes
 * are kept across restarts and config reloads until hearth.yml's own value for that agent is
 * edited, are announced on the bus so every replica follows, and are written to the audit log.
 */
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ErrorCode, HearthError } from '../../../core/errors.js';
import type { GatewayDeps, GatewayPlugin } from '../../plugin.js';
import { jsonSchema, openObject, responses } from '../../route-schema.js';
import type { AgentSkillChoices } from './skill-choices.js';

export { AgentSkillChoices } from './skill-choices.js';

const modelBody = z.strictObject({ model: z.string().min(1).describe('Catalog id') });
const skillBody = z.strictObject({ enabled: z.boolean() });
const byId = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 128 } },
} as const;
const byIdAndSkill = {
  type: 'object',
  required: ['id', 'name'],
  properties: { id: byId.properties.id, name: { type: 'string', minLength: 1, maxLength: 128 } },
} as const;

const agentView = openObject(
  {
    id: { type: 'string' },
    model: { type: ['string', 'null'] },
    modelSource: { type: 'string', enum: ['admin', 'file', 'default'] },
    skills: { type: 'array', items: { type: 'string' } },
    skillOverrides: { type: 'object', additionalProperties: { type: 'boolean' } },
  },
  ['id', 'model', 'modelSource', 'skills', 'skillOverrides'],
);

export const agentsPlugin: GatewayPlugin<
  Pick<GatewayDeps, 'models' | 'addedModels' | 'bus' | 'config' | 'security' | 'skills'> & {
    agentSkills: AgentSkillChoices;
  }
> = async (app, deps) => {
  const { models, addedModels, agentSkills, bus, security } = deps;

  /** The agents there are: those in hearth.yml, and `default`, which always answers. */
  const agentIds = () => [...new Set(['default', ...Object.keys(deps.config().agents)])].sort();
  const known = (id: string) => {
    if (!agentIds().includes(id)) throw new HearthError(ErrorCode.notFound, `no agent "${id}" in the config`, 404);
  };
  const installed = () => deps.skills?.list().map((s) => s.name) ?? [];
  const view = (id: string) => {
    const { model, source } = addedModels.agentModel(id);
    return {
      id,
      model: model ?? models.default ?? null,
      modelSource: source,
      skills: [...agentSkills.skillsOf(id, installed)],
      skillOverrides: agentSkills.overrides(id),
    };
  };
  const audit = (req: FastifyRequest<{ Params: { id: string } }>, action: string, detail: Record<string, unknown>) =>
    security.audit.record({
      actor: req.principal?.id ?? 'anonymous',
      action,
      target: req.params.id,
      ip: security.clientIp(req),
      result: 'ok',
      detail,
    });

  app.get(
    '/admin/agents',
    {
      config: { role: 'viewer' },
      schema: {
        summary:
          'The agents with their effective model and skills, and where the model comes from (file, admin change or the default)',
        response: responses({ 200: openObject({ agents: { type: 'array', items: agentView } }, ['agents']) }),
      },
    },
    async () => ({ agents: agentIds().map(view) }),
  );

  app.put<{ Params: { id: string }; Body: z.infer<typeof modelBody> }>(
    '/admin/agents/:id/model',
    {
      config: { role: 'operator' },
      schema: {
        summary: "Switches an agent's model live and across restarts (until hearth.yml's agents.<id>.model is edited)",
        params: byId,
        body: jsonSchema(modelBody),
        response: responses({ 200: openObject({ agent: agentView }, ['agent']) }),
      },
    },
    async (req) => {
      const { id } = req.params;
      const { model } = req.body;
      known(id);
      if (!models.has(model)) throw new HearthError(ErrorCode.unknownModel, `no model "${model}" in the catalog`, 400);
      const before = addedModels.agentModel(id).model ?? models.default ?? null;
      await addedModels.chooseAgentModel(id, model);
      await bus.publishControl({ type: 'agents.model' });
      await audit(req, 'agent.model', { model, previous: before });
      req.log.info({ agent: id, model, actor: req.principal?.id }, "admin switched an agent's model");
      return { agent: view(id) };
    },
  );

  app.put<{ Params: { id: string; name: string }; Body: z.infer<typeof skillBody> }>(
    '/admin/agents/:id/skills/:name',
    {
      config: { role: 'operator' },
      schema: {
        summary: 'Enables or disables one skill for one agent, live and across restarts',
        params: byIdAndSkill,
        body: jsonSchema(skillBody),
        response: responses({ 200: openObject({ agent: agentView }, ['agent']) }),
      },
    },
    async (req) => {
      const { id, name } = req.params;
      const { enabled } = req.body;
      known(id);
      // Where the skill host runs in this process, the name must be an installed skill.
      if (deps.skills && !installed().includes(name))
        throw new HearthError(ErrorCode.notFound, `no skill "${name}" is installed`, 404);
      await agentSkills.set(id, name, enabled);
      await bus.publishControl({ type: 'agents.skills' });
      await audit(req, enabled ? 'agent.skill.enable' : 'agent.skill.disable', { skill: name });
      req.log.info(
        { agent: id, skill: name, enabled, actor: req.principal?.id },
        'admin changed the skills of an agent',
      );
      return { agent: view(id) };
    },
  );
};
