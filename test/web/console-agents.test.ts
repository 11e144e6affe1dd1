/**
 * The console's per-agent controls in headless Chromium against a real `hearth` process: on the
 * Models screen an operator switches one agent's model (that agent's next turn reaches the other
 * fake model, and the choice is still there after a restart); on the Skills screen a skill is
 * switched off for one agent (its tools are no longer offered to that agent's turns); a viewer sees
 * the model selector disabled with the reason. Screenshots: test-artifacts/console-agents-*.png.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Locator, Page } from 'playwright-core';
import { launchChromium } from '../browser.js';
import { startOpenAIFake, type ModelFake } from '../fakes/openai-server.js';
import { ROOT, startHearth, type HearthProcess } from '../harness.js';
import type { Json } from '../json.js';
import { chatOverWs } from '../webchat-client.js';

const ARTIFACTS = join(ROOT, 'test-artifacts');
const config = (url: string) =>
  [
    'models:',
    '  default: one',
    '  catalog:',
    `    one: { provider: openai, baseUrl: ${url}, model: model-one }`,
    `    two: { provider: openai, baseUrl: ${url}, model: model-two }`,
    'agents:',
    '  default: {}',
    '  helper: { model: one }',
    'routes:',
    '  - { channel: api, agent: helper }',
    '',
  ].join('\n');

describe('console per-agent model and skills', () => {
  let model: ModelFake;
  let dir: string;
  let h: HearthProcess;
  let browser: Browser;
  const pageErrors: string[] = [];

  const start = async () => {
    h = await startHearth({ dataDir: join(dir, 'data'), config: config(model.baseUrl), timeoutMs: 60_000 });
  };
  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    model = await startOpenAIFake();
    dir = mkdtempSync(join(tmpdir(), 'hearth-console-agents-'));
    await start();
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await h?.stop();
    await model?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function signedIn(screen: string, token = h.token): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(h.baseUrl + '/console');
    await page.getByLabel('Token').fill(token);
    await page.getByRole('button', { name: 'Sign in with token' }).click();
    await page.getByRole('navigation').getByRole('button', { name: screen, exact: true }).click();
    await page.locator(`#screen[data-screen="${screen}"]`).waitFor();
    return page;
  }
  /** One turn of the helper agent (the API channel is routed to it); the upstream model it reached. */
  const helperTurn = async () => {
    const res = await fetch(`${h.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'which model?' }] }),
    });
    assert.equal(res.status, 200);
    return model.requests.at(-1)!.body.model as string;
  };

  /** A select's value once the screen has loaded both the agents and the catalog it offers (they load apart). */
  async function settlesOn(select: Locator, value: string): Promise<void> {
    const deadline = Date.now() + 10_000;
    let seen = await select.inputValue();
    while (seen !== value) {
      assert.ok(Date.now() < deadline, `the selector shows "${seen}", not "${value}"`);
      await new Promise((r) => setTimeout(r, 100));
      seen = await select.inputValue();
    }
  }

  it("switches the helper agent's model on the Models screen; its next turn and a restart keep it", async () => {
    let page = await signedIn('Models');
    const agents = page.getByRole('region', { name: 'Agents' });
    const select = agents.getByLabel('Model of agent helper');
    await page.getByTestId('model-source-helper').filter({ hasText: 'hearth.yml' }).waitFor();
    await settlesOn(select, 'one');
    await select.selectOption('two');
    await page.getByRole('status').filter({ hasText: 'Switch helper to two: done' }).waitFor();
    await page.getByTestId('model-source-helper').filter({ hasText: 'admin change' }).waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'console-agents-models.png'), fullPage: true });
    assert.equal(await helperTurn(), 'model-two');
    await chatOverWs(h.baseUrl, 'the default agent');
    assert.equal(model.requests.at(-1)!.body.model, 'model-one', 'the default agent kept its model');
    await page.close();

    await h.stop();
    await start();
    page = await signedIn('Models');
    await page.getByTestId('model-source-helper').filter({ hasText: 'admin change' }).waitFor();
    await settlesOn(page.getByLabel('Model of agent helper'), 'two');
    assert.equal(await helperTurn(), 'model-two', 'the switch survived the restart');
    await page.close();
    assert.deepEqual(pageErrors, []);
  });

  it("switches a skill off for the default agent on the Skills screen: its tools leave that agent's turns", async () => {
    const offered = () => ((model.requests.at(-1)!.body.tools ?? []) as Json[]).map((t: Json) => t.function.name);
    await chatOverWs(h.baseUrl, 'please remember the spare key is under the pot');
    assert.ok(offered().includes('memory_save'), `offered before: ${offered()}`);

    const page = await signedIn('Skills');
    const box = page.getByRole('region', { name: 'Skills per agent' }).getByLabel('memory for agent default');
    await box.waitFor();
    assert.equal(await box.isChecked(), true);
    // A controlled checkbox: it shows the server's answer once the change is saved.
    await box.click();
    await page.getByRole('status').filter({ hasText: 'Disable memory for default: done' }).waitFor();
    await page.waitForFunction(`!document.querySelector('[aria-label="memory for agent default"]').checked`);
    await page.getByText('(admin)').first().waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'console-agents-skills.png'), fullPage: true });
    await page.close();

    await chatOverWs(h.baseUrl, 'please remember the spare key is under the pot');
    assert.ok(!offered().includes('memory_save'), `offered after: ${offered()}`);
    assert.deepEqual(pageErrors, []);
  });

  it('shows a viewer the model selector disabled with the reason, and the API refuses it', async () => {
    const issued = await fetch(`${h.baseUrl}/admin/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'watcher', role: 'viewer' }),
    });
    const viewer = ((await issued.json()) as { token: string }).token;
    const page = await signedIn('Models', viewer);
    const select = page.getByLabel('Model of agent helper');
    await select.waitFor();
    assert.equal(await select.isDisabled(), true);
    assert.match((await select.getAttribute('title')) ?? '', /Needs the operator role \(you are viewer\)/);
    await page.getByText('Needs the operator role (you are viewer)').first().waitFor();
    await page.screenshot({ path: join(ARTIFACTS, 'console-agents-viewer.png'), fullPage: true });
    await page.close();
    const res = await fetch(`${h.baseUrl}/admin/agents/helper/model`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${viewer}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'one' }),
    });
    assert.equal(res.status, 403);
    assert.deepEqual(pageErrors, []);
  });
});
