/**
 * The WhatsApp Web pairing QR in the console's Channels screen, in headless Chromium. Baileys'
 * Noise handshake with WhatsApp's servers cannot be faked from outside the process, so this runs
 * the real gateway (the `Hearth` composition root, its HTTP server and admin API) in this process
 * with the WhatsApp channel on a fake Baileys socket whose `ev` is Baileys' own event emitter: a
 * pairing event (`connection.update` with a `qr`) makes the QR image appear, a rotated code
 * replaces it, and opening the link removes it while the channel turns ready; Re-pair opens a new
 * connection whose QR shows, and the audit log has it.
 * Screenshot: test-artifacts/console-whatsapp-qr.png.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeEventBuffer } from '@whiskeysockets/baileys';
import pino from 'pino';
import type { Browser } from 'playwright-core';
import type { WebSocketLike } from '../../src/channels/whatsapp/web.js';
import { launchChromium } from '../browser.js';
import { startGateway, TOKEN, type InProcessGateway } from '../gateway/in-process.js';
import { ROOT } from '../harness.js';

/** A Baileys socket as far as the channel uses it before any message: events, the linked account, end. */
function fakeSocket(): WebSocketLike {
  return {
    ev: makeEventBuffer(pino({ level: 'silent' }) as never),
    user: { id: '15550001111:7@s.whatsapp.net', name: 'Hearth' },
    end() {},
  } as unknown as WebSocketLike;
}

const emit = (sock: WebSocketLike, event: string, data: unknown) =>
  (sock.ev as unknown as { emit(e: string, d: unknown): void }).emit(event, data);

describe('console WhatsApp Web pairing QR', () => {
  let g: InProcessGateway;
  let browser: Browser;
  const sockets: WebSocketLike[] = [];

  before(async () => {
    g = await startGateway('{}\n', {
      channels: 'whatsapp:\n  mode: web\n  web:\n    printQr: false\n',
      channelTesting: {
        whatsapp: {
          makeSocket: () => {
            const s = fakeSocket();
            sockets.push(s);
            return s;
          },
        },
      },
    });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await g?.close();
  });

  it('shows the QR from a pairing event, follows its rotation, and drops it once linked', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(g.hearth.url + '/console');
    await page.getByLabel('Token').fill(TOKEN);
    await page.getByRole('button', { name: 'Sign in with token' }).click();
    await page.getByRole('navigation').getByRole('button', { name: 'Channels', exact: true }).click();
    await page.getByText('No QR code pending').waitFor();

    assert.equal(sockets.length, 1);
    emit(sockets[0]!, 'connection.update', { qr: '2@first-ref,abc==,def==,ghi==' });
    const qr = page.getByRole('img', { name: 'whatsapp pairing QR code' });
    await qr.waitFor({ timeout: 10_000 });
    const first = await qr.getAttribute('src');
    assert.match(first ?? '', /^data:image\/png;base64,/);
    await page.locator('tr[data-channel="whatsapp"]').getByText('waiting for QR scan').waitFor({ timeout: 10_000 });
    // The first code of a connection lives 60 s (Baileys' default qrTimeout), the page counts it down.
    const expiresIn = async () => {
      const res = await fetch(`${g.hearth.url}/admin/channels/whatsapp/qr`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      return (Date.parse(((await res.json()) as { expiresAt: string }).expiresAt) - Date.now()) / 1000;
    };
    const firstLife = await expiresIn();
    assert.ok(firstLife > 50 && firstLife <= 60, `the first code expires in ${firstLife} s`);
    await page.getByText(/Expires in (5\d|60) s/).waitFor({ timeout: 10_000 });
    mkdirSync(join(ROOT, 'test-artifacts'), { recursive: true });
    await page.screenshot({ path: join(ROOT, 'test-artifacts', 'console-whatsapp-qr.png'), fullPage: true });

    // WhatsApp rotates the code while nobody scans: the page shows the new one.
    emit(sockets[0]!, 'connection.update', { qr: '2@second-ref,abc==,def==,ghi==' });
    const deadline = Date.now() + 10_000;
    while ((await qr.getAttribute('src')) === first) {
      assert.ok(Date.now() < deadline, 'the rotated QR code did not replace the first');
      await new Promise((r) => setTimeout(r, 100));
    }
    const nextLife = await expiresIn();
    assert.ok(nextLife > 10 && nextLife <= 20, `a rotated code expires in ${nextLife} s`);

    emit(sockets[0]!, 'connection.update', { connection: 'open' });
    await page.getByText('No QR code pending').waitFor({ timeout: 10_000 });
    await page
      .locator('tr[data-channel="whatsapp"] .state')
      .filter({ hasText: /^(ready|connected)$/ })
      .waitFor({ timeout: 10_000 });

    // Re-pair: the linked device's credentials go and a new connection asks for a new code.
    const authDir = join(g.dataDir, 'whatsapp');
    mkdirSync(authDir, { recursive: true });
    writeFileSync(join(authDir, 'creds.json'), '{"linked":"stand-in for the device credentials"}');
    await page.getByRole('button', { name: 'Re-pair (unlink this device)' }).click();
    await page.getByRole('status').filter({ hasText: 'Re-pair whatsapp: done' }).waitFor();
    assert.equal(sockets.length, 2, 'a fresh connection was opened');
    assert.equal(existsSync(join(authDir, 'creds.json')), false, 'the old credentials are gone');
    emit(sockets[1]!, 'connection.update', { qr: '2@third-ref,abc==,def==,ghi==' });
    await qr.waitFor({ timeout: 10_000 });
    assert.notEqual(await qr.getAttribute('src'), first);
    await page.close();
    assert.deepEqual(errors, []);

    const audit = await fetch(`${g.hearth.url}/admin/audit?action=repair`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    const rows = ((await audit.json()) as { rows: Array<{ action: string; target: string; result: string }> }).rows;
    assert.deepEqual(
      rows.map((r) => [r.action, r.target, r.result]),
      [['POST /admin/channels/:name/repair', '{"name":"whatsapp"}', 'ok']],
    );
  });
});
