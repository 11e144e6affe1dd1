/**
 * The error code a client gets is the code in the request's log line, on every error path of the
 * HTTP API: validation, authentication, roles, the browser guard, unknown routes and models,
 * conflicts, size limits, rate limits, model failures, skills and auth routes.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { bearer, issueToken, startGateway, TOKEN, type InProcessGateway } from './in-process.js';

const json = { 'content-type': 'application/json' };

describe('error codes: response and log line agree', () => {
  let g: InProcessGateway;
  let viewer: string;
  const checked: string[] = [];

  before(async () => {
    g = await startGateway(
      'models:\n  retries: 0\nsecurity:\n  rateLimit:\n    ip: { limit: 40, windowSec: 60 }\n    login: { limit: 2, windowSec: 60 }\n',
    );
    viewer = await issueToken(g.hearth.url, 'viewer');
  });
  after(() => g.close());

  /** Sends one request; asserts the status, and that the body's code is the log line's code. */
  async function expectError(
    name: string,
    status: number,
    code: string,
    path: string,
    init: RequestInit = {},
  ): Promise<void> {
    const requestId = randomUUID();
    const res = await fetch(g.hearth.url + path, {
      ...init,
      headers: { ...(init.headers as Record<string, string>), 'x-request-id': requestId },
    });
    const body = (await res.json()) as { error: { code: string } };
    assert.equal(res.status, status, `${name}: status`);
    assert.equal(body.error.code, code, `${name}: response code`);
    let line: Record<string, unknown> | undefined;
    for (let i = 0; i < 50 && !line; i++) {
      line = g.logs.find((l) => l.msg === 'request' && l.requestId === requestId);
      if (!line) await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(line, `${name}: no request log line`);
    assert.equal(line.statusCode, status, `${name}: logged status`);
    assert.equal(
      line.errorCode,
      body.error.code,
      `${name}: the log line says ${String(line.errorCode)}, the response ${body.error.code}`,
    );
    checked.push(name);
  }

  it('on the admin API', async () => {
    const admin = { ...json, ...bearer(TOKEN) };
    await expectError('no credential', 401, 'HEARTH_E_UNAUTHORIZED', '/admin/models');
    await expectError('forged credential', 401, 'HEARTH_E_UNAUTHORIZED', '/admin/models', {
      headers: bearer('not-the-token'),
    });
    await expectError('role too low', 403, 'HEARTH_E_FORBIDDEN', '/admin/models/default', {
      method: 'PUT',
      headers: { ...json, ...bearer(viewer) },
      body: '{"model":"env"}',
    });
    await expectError('foreign origin', 403, 'HEARTH_E_FORBIDDEN', '/admin/models/default', {
      method: 'PUT',
      headers: { ...admin, origin: 'https://evil.example' },
      body: '{"model":"env"}',
    });
    await expectError('malformed JSON', 400, 'HEARTH_E_BAD_REQUEST', '/admin/models/default', {
      method: 'PUT',
      headers: admin,
      body: '{"model":',
    });
    await expectError('schema violation', 400, 'HEARTH_E_BAD_REQUEST', '/admin/models/default', {
      method: 'PUT',
      headers: admin,
      body: '{}',
    });
    await expectError('unknown model', 404, 'HEARTH_E_UNKNOWN_MODEL', '/admin/models/default', {
      method: 'PUT',
      headers: admin,
      body: '{"model":"nope"}',
    });
    await expectError('invalid model spec', 400, 'HEARTH_E_BAD_REQUEST', '/admin/models/extra', {
      method: 'PUT',
      headers: admin,
      body: '{"provider":"openai"}',
    });
    await expectError('a typo in a model spec is not ignored', 400, 'HEARTH_E_BAD_REQUEST', '/admin/models/extra', {
      method: 'PUT',
      headers: admin,
      body: '{"provider":"openai","model":"x","temprature":1}',
    });
    await expectError('removing the default', 409, 'HEARTH_E_BAD_REQUEST', '/admin/models/env', {
      method: 'DELETE',
      headers: admin,
    });
    await expectError('removing an unknown model', 404, 'HEARTH_E_NOT_FOUND', '/admin/models/ghost', {
      method: 'DELETE',
      headers: admin,
    });
    await expectError('unknown pairing code', 404, 'HEARTH_E_NOT_FOUND', '/admin/pairings/ABCDEFGH/approve', {
      method: 'POST',
      headers: admin,
    });
    await expectError('bad query', 400, 'HEARTH_E_BAD_REQUEST', '/admin/conversations?limit=-1', { headers: admin });
    await expectError('no QR pending', 404, 'HEARTH_E_NOT_FOUND', '/admin/channels/whatsapp/qr', { headers: admin });
    await expectError('skill upload without multipart', 400, 'HEARTH_E_BAD_REQUEST', '/admin/skills', {
      method: 'POST',
      headers: admin,
      body: '{}',
    });
    await expectError('unknown skill', 404, 'HEARTH_E_NOT_FOUND', '/admin/skills/ghost/enable', {
      method: 'POST',
      headers: admin,
    });
    await expectError('token issue without a body', 400, 'HEARTH_E_BAD_REQUEST', '/admin/tokens', {
      method: 'POST',
      headers: admin,
      body: '{}',
    });
    await expectError('unknown route', 404, 'HEARTH_E_NOT_FOUND', '/admin/nothing-here', { headers: admin });
  });

  it('on the OpenAI-compatible API', async () => {
    const api = { ...json, ...bearer(TOKEN) };
    await expectError('API without a credential', 401, 'HEARTH_E_UNAUTHORIZED', '/v1/chat/completions', {
      method: 'POST',
      headers: json,
      body: '{}',
    });
    await expectError('API bad request', 400, 'HEARTH_E_BAD_REQUEST', '/v1/chat/completions', {
      method: 'POST',
      headers: api,
      body: '{"messages":[]}',
    });
    await expectError('API body too large', 413, 'HEARTH_E_TOO_LARGE', '/v1/chat/completions', {
      method: 'POST',
      headers: api,
      body: JSON.stringify({ messages: [{ role: 'user', content: 'x'.repeat(1024 * 1024 + 10) }] }),
    });
    g.fake.setReply(() => ({ status: 500, errorMessage: 'boom' }));
    try {
      await expectError('model failed', 502, 'HEARTH_E_MODEL_FAILED', '/v1/chat/completions', {
        method: 'POST',
        headers: api,
        body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }),
      });
    } finally {
      g.fake.setReply((body) => ({ text: `You said: ${body.messages.at(-1).content}` }));
    }
  });

  it('on the auth routes and the rate limits', async () => {
    await expectError('auth/me without a credential', 401, 'HEARTH_E_UNAUTHORIZED', '/auth/me');
    await expectError('bad login body', 400, 'HEARTH_E_BAD_REQUEST', '/auth/login', {
      method: 'POST',
      headers: json,
      body: '{"user":1}',
    });
    const login = { method: 'POST', headers: json, body: JSON.stringify({ username: 'admin', password: 'wrong' }) };
    for (let i = 0; i < 2; i++) await fetch(`${g.hearth.url}/auth/login`, login).then((r) => r.arrayBuffer());
    await expectError('too many logins', 429, 'HEARTH_E_RATE_LIMITED', '/auth/login', login);
    // Unauthenticated traffic is limited per address.
    let limited = false;
    for (let i = 0; i < 60 && !limited; i++)
      limited = (await fetch(`${g.hearth.url}/v1/models`).then((r) => (r.arrayBuffer(), r.status))) === 429;
    assert.ok(limited, 'the per-IP limit never answered 429');
    await expectError('too many requests', 429, 'HEARTH_E_RATE_LIMITED', '/v1/models');
  });

  it('covered every path above', () => {
    assert.ok(checked.length >= 25, `only ${checked.length} error paths checked: ${checked.join(', ')}`);
  });
});
