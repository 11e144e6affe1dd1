/**
 * The web chat as a person uses it: headless Chromium opens http://127.0.0.1:<port>/, types,
 * sends, and sees the answer stream in. A screenshot is kept in test-artifacts/.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../browser.js';
import { startOpenAIFake, type ModelFake } from '../fakes/openai-server.js';
import { ROOT, startHearth, type HearthProcess } from '../harness.js';

describe('web chat in a browser', () => {
  let model: ModelFake;
  let h: HearthProcess;
  let browser: Browser;
  /** When set, the model streams two chunks and then waits until the test has seen the partial bubble. */
  let held: { afterChunks: number; until: Promise<unknown> } | undefined;

  before(async () => {
    model = await startOpenAIFake();
    model.setReply((body) => {
      const text = `Streaming reply to: ${body.messages.at(-1).content}`;
      return { chunks: text.split(/(?<= )/), chunkDelayMs: 20, ...(held ? { hold: held } : {}) };
    });
    h = await startHearth({ env: { MODEL_ENDPOINT: model.baseUrl } });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await h?.stop();
    await model?.close();
  });

  it('asks for a token when the web chat requires one, then chats', async () => {
    const guarded = await startHearth({ env: { MODEL_ENDPOINT: model.baseUrl }, config: 'webchat:\n  auth: token\n' });
    try {
      const page = await browser.newPage();
      await page.goto(guarded.baseUrl + '/');
      await page.waitForSelector('#token-form:not([hidden])');
      assert.equal(await page.isVisible('#composer'), false);
      await page.fill('#token', guarded.token);
      await page.click('#token-form button');
      await page.waitForSelector('#status[data-state="ready"]');
      await page.fill('#input', 'with a token');
      await page.click('#send');
      await page.waitForSelector('.msg.assistant[data-done="true"]');
      assert.equal(await page.textContent('.msg.assistant'), 'Streaming reply to: with a token');
      await page.close();
    } finally {
      await guarded.stop();
    }
  });

  it('types, sends, and sees the reply stream in', async () => {
    const page = await browser.newPage();
    await page.goto(h.baseUrl + '/');
    await page.waitForSelector('#status[data-state="ready"]');
    assert.equal(await page.isVisible('#token-form'), false, 'no token prompt on an open loopback web chat');
    let seen!: () => void;
    held = { afterChunks: 2, until: new Promise<void>((resolve) => (seen = resolve)) };
    await page.fill('#input', 'hello from the browser');
    await page.click('#send');
    await page.waitForSelector('.msg.user');
    assert.equal(await page.textContent('.msg.user'), 'hello from the browser');
    // While streaming, the bubble holds a prefix of the answer and is marked as streaming: the model
    // holds the rest of the stream until the test has seen it.
    const partial = await page.waitForSelector('.msg.assistant.streaming', { timeout: 60_000 });
    await page.waitForFunction(
      "(document.querySelector('.msg.assistant.streaming')?.textContent ?? '').length > 0",
      undefined,
      { timeout: 60_000 },
    );
    const early = (await partial.textContent()) ?? '';
    assert.ok(
      await partial.evaluate((el) => el.classList.contains('streaming')),
      'still streaming while the model holds the rest',
    );
    held = undefined;
    seen();
    await page.waitForSelector('.msg.assistant[data-done="true"]');
    const final = await page.textContent('.msg.assistant');
    assert.equal(final, 'Streaming reply to: hello from the browser');
    assert.ok(final!.startsWith(early) && early.length < final!.length, `saw "${early}" before the end`);
    const dir = join(ROOT, 'test-artifacts');
    mkdirSync(dir, { recursive: true });
    await page.screenshot({ path: join(dir, 'webchat.png') });
    // A reload restores the conversation from the server.
    await page.reload();
    await page.waitForSelector('#status[data-state="ready"]');
    await page.waitForSelector('.msg.assistant');
    assert.equal(await page.locator('.msg').count(), 2);
  });
});
