/**
 * Models in the admin API: list them (`GET /admin/models`), switch the default live
 * (`PUT /admin/models/default`, kept across restarts), add or replace one (`PUT /admin/models/:id`) and remove one added
 * that way (`DELETE /admin/models/:id`). Every change is announced on the bus so all replicas follow.
 */
import { z } from 'zod';
import { modelSpecSchema, type ModelSpec } from '../../../core/config.js';
import { ErrorCode, HearthError } from '../../../core/errors.js';
import type { GatewayDeps, GatewayPlugin } from '../../plugin.js';
import { jsonSchema, openObject, responses } from '../../route-schema.js';

export { AddedModels, effectiveCatalog, loadAddedModels } from './added-models.js';

const modelId = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,64}$' } },
} as const;
const switchBody = z.strictObject({ model: z.string().min(1) });

export const modelsPlugin: GatewayPlugin<Pick<GatewayDeps, 'models' | 'addedModels' | 'bus' | 'config'>> = async (
  app,
  deps,
) => {
  const { models, addedModels, bus } = deps;

  app.get(
    '/admin/models',
    {
      config: { role: 'viewer' },
      schema: {
        response: responses({
          200: openObject(
            {
              default: { type: ['string', 'null'] },
              fallback: { type: 'array', items: { type: 'string' } },
              models: {
                type: 'array',
                items: openObject({
                  id: { type: 'string' },
                  provider: { type: 'string' },
                  isDefault: { type: 'boolean' },
                }),
              },
            },
            ['default', 'fallback', 'models'],
          ),
        }),
      },
    },
    async () => ({ default: models.default ?? null, fallback: deps.config().models.fallback, models: models.list() }),
  );

  app.put<{ Body: z.infer<typeof switchBody> }>(
    '/admin/models/default',
    {
      config: { role: 'operator' },
      schema: {
        body: jsonSchema(switchBody),
        response: responses({ 200: openObject({ default: { type: 'string' } }, ['default']) }),
      },
    },
    async (req) => {
      const { model } = req.body;
      if (!models.has(model)) throw new HearthError(ErrorCode.unknownModel, `no model "${model}" in the catalog`, 404);
      await addedModels.chooseDefault(model);
      await bus.publishControl({ type: 'models.default', model });
      req.log.info({ model, actor: req.principal?.id }, 'admin switched the default model');
      return { default: models.default };
    },
  );

  app.put<{ Params: { id: string }; Body: ModelSpec }>(
    '/admin/models/:id',
    {
      config: { role: 'operator' },
      schema: {
        params: modelId,
        body: jsonSchema(modelSpecSchema),
        response: responses({
          200: openObject({ id: { type: 'string' }, default: { type: ['string', 'null'] } }, ['id']),
        }),
      },
    },
    async (req) => {
      // The JSON Schema cannot say everything zod checks (URLs, refinements): zod has the last word.
      const spec = modelSpecSchema.safeParse(req.body);
      if (!spec.success) {
        const i = spec.error.issues[0];
        throw new HearthError(ErrorCode.badRequest, `${i.path.join('.') || 'body'}: ${i.message}`, 400);
      }
      await addedModels.save(req.params.id, spec.data);
      await bus.publishControl({ type: 'models.changed' });
      req.log.info({ model: req.params.id, actor: req.principal?.id }, 'admin set a model');
      return { id: req.params.id, default: models.default ?? null };
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/admin/models/:id',
    {
      config: { role: 'operator' },
      schema: {
        params: { type: 'object', required: ['id'], properties: { id: { type: 'string' } } },
        response: responses({ 200: openObject({ removed: { type: 'string' } }, ['removed']) }),
      },
    },
    async (req) => {
      const { id } = req.params;
      if (id === models.default)
        throw new HearthError(ErrorCode.badRequest, 'switch the default to another model first', 409);
      if (!(await addedModels.remove(id)))
        throw new HearthError(ErrorCode.notFound, `no model "${id}" added through the API`, 404);
      await bus.publishControl({ type: 'models.changed' });
      return { removed: id };
    },
  );
};
