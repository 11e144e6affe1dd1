/**
 * Route schemas are compiled on each route's first request (src/gateway/lazy-schemas.ts). What a
 * client sees must not change: request validation (body, query coercion, header names in any
 * case), the 400 it answers, and response serialization (fields the schema does not list dropped).
 * And every route of a real gateway has schemas that compile.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { pino } from 'pino';
import { configSchema } from '../../src/core/config.js';
import { buildHttpApp } from '../../src/gateway/http-app.js';
import { compileAllSchemas, lazySchemasActive } from '../../src/gateway/lazy-schemas.js';
import { startGateway, type InProcessGateway } from './in-process.js';

describe('lazily compiled route schemas', () => {
  const app = buildHttpApp(configSchema.parse({}), pino({ level: 'silent' }), () => false);
  app.post<{ Body: { name: string }; Querystring: { n: number } }>(
    '/t',
    {
      schema: {
        headers: {
          type: 'object',
          required: ['X-Caller'],
          properties: { 'X-Caller': { type: 'string', minLength: 3 } },
        },
        querystring: { type: 'object', properties: { n: { type: 'integer' } } },
        body: {
          type: 'object',
          required: ['name'],
          additionalProperties: false,
          properties: { name: { type: 'string' } },
        },
        response: {
          200: {
            type: 'object',
            properties: { name: { type: 'string' }, n: { type: 'integer' }, nType: { type: 'string' } },
          },
        },
      },
    },
    async (req) => ({ name: req.body.name, n: req.query.n, nType: typeof req.query.n, secret: 'not in the schema' }),
  );
  after(() => app.close());
  const post = (body: unknown, headers: Record<string, string> = { 'x-caller': 'abc' }, query = '?n=7') =>
    app.inject({ method: 'POST', url: `/t${query}`, headers, payload: body as object });

  it('wraps Fastify’s own compilers on this version of Fastify', () => {
    assert.ok(lazySchemasActive(app), 'the schema controller was found: validators are lazy');
  });

  it('validates, coerces and serializes exactly as the eager compilers did', async () => {
    const ok = await post({ name: 'Ada' });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.deepEqual(ok.json(), { name: 'Ada', n: 7, nType: 'number' }, 'query coerced, unlisted field dropped');
    const again = await post({ name: 'Bob' });
    assert.deepEqual(again.json(), { name: 'Bob', n: 7, nType: 'number' });

    const extra = await post({ name: 'Ada', admin: true });
    assert.equal(extra.statusCode, 400);
    assert.match(extra.body, /must NOT have additional properties/);
    const missing = await post({});
    assert.equal(missing.statusCode, 400);
    assert.match(missing.body, /body must have required property 'name'/);
    const badQuery = await post({ name: 'Ada' }, undefined, '?n=seven');
    assert.equal(badQuery.statusCode, 400);
    assert.match(badQuery.body, /querystring\/n must be integer/);

    // A header schema written with capitals matches the lower-cased header names Node gives.
    const shortHeader = await post({ name: 'Ada' }, { 'X-Caller': 'ab' });
    assert.equal(shortHeader.statusCode, 400);
    assert.match(shortHeader.body, /headers\/x-caller must NOT have fewer than 3 characters/);
    assert.equal((await post({ name: 'Ada' }, {})).statusCode, 400);
  });
});

describe('the schemas of every gateway route', () => {
  let gw: InProcessGateway;
  after(() => gw?.close());

  it('all compile (a broken one would only fail at its first request)', async () => {
    gw = await startGateway();
    const compiled = compileAllSchemas();
    assert.ok(compiled > 100, `only ${compiled} schemas were pending`);
    assert.equal(compileAllSchemas(), 0, 'nothing left');
  });
});
