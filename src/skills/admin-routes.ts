/**
 * Admin routes for skills. The caller registers this inside a scope that already enforces admin
 * auth; this plugin only adds routes (and multipart parsing, encapsulated to its own scope).
 *   POST   /admin/skills               multipart: ZIP in `file`, optional `signature` (base64 ed25519)
 *   GET    /admin/skills               list
 *   POST   /admin/skills/:name/enable  | /disable
 *   DELETE /admin/skills/:name
 * Upgrading is uploading a higher version. Errors: `{ error: { code, message } }`.
 */
import multipart from '@fastify/multipart';
import type { FastifyError, FastifyInstance } from 'fastify';
import { ErrorCode, HearthError } from '../core/errors.js';
import { emptyResponse, openObject, responses } from '../core/route-schema.js';
import type { SkillHost } from './host.js';

/** Maps any failure to Hearth's JSON error shape and a fitting status. */
function errorBody(err: FastifyError | HearthError | Error): { status: number; code: string; message: string } {
  if (err instanceof HearthError) return { status: err.httpStatus, code: err.code, message: err.message };
  const fe = err as FastifyError;
  if (fe.code === 'FST_REQ_FILE_TOO_LARGE' || fe.statusCode === 413)
    return { status: 413, code: ErrorCode.tooLarge, message: 'the upload is larger than the limit' };
  if (fe.statusCode && fe.statusCode < 500)
    return { status: fe.statusCode, code: ErrorCode.badRequest, message: fe.message };
  return { status: 500, code: ErrorCode.internal, message: 'internal error' };
}

const skill = openObject({ name: { type: 'string' }, version: { type: 'string' }, enabled: { type: 'boolean' } }, [
  'name',
]);
const oneSkill = responses({ 200: openObject({ skill }, ['skill']) });
const byName = {
  type: 'object',
  required: ['name'],
  properties: { name: { type: 'string', minLength: 1, maxLength: 128 } },
} as const;

/** Adds the skill admin routes to `app`. */
export async function registerSkillRoutes(
  app: FastifyInstance,
  host: SkillHost,
  opts: { uploadLimit: number },
): Promise<void> {
  await app.register(async (scope) => {
    await scope.register(multipart, {
      limits: { fileSize: opts.uploadLimit, files: 1, fields: 4, fieldSize: 16 * 1024, parts: 6 },
    });
    scope.setErrorHandler((err: FastifyError, req, reply) => {
      const { status, code, message } = errorBody(err);
      if (status >= 500) req.log.error({ err }, 'skill admin route failed');
      else req.log.warn({ code, reason: message }, 'skill admin request rejected');
      return reply.code(status).send({ error: { code, message } });
    });

    scope.get(
      '/admin/skills',
      {
        schema: {
          summary: 'The installed skills',
          response: responses({ 200: openObject({ skills: { type: 'array', items: skill } }, ['skills']) }),
        },
      },
      async () => ({ skills: host.list() }),
    );

    scope.post(
      '/admin/skills',
      {
        schema: {
          summary: 'Installs or upgrades a skill from a ZIP',
          description:
            'multipart/form-data: the ZIP in field `file`, optionally an ed25519 `signature` (base64). ' +
            'A manifest or package that does not validate is refused with 400 and the reason.',
          consumes: ['multipart/form-data'],
          response: responses({
            200: { description: 'An installed skill upgraded', ...openObject({ skill }, ['skill']) },
            201: { description: 'A new skill installed', ...openObject({ skill }, ['skill']) },
          }),
        },
      },
      async (req, reply) => {
        if (!req.isMultipart())
          throw new HearthError(ErrorCode.badRequest, 'send multipart/form-data with the ZIP in field `file`', 400);
        let zip: Buffer | undefined;
        let signature: string | undefined;
        for await (const part of req.parts()) {
          if (part.type === 'file') {
            if (part.fieldname !== 'file')
              throw new HearthError(ErrorCode.badRequest, `unexpected file field ${part.fieldname}`, 400);
            zip = await part.toBuffer();
          } else if (part.fieldname === 'signature') {
            signature = String(part.value);
          }
        }
        if (!zip) throw new HearthError(ErrorCode.badRequest, 'no file: put the ZIP in field `file`', 400);
        const existing = new Set(host.list().map((s) => s.name));
        const skill = await host.install(zip, signature);
        // 201 for a new skill, 200 for an upgrade of one already installed.
        return reply.code(existing.has(skill.name) ? 200 : 201).send({ skill });
      },
    );

    scope.post<{ Params: { name: string } }>(
      '/admin/skills/:name/enable',
      { schema: { summary: 'Enables a skill', params: byName, response: oneSkill } },
      async (req) => ({ skill: await host.setEnabled(req.params.name, true) }),
    );
    scope.post<{ Params: { name: string } }>(
      '/admin/skills/:name/disable',
      { schema: { summary: 'Disables a skill', params: byName, response: oneSkill } },
      async (req) => ({ skill: await host.setEnabled(req.params.name, false) }),
    );
    scope.delete<{ Params: { name: string } }>(
      '/admin/skills/:name',
      { schema: { summary: 'Removes a skill', params: byName, response: responses({ 204: emptyResponse }) } },
      async (req, reply) => {
        await host.remove(req.params.name);
        return reply.code(204).send();
      },
    );
  });
}
