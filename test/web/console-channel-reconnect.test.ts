/**
 * The Channels screen's Reconnect button against a real `hearth` process and the Telegram Bot API
 * fake: the bot token is refused once (401), so the channel stops for good (`failed`) and a
 * message sent meanwhile waits; an operator presses Reconnect, the channel stops and starts, goes
 * back to `ready`, and the waiting message is answered. The reconnect is in the audit log.
 * Screenshot: test-artifacts/console-channels-reconnect.png.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../browser.js';
import { privateChat, startTelegramRig, type TelegramRig } from '../channels/telegram/e2e-setup.js';
import { ROOT } from '../harness.js';

describe('console channel reconnect', () => {
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

  const admin = (path: string, method = 'GET') =>
    fetch(rig.hearth.baseUrl + path, { method, headers: { authorization: `Bearer ${rig.hearth.token}` } });
  const stateOf = async () =>
    ((await (await admin('/admin/channels')).json()) as Record<string, { state: string }>).telegram?.state;
  async function waitForState(state: string) {
    const until = Date.now() + 20_000;
    while ((await stateOf()) !== state) {
      if (Date.now() > until) throw new Error(`telegram never became ${state} (is ${await stateOf()})`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('brings a failed Telegram channel back to ready, and a message after it is answered', async () => {
    const { fake, hearth } = rig;
    await waitForState('ready');
    // A refused token ends polling until someone acts: nothing retries on its own.
    fake.failNext('getUpdates', { error_code: 401, description: 'Unauthorized' });
    await waitForState('failed');
    fake.userMessage({ ...privateChat(777, 'Grace'), text: 'are you there?' });

    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(hearth.baseUrl + '/console');
    await page.getByLabel('Token').fill(hearth.token);
    await page.getByRole('button', { name: 'Sign in with token' }).click();
    await page.getByRole('button', { name: 'Channels', exact: true }).click();
    const row = page.locator('tr[data-channel="telegram"]');
    await row.locator('.state', { hasText: 'failed' }).waitFor();
    await row.getByText('401 Unauthorized').waitFor();
    assert.equal(
      await page
        .locator('tr[data-channel="webchat"]')
        .getByRole('button', { name: /Reconnect/ })
        .count(),
      0,
    );
    const mark = fake.calls.length;
    await row.getByRole('button', { name: 'Reconnect telegram' }).click();
    await page.getByRole('status').filter({ hasText: 'Reconnect telegram: done' }).waitFor();
    await row.locator('.state', { hasText: 'ready' }).waitFor({ timeout: 20_000 });
    await page.screenshot({ path: join(mkdirp(), 'console-channels-reconnect.png'), fullPage: true });
    await page.close();

    const answer = await fake.waitForCall('sendMessage', (c) => String(c.params.chat_id) === '777', 30_000, mark);
    assert.ok(String(answer.params.text).length > 0);
    assert.ok(
      hearth.logs.some((l) => l.msg === 'channel telegram stopped' && String(l.reason).includes('reconnecting')),
      'the channel was stopped and started again',
    );

    const audit = (await (await admin('/admin/audit?action=channel.reconnect')).json()) as {
      rows: Array<{ action: string; target: string }>;
    };
    assert.equal(audit.rows[0]?.target, 'telegram');
    // A channel without a connection of its own cannot be reconnected.
    assert.equal((await admin('/admin/channels/webchat/reconnect', 'POST')).status, 404);
    assert.equal((await admin('/admin/channels/nope/reconnect', 'POST')).status, 404);
    assert.deepEqual(errors, []);
  });
});

function mkdirp(): string {
  const dir = join(ROOT, 'test-artifacts');
  mkdirSync(dir, { recursive: true });
  return dir;
}
