/**
 * The admin console as an admin, an operator and a viewer use it: headless Chromium signs in at
 * /console of a real `hearth` process (token, wrong token, local admin password), reaches every
 * pinned screen, switches the default model (the next turn uses it), reads a web chat
 * conversation in the inbox, sees the switch in the audit log; a viewer sees read-only screens
 * and the API refuses its change. Screenshots are kept in test-artifacts/console-*.png.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../browser.js';
import { startOpenAIFake, type ModelFake } from '../fakes/openai-server.js';
import { ROOT, startHearth, type HearthProcess } from '../harness.js';
import { chatOverWs } from '../webchat-client.js';

// The pinned eight, and the Approvals and Usage screens.
const SCREENS = [
  'Dashboard',
  'Channels',
  'Models',
  'Skills',
  'Conversations',
  'Approvals',
  'Usage',
  'Knowledge',
  'Audit',
  'Settings',
];
const PASSWORD = 'console test password 42';
const ARTIFACTS = join(ROOT, 'test-artifacts');

describe('admin console in a browser', () => {
  let model: ModelFake;
  let h: HearthProcess;
  let browser: Browser;
  const pageErrors: string[] = [];

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    model = await startOpenAIFake();
    h = await startHearth({
      env: { MODEL_ENDPOINT: model.baseUrl, MODEL_NAME: 'first-model', HEARTH_ADMIN_PASSWORD: PASSWORD },
      timeoutMs: 60_000,
    });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await h?.stop();
    await model?.close();
  });

  async function open(): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(h.baseUrl + '/console');
    return page;
  }

  async function signInWithToken(page: Page, token: string) {
    await page.getByLabel('Token').fill(token);
    await page.getByRole('button', { name: 'Sign in with token' }).click();
  }

  const api = (path: string, init: RequestInit = {}, token = h.token) =>
    fetch(h.baseUrl + path, {
      ...init,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers },
    });

  it('refuses a wrong token, then signs in with the admin token and reaches every screen', async () => {
    const page = await open();
    // No OIDC configured: /auth/providers lists none, and the form offers no single sign-on.
    await page.waitForLoadState('networkidle');
    assert.equal(await page.getByRole('link', { name: /^Sign in with/ }).count(), 0);
    await signInWithToken(page, 'not-the-token');
    await page.getByRole('alert').filter({ hasText: 'not valid' }).waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'console-login-error.png') });
    await signInWithToken(page, h.token);
    await page.getByTestId('who').filter({ hasText: 'admin' }).waitFor();
    for (const name of SCREENS) {
      const link = page.getByRole('navigation').getByRole('button', { name, exact: true });
      await link.click();
      await page.locator(`#screen[data-screen="${name}"] h2`).filter({ hasText: name }).waitFor();
      await page.waitForLoadState('networkidle');
      await page.screenshot({ path: join(ARTIFACTS, `console-${name.toLowerCase()}.png`), fullPage: true });
    }
    await page.getByRole('button', { name: 'Dashboard', exact: true }).click();
    await page.getByTestId('health').filter({ hasText: 'ready' }).waitFor();
    await page.getByTestId('model').filter({ hasText: 'env' }).waitFor();
    await page.close();
    assert.deepEqual(pageErrors, []);
  });

  it('signs the local admin in with user name and password', async () => {
    const page = await open();
    await page.getByLabel('Password').fill('wrong password');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'wrong username or password' }).waitFor();
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByTestId('who').filter({ hasText: 'admin' }).waitFor();
    assert.equal(await page.getByRole('navigation').getByRole('button').count(), SCREENS.length);
    await page.close();
    assert.deepEqual(pageErrors, []);
  });

  it('adds a model and makes it the default: the next turn uses it, and the audit log shows the switch', async () => {
    const page = await open();
    await signInWithToken(page, h.token);
    await page.getByRole('button', { name: 'Models', exact: true }).click();
    const form = page.getByRole('form', { name: 'Add a model' });
    await form.getByLabel('Id', { exact: true }).fill('second');
    await form.getByLabel('Upstream model').fill('second-model');
    await form.getByLabel('Base URL').fill(model.baseUrl);
    await form.getByRole('button', { name: 'Save model' }).click();
    const row = page.locator('tr[data-model="second"]');
    await row.waitFor();
    await row.getByRole('button', { name: 'Make default' }).click();
    await row.getByText('default', { exact: true }).waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'console-models-switched.png'), fullPage: true });

    const listed = (await (await api('/admin/models')).json()) as { default: string };
    assert.equal(listed.default, 'second');
    const before = model.requests.length;
    const { events } = await chatOverWs(h.baseUrl, 'which model answers?');
    assert.equal(events.at(-1)?.type, 'done');
    assert.equal(model.requests.slice(before).at(-1)?.body.model, 'second-model');

    await page.getByRole('button', { name: 'Audit', exact: true }).click();
    await page.getByRole('cell', { name: 'PUT /admin/models/default' }).waitFor();
    await page.getByTestId('chain').filter({ hasText: 'Chain verified' }).waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'console-audit.png'), fullPage: true });
    await page.close();
    assert.deepEqual(pageErrors, []);
  });

  it('tests a model from its row: an answer with its latency, or the reason it failed', async () => {
    // A model whose server is gone: the test says so instead of hanging or passing.
    const added = await api('/admin/models/broken', {
      method: 'PUT',
      body: JSON.stringify({ provider: 'openai', model: 'x', baseUrl: 'http://127.0.0.1:9/v1' }),
    });
    assert.equal(added.status, 200, await added.clone().text());
    const page = await open();
    await signInWithToken(page, h.token);
    await page.getByRole('button', { name: 'Models', exact: true }).click();
    const before = model.requests.length;
    const env = page.locator('tr[data-model="env"]');
    await env.getByRole('button', { name: 'Test' }).click();
    await env
      .getByRole('status')
      .filter({ hasText: /answered in \d+ ms/ })
      .waitFor();
    assert.match(JSON.stringify(model.requests.slice(before).at(-1)?.body.messages), /single word OK/);
    const broken = page.locator('tr[data-model="broken"]');
    await broken.getByRole('button', { name: 'Test' }).click();
    await broken
      .getByRole('status')
      .filter({ hasText: /^\s*failed: / })
      .waitFor({ timeout: 40_000 });
    await page.screenshot({ path: join(ARTIFACTS, 'console-models-test.png'), fullPage: true });
    assert.equal((await api('/admin/models/nope/test', { method: 'POST' })).status, 404);
    assert.equal((await api('/admin/models/broken', { method: 'DELETE' })).status, 200);
    await page.close();
    assert.deepEqual(pageErrors, []);
  });

  it('shows a web chat conversation in the inbox with its messages', async () => {
    await chatOverWs(h.baseUrl, 'a question for the inbox');
    const page = await open();
    await signInWithToken(page, h.token);
    await page.getByRole('button', { name: 'Conversations', exact: true }).click();
    const form = page.getByRole('form', { name: 'Search conversations' });
    await form.getByLabel('Channel').fill('webchat');
    await form.getByRole('button', { name: 'Search' }).click();
    const items = page.getByRole('list', { name: 'Inbox' }).getByRole('button');
    await items.first().waitFor();
    // Open each until the one holding the question shows (the earlier test made one too).
    const count = await items.count();
    for (let i = 0; i < count; i++) {
      await items.nth(i).click();
      const found = await page
        .locator('.msg.user')
        .filter({ hasText: 'a question for the inbox' })
        .waitFor({ timeout: 3000 })
        .then(
          () => true,
          () => false,
        );
      if (found) break;
    }
    await page.locator('.msg.user').filter({ hasText: 'a question for the inbox' }).waitFor();
    await page.locator('.msg.assistant').first().waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'console-conversations.png'), fullPage: true });
    await page.close();
    assert.deepEqual(pageErrors, []);
  });

  it('shows the effective settings with their sources, secrets masked', async () => {
    const page = await open();
    await signInWithToken(page, h.token);
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    const source = (key: string) => page.locator(`tr[data-key="${key}"] td.source`);
    await source('server.port').filter({ hasText: 'environment (HEARTH_PORT, read-only)' }).waitFor();
    await source('log.format').or(source('log.level')).first().waitFor();
    assert.equal(await source('webchat.enabled').textContent(), 'default');
    // Switched in the Models test above: an admin change.
    await source('models.default').filter({ hasText: 'admin change' }).waitFor();
    assert.equal(await page.locator('tr[data-key="models.default"] td').nth(1).textContent(), '"second"');
    const text = (await page.locator('table[aria-label="Effective configuration"]').textContent()) ?? '';
    assert.ok(!text.includes(h.token), 'the API token is masked');
    assert.match((await page.locator('tr[data-key="server.apiToken"] td').nth(1).textContent()) ?? '', /•/);
    await page.screenshot({ path: join(ARTIFACTS, 'console-settings-sources.png'), fullPage: true });
    await page.close();
    assert.deepEqual(pageErrors, []);
  });

  it('gives a viewer read-only screens, and the API refuses its change', async () => {
    const issued = await api('/admin/tokens', {
      method: 'POST',
      body: JSON.stringify({ name: 'console viewer', role: 'viewer' }),
    });
    assert.equal(issued.status, 201);
    const viewer = ((await issued.json()) as { token: string }).token;
    const page = await open();
    await signInWithToken(page, viewer);
    await page.getByTestId('who').filter({ hasText: 'viewer' }).waitFor();
    await page.getByRole('button', { name: 'Models', exact: true }).click();
    const makeDefault = page.locator('tr[data-model="env"]').getByRole('button', { name: 'Make default' });
    await makeDefault.waitFor();
    assert.equal(await makeDefault.isDisabled(), true);
    assert.match((await makeDefault.getAttribute('title')) ?? '', /operator role/);
    assert.equal(
      await page.getByRole('form', { name: 'Add a model' }).getByRole('button', { name: 'Save model' }).isDisabled(),
      true,
    );
    await page.getByRole('button', { name: 'Skills', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'needs the operator role' }).waitFor();
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    await page.getByText('Managing tokens needs the admin role').waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'console-viewer.png'), fullPage: true });
    await page.close();

    const refused = await api(
      '/admin/models/default',
      { method: 'PUT', body: JSON.stringify({ model: 'default' }) },
      viewer,
    );
    assert.equal(refused.status, 403);
    assert.equal(((await (await api('/admin/models')).json()) as { default: string }).default, 'second');
    assert.deepEqual(pageErrors, []);
  });
});
