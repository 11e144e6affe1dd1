/**
 * The console's Skills and Knowledge screens in headless Chromium against a real `hearth` process:
 * an operator uploads a skill ZIP, it is listed with its version and tool and the assistant can call
 * it at once; a file that is not a ZIP and a ZIP with an invalid manifest are refused with the
 * validation error shown. A Markdown document uploaded into a collection is listed and followed to
 * `indexed`; a corrupt PDF is listed as `failed` with its reason. Screenshots:
 * test-artifacts/console-skills-*.png, console-knowledge.png.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../browser.js';
import { startOpenAIFake, type ModelFake } from '../fakes/openai-server.js';
import { ROOT, startHearth, type HearthProcess } from '../harness.js';
import { buildZip, uploadableSkill } from '../skills/zip-builder.js';
import { chatOverWs } from '../webchat-client.js';

const ARTIFACTS = join(ROOT, 'test-artifacts');

describe('console skills and knowledge uploads', () => {
  let model: ModelFake;
  let h: HearthProcess;
  let browser: Browser;
  const pageErrors: string[] = [];

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    model = await startOpenAIFake();
    // `call:<tool> <json>` makes the model call that tool; a tool result is echoed back.
    model.setReply((body) => {
      const messages = body.messages as Array<{ role: string; content: string }>;
      const tool = messages.findLast((m) => m.role === 'tool');
      if (tool) return { text: `Tool said: ${tool.content}` };
      const m = /^call:(\S+) (.*)$/s.exec(messages.findLast((x) => x.role === 'user')!.content);
      return m ? { toolCalls: [{ name: m[1]!, arguments: m[2]! }] } : { text: 'no tool' };
    });
    h = await startHearth({
      env: { MODEL_ENDPOINT: model.baseUrl, MODEL_NAME: 'fake-model' },
      config: 'agents:\n  default:\n    skills: ["*"]\n',
      timeoutMs: 60_000,
    });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await h?.stop();
    await model?.close();
  });

  async function signedIn(screen: string): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(h.baseUrl + '/console');
    await page.getByLabel('Token').fill(h.token);
    await page.getByRole('button', { name: 'Sign in with token' }).click();
    await page.getByRole('navigation').getByRole('button', { name: screen, exact: true }).click();
    await page.locator(`#screen[data-screen="${screen}"]`).waitFor();
    return page;
  }

  it('uploads a skill ZIP: listed with its version and tool, and callable at once', async () => {
    const page = await signedIn('Skills');
    const form = page.getByRole('form', { name: 'Upload a skill' });
    await form.getByLabel('Skill ZIP').setInputFiles({
      name: 'stamper.zip',
      mimeType: 'application/zip',
      buffer: uploadableSkill('1.0.0'),
    });
    await form.getByRole('button', { name: 'Upload' }).click();
    await page.getByRole('status').filter({ hasText: 'Upload stamper.zip: done' }).waitFor({ timeout: 30_000 });
    const row = page.locator('tr[data-skill="stamper"]');
    await row.waitFor();
    const cells = await row.locator('td').allTextContents();
    assert.equal(cells[1], '1.0.0');
    assert.match(cells[2]!, /http \(uploaded\)/);
    assert.equal(cells[4], 'stamp');
    await page.screenshot({ path: join(ARTIFACTS, 'console-skills-uploaded.png'), fullPage: true });

    const { events } = await chatOverWs(h.baseUrl, 'call:stamp {"who":"Ann"}');
    assert.equal(events.at(-1)?.text, 'Tool said: stamp v1.0.0 for Ann');
    await page.close();
    assert.deepEqual(pageErrors, []);
  });

  it('shows why an upload is refused: not a ZIP, and an invalid manifest', async () => {
    const page = await signedIn('Skills');
    const form = page.getByRole('form', { name: 'Upload a skill' });
    await form.getByLabel('Skill ZIP').setInputFiles({
      name: 'notes.zip',
      mimeType: 'application/zip',
      buffer: Buffer.from('not a zip'),
    });
    await form.getByRole('button', { name: 'Upload' }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: /^Upload notes\.zip: .*zip/i })
      .waitFor();

    const invalid = buildZip([
      { name: 'skill.json', data: JSON.stringify({ name: 'Bad Name', version: '1', runtime: 'http', tools: [] }) },
    ]);
    await form.getByLabel('Skill ZIP').setInputFiles({ name: 'bad.zip', mimeType: 'application/zip', buffer: invalid });
    await form.getByRole('button', { name: 'Upload' }).click();
    const alert = page.getByRole('alert').filter({ hasText: /^Upload bad\.zip: / });
    await alert.waitFor();
    // The manifest's own field names, as the validator reports them.
    assert.match((await alert.textContent()) ?? '', /name: .*version: /);
    await page.screenshot({ path: join(ARTIFACTS, 'console-skills-refused.png'), fullPage: true });
    assert.equal(await page.locator('tr[data-skill="Bad Name"]').count(), 0);
    await page.close();
    assert.deepEqual(pageErrors, []);
  });

  it('uploads documents into a collection: listed, followed to indexed, a corrupt PDF failed with its reason', async () => {
    const page = await signedIn('Knowledge');
    await page.getByLabel('Collection', { exact: true }).fill('handbook');
    const form = page.getByRole('form', { name: 'Upload documents' });
    await form.getByLabel('Documents').setInputFiles([
      {
        name: 'vacation.md',
        mimeType: 'text/markdown',
        buffer: Buffer.from('# Vacation policy\n\nEveryone gets 27 days of paid vacation a year.\n'),
      },
      { name: 'broken.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.7 this is not really a pdf') },
    ]);
    await form.getByRole('button', { name: 'Upload documents' }).click();
    await page.getByRole('status').filter({ hasText: 'Upload to handbook: done' }).waitFor();
    const md = page.locator('tr[data-document="vacation.md"]');
    await md
      .locator('td.status')
      .filter({ hasText: /^indexed$/ })
      .waitFor({ timeout: 20_000 });
    assert.equal(await md.locator('td').first().textContent(), 'Vacation policy');
    const pdf = page.locator('tr[data-document="broken.pdf"]');
    await pdf
      .locator('td.status')
      .filter({ hasText: /^failed: .+/ })
      .waitFor({ timeout: 20_000 });
    await page.screenshot({ path: join(ARTIFACTS, 'console-knowledge.png'), fullPage: true });

    // The collection answers a search from the screen.
    await page.getByRole('form', { name: 'Search the collection' }).getByLabel('Question').fill('paid vacation');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByRole('listitem').filter({ hasText: '27 days of paid vacation' }).waitFor();
    await page.close();
    assert.deepEqual(pageErrors, []);
  });
});
