import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Database, { type SqliteDatabase } from '../../src/storage/sqlite-driver.js';
import { join } from 'node:path';
import { makeFixture, issueToken, bearer, API_TOKEN, type Fixture } from './fixtures.js';

/** Admin routes shaped like the gateway's; every one is guarded by protectAdminRoutes alone. */
const adminRoutes: Array<{ method: 'GET' | 'POST' | 'PUT' | 'DELETE'; url: string; need: 'viewer' | 'operator' | 'admin' }> = [
  { method: 'GET', url: '/admin/models', need: 'viewer' },
  { method: 'PUT', url: '/admin/models/default', need: 'operator' },
  { method: 'POST', url: '/admin/skills', need: 'operator' },
  { method: 'DELETE', url: '/admin/skills/weather', need: 'operator' },
  { method: 'GET', url: '/admin/conversations', need: 'viewer' },
  { method: 'GET', url: '/admin/audit', need: 'admin' },
  { method: 'PUT', url: '/admin/config', need: 'admin' },
  { method: 'GET', url: '/admin/tokens', need: 'admin' },
];

describe('roles on admin routes', () => {
  let f: Fixture;
  const tokens: Record<string, string> = {};
  const seen: string[] = [];
  before(async () => {
    f = await makeFixture({}, (app) => {
      app.addHook('onRoute', (r) => {
        if (r.url.startsWith('/admin')) seen.push(`${String(r.method)} ${r.url}`);
      });
      app.get('/admin/models', async () => ({ ok: true }));
      app.put('/admin/models/default', async () => ({ ok: true }));
      app.post('/admin/skills', async () => ({ ok: true }));
      app.delete('/admin/skills/:id', async () => ({ ok: true }));
      app.get('/admin/conversations', async () => ({ ok: true }));
      app.get('/admin/audit', async () => ({ ok: true }));
      app.put('/admin/config', async () => ({ ok: true }));
    });
    for (const role of ['viewer', 'operator', 'admin'] as const) tokens[role] = (await issueToken(f.app, role)).token;
  });
  after(() => f.close());

  it('answers 401 without credentials and enforces admin > operator > viewer on every route', async () => {
    const rank = { viewer: 1, operator: 2, admin: 3 };
    for (const r of adminRoutes) {
      const anon = await f.app.inject({ method: r.method, url: r.url });
      assert.equal(anon.statusCode, 401, `${r.method} ${r.url} anonymous`);
      for (const role of ['viewer', 'operator', 'admin'] as const) {
        const res = await f.app.inject({ method: r.method, url: r.url, headers: bearer(tokens[role]) });
        const expected = rank[role] >= rank[r.need] ? 200 : 403;
        assert.equal(res.statusCode, expected, `${r.method} ${r.url} as ${role}`);
        if (expected === 403) assert.equal(res.json().error.code, 'HEARTH_E_FORBIDDEN');
      }
    }
  });

  it('a viewer cannot switch models or upload skills', async () => {
    const sw = await f.app.inject({ method: 'PUT', url: '/admin/models/default', headers: bearer(tokens.viewer), payload: { model: 'x' } });
    assert.equal(sw.statusCode, 403);
    const up = await f.app.inject({ method: 'POST', url: '/admin/skills', headers: bearer(tokens.viewer) });
    assert.equal(up.statusCode, 403);
  });

  it('every registered /admin route was covered', () => {
    const covered = new Set(adminRoutes.map((r) => `${r.method} ${r.url.replace('/weather', '/:id')}`));
    for (const route of seen.filter((s) => !s.startsWith('HEAD'))) {
      if (route.includes('/admin/tokens')) continue;
      assert.ok(covered.has(route), `${route} has no role test`);
    }
  });
});

describe('machine API tokens', () => {
  let f: Fixture;
  before(async () => {
    f = await makeFixture({}, (app) => {
      app.get('/admin/models', async () => ({ ok: true }));
    });
  });
  after(() => f.close());

  it('are stored hashed, work until revoked, and only admins may issue them', async () => {
    const { token, id } = await issueToken(f.app, 'viewer');
    assert.match(token, /^hth_/);
    const db = new Database(join(f.dataDir, 'security', 'security.db'), { readonly: true });
    const rows = db.prepare('SELECT * FROM machine_tokens').all() as Array<Record<string, unknown>>;
    db.close();
    assert.ok(rows.length >= 1);
    assert.ok(!JSON.stringify(rows).includes(token.slice(-43)), 'the secret is not stored');

    assert.equal((await f.app.inject({ method: 'GET', url: '/admin/models', headers: bearer(token) })).statusCode, 200);
    const list = await f.app.inject({ method: 'GET', url: '/admin/tokens', headers: bearer(API_TOKEN) });
    assert.ok(!list.body.includes(token.slice(-43)));

    const denied = await f.app.inject({ method: 'POST', url: '/admin/tokens', headers: bearer(token), payload: { name: 'x', role: 'admin' } });
    assert.equal(denied.statusCode, 403);

    const del = await f.app.inject({ method: 'DELETE', url: `/admin/tokens/${id}`, headers: bearer(API_TOKEN) });
    assert.equal(del.statusCode, 204);
    assert.equal((await f.app.inject({ method: 'GET', url: '/admin/models', headers: bearer(token) })).statusCode, 401);
  });

  it('a near-miss token (one character changed) is rejected', async () => {
    const { token } = await issueToken(f.app, 'admin');
    const last = token.at(-1) === 'A' ? 'B' : 'A';
    const res = await f.app.inject({ method: 'GET', url: '/admin/models', headers: bearer(token.slice(0, -1) + last) });
    assert.equal(res.statusCode, 401);
  });
});
