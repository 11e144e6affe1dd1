/**
 * The OpenAPI document (`GET /openapi.json`): an OpenAPI 3.1 document that a well-kept validator
 * accepts and that lists every route the gateway registers, with the schemas the routes declare.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import SwaggerParser from '@apidevtools/swagger-parser';
import type { OpenAPIV3_1 } from 'openapi-types';
import { startGateway, type InProcessGateway } from './in-process.js';

/** Fastify's `/admin/models/:id` is OpenAPI's `/admin/models/{id}`. */
const openapiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

describe('the OpenAPI document', () => {
  let g: InProcessGateway;
  let doc: OpenAPIV3_1.Document;
  before(async () => {
    // Every optional surface on, so every kind of route the gateway can register is registered.
    g = await startGateway(
      [
        'voice:\n  enabled: true\n  asr:\n    phrases: [what time is it]',
        'canvas:\n  enabled: true',
        'security:\n  oidc:\n    issuer: http://127.0.0.1:9/\n    clientId: hearth\n' +
          '    redirectUri: http://127.0.0.1:9/auth/oidc/callback\n    allowInsecureHttp: true',
        '',
      ].join('\n'),
      {
        channels: [
          'telegram:\n  token: "123:abc"\n  mode: webhook\n  webhook: { url: "https://example.test/hook", secretToken: s3cret }',
          'whatsapp:\n  mode: cloud\n  cloud:\n    phoneNumberId: "1"\n    accessToken: t\n    appSecret: a\n    verifyToken: v' +
            '\n    graphApiBase: http://127.0.0.1:9',
          'slack:\n  mode: events\n  botToken: xoxb-x\n  signingSecret: s\n  apiUrl: http://127.0.0.1:9/api/',
          '',
        ].join('\n'),
      },
    );
    const res = await fetch(`${g.hearth.url}/openapi.json`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /application\/json/);
    doc = (await res.json()) as OpenAPIV3_1.Document;
  });
  after(() => g?.close());

  it('is OpenAPI 3.1 and validates', async () => {
    assert.equal(doc.openapi, '3.1.0');
    // validate() dereferences in place: give it a copy.
    await SwaggerParser.validate(structuredClone(doc) as never);
  });

  it('lists every route the gateway registers, with its method', () => {
    const routes = g.hearth.routes.filter((r) => r.method !== 'HEAD');
    assert.ok(routes.length > 30, `only ${routes.length} routes registered`);
    const missing = routes.filter((r) => !doc.paths?.[openapiPath(r.url)]?.[r.method.toLowerCase() as 'get']);
    assert.deepEqual(
      missing,
      [],
      `routes missing from the document: ${missing.map((r) => `${r.method} ${r.url}`).join(', ')}`,
    );
    for (const path of [
      '/webhooks/whatsapp',
      '/webhooks/slack',
      '/webhooks/telegram',
      '/auth/oidc/login',
      '/voice/offer',
      '/admin/stats',
      '/admin/approvals',
      '/admin/models',
      '/admin/models/{id}',
      '/v1/chat/completions',
      '/auth/login',
      '/admin/skills',
      '/openapi.json',
    ]) {
      assert.ok(doc.paths?.[path], `${path} is documented`);
    }
  });

  it('declares a response schema on every route (so each answer is documented)', () => {
    const without = g.hearth.routes.filter((r) => r.method !== 'HEAD' && !r.responseSchema);
    assert.deepEqual(
      without.map((r) => `${r.method} ${r.url}`),
      [],
      'routes without a response schema',
    );
    for (const [path, item] of Object.entries(doc.paths ?? {}))
      for (const [method, op] of Object.entries(item ?? {})) {
        const responses = (op as OpenAPIV3_1.OperationObject).responses ?? {};
        assert.ok(
          Object.keys(responses).some((s) => /^[123]/.test(s)),
          `${method} ${path} documents its success`,
        );
      }
  });

  it('carries the schemas the routes declare (request body, parameters, responses)', () => {
    const put = doc.paths!['/admin/models/default']!.put as OpenAPIV3_1.OperationObject;
    const body = (put.requestBody as OpenAPIV3_1.RequestBodyObject).content['application/json']
      .schema as OpenAPIV3_1.SchemaObject;
    assert.deepEqual(body.required, ['model']);
    assert.ok(put.responses?.['200'] && put.responses['4XX'], 'success and error responses');
    const params = (doc.paths!['/admin/models/{id}']!.delete as OpenAPIV3_1.OperationObject)
      .parameters as OpenAPIV3_1.ParameterObject[];
    assert.ok(params.some((p) => p.in === 'path' && p.name === 'id' && p.required));
    const login = doc.paths!['/auth/login']!.post as OpenAPIV3_1.OperationObject;
    const loginBody = (login.requestBody as OpenAPIV3_1.RequestBodyObject).content['application/json']
      .schema as OpenAPIV3_1.SchemaObject;
    assert.deepEqual(loginBody.required, ['username', 'password']);
  });
});
