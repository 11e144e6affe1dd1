/** A Fastify app with only the skill admin routes, around a test host. */
import Fastify, { type FastifyInstance } from 'fastify';
import type { ConfigInput } from '../../src/core/config.js';
import { registerSkillRoutes } from '../../src/skills/index.js';
import { startTestHost, type TestHost } from './host-fixture.js';
import { multipartBody } from './zip-builder.js';
import type { Json } from '../json.js';

export interface AdminFixture extends TestHost {
  app: FastifyInstance;
  upload(zip: Buffer, fields?: Record<string, string>): Promise<{ status: number; body: Json }>;
  close(): Promise<void>;
}

export async function startAdmin(
  skills: NonNullable<ConfigInput['skills']> = {},
  uploadLimit = 5 * 1024 * 1024,
  dataDir?: string,
): Promise<AdminFixture> {
  const t = await startTestHost(skills, dataDir);
  const app = Fastify();
  await registerSkillRoutes(app, t.host, { uploadLimit });
  await app.ready();
  return {
    ...t,
    app,
    upload: async (zip, fields) => {
      const res = await app.inject({ method: 'POST', url: '/admin/skills', ...multipartBody(zip, fields) });
      return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : undefined };
    },
    close: async () => {
      await app.close();
      await t.close();
    },
  };
}
