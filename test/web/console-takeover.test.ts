/**
 * One inbox across channels, and human takeover: a Telegram chat (the Bot API fake) and a web chat
 * both appear in the console's Conversations screen; an operator opens the Telegram one and answers
 * as a person, and the answer reaches the Telegram user through the fake.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../browser.js';
import { privateChat, startTelegramRig, type TelegramRig } from '../channels/telegram/e2e-setup.js';
import { ROOT } from '../harness.js';
import { chatOverWs } from '../webchat-client.js';

describe('console inbox and human takeover', () => {
  let rig: TelegramRig;
  let browser: Browser;
  before(async () => {
    rig = await startTelegramRig('  allowFrom: ["*"]\n');
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await rig?.close();
  });

  it('lists the Telegram and web chat conversations together, and an operator answer reaches Telegram', async () => {
    const { fake, hearth } = rig;
    const ada = privateChat(4242, 'Ada');
    fake.userMessage({ ...ada, text: 'hello from telegram' });
    await fake.waitForCall('sendMessage', (c) => String(c.params.chat_id) === '4242', 30_000);
    await chatOverWs(hearth.baseUrl, 'hello from the web');

    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(hearth.baseUrl + '/console');
    await page.getByLabel('Token').fill(hearth.token);
    await page.getByRole('button', { name: 'Sign in with token' }).click();
    await page.getByRole('button', { name: 'Conversations', exact: true }).click();
    const inbox = page.getByRole('list', { name: 'Inbox' });
    await inbox.locator('.badge', { hasText: 'telegram' }).waitFor({ timeout: 30_000 });
    await inbox.locator('.badge', { hasText: 'webchat' }).waitFor();

    await inbox
      .getByRole('button')
      .filter({ has: page.locator('.badge', { hasText: 'telegram' }) })
      .click();
    await page.locator('.msg.user').filter({ hasText: 'hello from telegram' }).waitFor();
    const mark = fake.calls.length;
    const form = page.getByRole('form', { name: 'Answer as a person' });
    await form.getByLabel('Your answer (sent on telegram)').fill('A person here: how can I help?');
    await form.getByRole('button', { name: 'Send answer' }).click();
    const sent = await fake.waitForCall(
      'sendMessage',
      (c) => String(c.params.text).includes('A person here: how can I help?'),
      30_000,
      mark,
    );
    assert.equal(String(sent.params.chat_id), '4242');
    // Kept in the thread, marked as a person's answer.
    await page.locator('.msg.assistant').filter({ hasText: 'A person here' }).filter({ hasText: 'human:' }).waitFor();
    mkdirSync(join(ROOT, 'test-artifacts'), { recursive: true });
    await page.screenshot({ path: join(ROOT, 'test-artifacts', 'console-takeover.png'), fullPage: true });
    await page.close();
    assert.deepEqual(errors, []);
  });
});
