/**
 * Roles on the real gateway: every /admin route the running gateway registered, called without a
 * credential and with a token of each role. The expected role of each route is written down here,
 * so a new admin route without a role decision fails this test.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from '../../src/storage/sqlite-driver.js';
import { bearer, issueToken, startGateway, TOKEN, type InProcessGateway } from '../gateway/in-process.js';

type Need = 'viewer' | 'operator' | 'admin';

/** The role each admin route needs: reads viewer, changes operator, credentials and user data admin; skills operator even to read. */
const expected: Record<string, Need> = {
  'GET /admin/models': 'viewer',
  'PUT /admin/models/default': 'operator',
  'PUT /admin/models/:id': 'operator',
  'DELETE /admin/models/:id': 'operator',
  'POST /admin/models/:id/test': 'operator',
  'GET /admin/agents': 'viewer',
  'PUT /admin/agents/:id/model': 'operator',
  'PUT /admin/agents/:id/skills/:name': 'operator',
  'GET /admin/channels': 'viewer',
  'GET /admin/channels/:name/qr': 'viewer',
  'POST /admin/channels/:name/repair': 'operator',
  'POST /admin/channels/:name/reconnect': 'operator',
  'GET /admin/pairings': 'viewer',
  'POST /admin/pairings/:code/approve': 'operator',
  'GET /admin/conversations': 'viewer',
  'GET /admin/conversations/:id/messages': 'viewer',
  'GET /admin/conversations/:id/memories': 'viewer',
  'DELETE /admin/conversations/:id/memories/:memoryId': 'operator',
  'GET /admin/audit': 'viewer',
  'GET /admin/audit/verify': 'viewer',
  'GET /admin/settings': 'viewer',
  'POST /admin/conversations/:id/reply': 'operator',
  'GET /admin/users/:id/export': 'admin',
  'DELETE /admin/users/:id': 'admin',
  'GET /admin/skills': 'operator',
  'POST /admin/skills': 'operator',
  'POST /admin/skills/:name/enable': 'operator',
  'POST /admin/skills/:name/disable': 'operator',
  'DELETE /admin/skills/:name': 'operator',
  'GET /admin/tokens': 'admin',
  'POST /admin/tokens': 'admin',
  'DELETE /admin/tokens/:id': 'admin',
  'GET /admin/knowledge': 'viewer',
  'POST /admin/knowledge/:collection/documents': 'operator',
  'GET /admin/knowledge/:collection/documents': 'viewer',
  'GET /admin/knowledge/:collection/documents/:id': 'viewer',
  'POST /admin/knowledge/:collection/documents/:id/reindex': 'operator',
  'DELETE /admin/knowledge/:collection/documents/:id': 'operator',
  'DELETE /admin/knowledge/:collection': 'operator',
  'GET /admin/knowledge/:collection/search': 'viewer',
  'GET /admin/approvals': 'viewer',
  'POST /admin/approvals/:id/:decision': 'operator',
  'GET /admin/usage': 'viewer',
  'GET /admin/stats': 'viewer',
};
const rank: Record<Need, number> = { viewer: 1, operator: 2, admin: 3 };

describe('roles on every admin route of the real gateway', () => {
  let g: InProcessGateway;
  const tokens = {} as Record<Need, string>;
  let routes: Array<{ method: string; url: string }>;
  before(async () => {
    g = await startGateway('{}\n');
    for (const role of ['viewer', 'operator', 'admin'] as const) tokens[role] = await issueToken(g.hearth.url, role);
    routes = g.hearth.routes.filter((r) => r.url.startsWith('/admin') && r.method !== 'HEAD');
  });
  after(() => g.close());

  it('every registered admin route has a role decision here, and every one here is registered', () => {
    const registered = routes.map((r) => `${r.method} ${r.url}`).sort();
    assert.deepEqual(registered, Object.keys(expected).sort());
  });

  it('answers 401 without a credential and enforces admin > operator > viewer on each', async () => {
    for (const r of routes) {
      const key = `${r.method} ${r.url}`;
      // Parameters that name nothing: an admitted caller gets 400/404, never a change.
      const url = g.hearth.url + r.url.replace(/:(\w+)/g, 'role-test-$1');
      const anon = await fetch(url, { method: r.method });
      assert.equal(anon.status, 401, `${key} anonymous`);
      await anon.arrayBuffer();
      for (const role of ['viewer', 'operator', 'admin'] as const) {
        const res = await fetch(url, { method: r.method, headers: bearer(tokens[role]) });
        const body = await res.text();
        if (rank[role] >= rank[expected[key]]) {
          assert.ok(res.status !== 401 && res.status !== 403, `${key} as ${role}: ${res.status} ${body}`);
        } else {
          assert.equal(res.status, 403, `${key} as ${role}`);
          assert.equal(JSON.parse(body).error.code, 'HEARTH_E_FORBIDDEN');
        }
      }
    }
  });

  it('a viewer cannot switch models or upload skills; an operator can switch', async () => {
    const sw = (token: string) =>
      fetch(`${g.hearth.url}/admin/models/default`, {
        method: 'PUT',
        headers: { ...bearer(token), 'content-type': 'application/json' },
        body: '{"model":"env"}',
      });
    assert.equal((await sw(tokens.viewer)).status, 403);
    assert.equal(
      (await fetch(`${g.hearth.url}/admin/skills`, { method: 'POST', headers: bearer(tokens.viewer) })).status,
      403,
    );
    assert.equal((await sw(tokens.operator)).status, 200);
  });
});

describe('machine API tokens on the real gateway', () => {
  let g: InProcessGateway;
  before(async () => {
    g = await startGateway('{}\n');
  });
  after(() => g.close());

  it('are stored hashed, work until revoked, and only admins may issue them', async () => {
    const issued = await fetch(`${g.hearth.url}/admin/tokens`, {
      method: 'POST',
      headers: { ...bearer(TOKEN), 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'viewer bot', role: 'viewer' }),
    });
    const { token, id } = (await issued.json()) as { token: string; id: string };
    assert.match(token, /^hth_/);
    const db = new Database(join(g.dataDir, 'security', 'security.db'), { readonly: true });
    const rows = db.prepare('SELECT * FROM machine_tokens').all() as Array<Record<string, unknown>>;
    db.close();
    assert.ok(rows.length >= 1);
    assert.ok(!JSON.stringify(rows).includes(token.slice(-43)), 'the secret is not stored');

    assert.equal((await fetch(`${g.hearth.url}/admin/models`, { headers: bearer(token) })).status, 200);
    const list = await (await fetch(`${g.hearth.url}/admin/tokens`, { headers: bearer(TOKEN) })).text();
    assert.ok(!list.includes(token.slice(-43)));

    const denied = await fetch(`${g.hearth.url}/admin/tokens`, {
      method: 'POST',
      headers: { ...bearer(token), 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x', role: 'admin' }),
    });
    assert.equal(denied.status, 403);

    assert.equal(
      (await fetch(`${g.hearth.url}/admin/tokens/${id}`, { method: 'DELETE', headers: bearer(TOKEN) })).status,
      204,
    );
    assert.equal((await fetch(`${g.hearth.url}/admin/models`, { headers: bearer(token) })).status, 401);
  });

  it('a near-miss token (one character changed) is rejected', async () => {
    const token = await issueToken(g.hearth.url, 'admin');
    const last = token.at(-1) === 'A' ? 'B' : 'A';
    assert.equal(
      (await fetch(`${g.hearth.url}/admin/models`, { headers: bearer(token.slice(0, -1) + last) })).status,
      401,
    );
  });
});
