/**
 * The plugin seam: a feature plugin mounted after the built-in ones gets every protection without
 * asking — the /admin role guard, the audit of administrative changes, the browser Origin guard,
 * the IP allowlist of its surface — and what it registers stays in its own scope.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { GatewayPlugin } from '../../src/gateway/plugin.js';
import { bearer, issueToken, startGateway, TOKEN, type InProcessGateway } from './in-process.js';

/** A feature plugin the way the console or knowledge base will write one. */
const examplePlugin: GatewayPlugin = async (app, deps) => {
  // A hook of this plugin: it must stay inside the plugin.
  app.addHook('onSend', async (_req, reply) => {
    reply.header('x-example-plugin', 'yes');
  });
  app.get('/admin/example', async () => ({ default: deps.models.default ?? null }));
  app.post('/admin/example', async (req) => ({ by: req.principal?.id }));
  app.get('/example/public', async () => ({ ok: true }));
};

describe('a feature plugin mounted after the built-ins', () => {
  let g: InProcessGateway;
  let viewer: string;
  let operator: string;
  before(async () => {
    g = await startGateway('{}\n', { plugins: [examplePlugin] });
    viewer = await issueToken(g.hearth.url, 'viewer');
    operator = await issueToken(g.hearth.url, 'operator');
  });
  after(() => g.close());

  it('gets the /admin role guard: 401 without a credential, 403 below the role', async () => {
    const url = `${g.hearth.url}/admin/example`;
    assert.equal((await fetch(url)).status, 401);
    assert.equal((await fetch(url, { headers: bearer(viewer) })).status, 200);
    assert.equal((await fetch(url, { method: 'POST', headers: bearer(viewer) })).status, 403);
    const ok = await fetch(url, { method: 'POST', headers: bearer(operator) });
    assert.equal(ok.status, 200);
    assert.match(((await ok.json()) as { by: string }).by, /.+/, 'the guard left the caller in request.principal');
  });

  it('gets its changes audited with the caller', async () => {
    assert.equal(
      (await fetch(`${g.hearth.url}/admin/example`, { method: 'POST', headers: bearer(TOKEN) })).status,
      200,
    );
    await new Promise((r) => setTimeout(r, 100));
    const security = (g.hearth as unknown as { security: { audit: { export(): AsyncIterable<string> } } }).security;
    const rows: string[] = [];
    for await (const line of security.audit.export()) rows.push(line);
    const row = rows
      .map((l) => JSON.parse(l) as { action: string; actor: string })
      .find((r) => r.action === 'POST /admin/example' && r.actor === 'api-token');
    assert.ok(row, `audit rows: ${rows.join('\n')}`);
  });

  it('gets the browser Origin guard', async () => {
    const res = await fetch(`${g.hearth.url}/admin/example`, {
      method: 'POST',
      headers: { ...bearer(TOKEN), origin: 'https://evil.example' },
    });
    assert.equal(res.status, 403);
  });

  it('keeps its own hooks to itself', async () => {
    assert.equal((await fetch(`${g.hearth.url}/example/public`)).headers.get('x-example-plugin'), 'yes');
    const sibling = await fetch(`${g.hearth.url}/admin/models`, { headers: bearer(TOKEN) });
    assert.equal(sibling.status, 200);
    assert.equal(sibling.headers.get('x-example-plugin'), null, 'a hook of one plugin leaked into another');
  });
});

describe('a feature plugin and the admin IP allowlist', () => {
  let g: InProcessGateway;
  before(async () => {
    // 127.0.0.1 is outside the admin allowlist.
    g = await startGateway("security:\n  ipAllowlist:\n    admin: ['10.9.9.9/32']\n", { plugins: [examplePlugin] });
  });
  after(() => g.close());

  it('its /admin routes are behind the allowlist too', async () => {
    assert.equal((await fetch(`${g.hearth.url}/admin/example`, { headers: bearer(TOKEN) })).status, 403);
    assert.equal((await fetch(`${g.hearth.url}/example/public`)).status, 200);
  });
});
