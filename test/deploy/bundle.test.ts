/**
 * `hearth` runs the esbuild bundle of the CLI (dist/bundle, built by scripts/bundle.mjs) unless
 * HEARTH_UNBUNDLED=1: the bundled start serves what the compiled modules serve — the web build found
 * through a rewritten import.meta.url, Fastify's route schemas, prom-client's metrics — without
 * resolving the bundled packages from node_modules.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { TEST_TOKEN, startHearth } from '../harness.js';
import { moduleTracePreload } from '../module-trace.js';

const dir = mkdtempSync(join(tmpdir(), 'hearth-bundle-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** NODE_OPTIONS that make the child write every ES module URL it resolves to `log`. */
function resolveLog(name: string): { log: string; nodeOptions: string } {
  const hooks = mkdtempSync(join(dir, `${name}-`));
  const log = join(hooks, 'modules.txt');
  writeFileSync(log, '');
  return { log, nodeOptions: `--import ${moduleTracePreload(hooks, log)}` };
}

async function startAndCheck(env: Record<string, string>): Promise<string[]> {
  const { log, nodeOptions } = resolveLog(env.HEARTH_UNBUNDLED ? 'unbundled' : 'bundled');
  const h = await startHearth({ env: { ...env, NODE_OPTIONS: nodeOptions } });
  try {
    assert.equal((await fetch(`${h.baseUrl}/readyz`)).status, 200);
    const page = await fetch(`${h.baseUrl}/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    assert.match(await page.text(), /<script[^>]+src=/, 'the web chat page of the Vite build');
    const metrics = await fetch(`${h.baseUrl}/metrics`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } });
    assert.equal(metrics.status, 200);
    assert.match(await metrics.text(), /^# TYPE hearth_/m);
    // A route schema compiles on its first request: a bad body gets Fastify's 400, not a 500.
    const bad = await fetch(`${h.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ messages: 'not a list' }),
    });
    assert.equal(bad.status, 400);
  } finally {
    assert.equal(await h.stop(), 0);
  }
  return readFileSync(log, 'utf8').split('\n').filter(Boolean);
}

test('hearth start runs the bundle: same pages, metrics and schemas, packages not loaded from node_modules', async () => {
  const urls = await startAndCheck({});
  assert.ok(
    urls.some((u) => u.endsWith('/dist/bundle/main.js')),
    'dist/bundle/main.js loaded',
  );
  assert.ok(!urls.some((u) => u.endsWith('/dist/src/cli/main.js')), 'the unbundled CLI not loaded');
  for (const pkg of ['fastify', 'zod', 'yaml', 'prom-client'])
    assert.ok(!urls.some((u) => u.includes(`/node_modules/${pkg}/`)), `${pkg} comes from the bundle`);
});

test('HEARTH_UNBUNDLED=1 runs the compiled modules of dist/src', async () => {
  const urls = await startAndCheck({ HEARTH_UNBUNDLED: '1' });
  assert.ok(urls.some((u) => u.endsWith('/dist/src/cli/main.js')));
  assert.ok(!urls.some((u) => u.includes('/dist/bundle/')));
  assert.ok(urls.some((u) => u.includes('/node_modules/fastify/')));
});
