/**
 * The console's Settings screen when an edit of hearth.yml is refused: the running config stays, and
 * the screen says why in the file's terms (file:line: key: reason) until an edit is accepted.
 * Screenshot: test-artifacts/console-config-rejected.png.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../browser.js';
import { startOpenAIFake, type ModelFake } from '../fakes/openai-server.js';
import { ROOT, startHearth, type HearthProcess } from '../harness.js';

describe('console settings after a refused config edit', () => {
  let model: ModelFake;
  let h: HearthProcess;
  let browser: Browser;
  const config = (key: string) =>
    `models:\n  ${key}: main\n  catalog:\n    main: { provider: openai, model: m, baseUrl: "${model.baseUrl}" }\n`;

  before(async () => {
    model = await startOpenAIFake();
    h = await startHearth({ config: config('default'), timeoutMs: 60_000 });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await h?.stop();
    await model?.close();
  });

  it('shows why the edit was refused, and nothing once a good edit is accepted', async () => {
    writeFileSync(h.configFile!, config('defualt'));
    await h.waitForLog((l) => l.msg?.startsWith('config change rejected') === true);
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(h.baseUrl + '/console');
    await page.getByLabel('Token').fill(h.token);
    await page.getByRole('button', { name: 'Sign in with token' }).click();
    await page.getByRole('navigation').getByRole('button', { name: 'Settings', exact: true }).click();
    const alert = page.locator('.config-rejected');
    await alert.waitFor();
    assert.match((await alert.textContent()) ?? '', /hearth\.yml:2: models\.defualt: unknown key "defualt"/);
    mkdirSync(join(ROOT, 'test-artifacts'), { recursive: true });
    await page.screenshot({ path: join(ROOT, 'test-artifacts', 'console-config-rejected.png'), fullPage: true });

    writeFileSync(h.configFile!, config('default'));
    await h.waitForLog((l) => l.msg === 'config reloaded');
    await page.getByRole('navigation').getByRole('button', { name: 'Dashboard', exact: true }).click();
    await page.getByRole('navigation').getByRole('button', { name: 'Settings', exact: true }).click();
    await page.getByText('Effective configuration').waitFor();
    await page.locator('tr[data-key="models.default"]').waitFor();
    assert.equal(await alert.count(), 0, 'no alert after an accepted edit');
    await page.close();
    assert.deepEqual(errors, []);
  });
});
