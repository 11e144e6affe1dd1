/**
 * The live canvas as people use it: real Chromium pages at /canvas/<room>. A mouse drag with the
 * tool selected on load draws a stroke; the other page sees it at the same place (checked on
 * screenshots, kept in test-artifacts/); a late joiner and a page opened after a server restart see
 * it too, another room does not; and a stroke drawn while the server restarts mid-drag arrives
 * whole once the page reconnects.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../browser.js';
import { freePort, ROOT, startHearth, type HearthProcess } from '../harness.js';
import type { Json } from '../json.js';

// Names used inside page.evaluate (they run in the browser; the test project has no DOM types).
declare const document: Json;
declare const Image: Json;

const VIEWPORT = { width: 1000, height: 700 };
const ARTIFACTS = join(ROOT, 'test-artifacts');

/** Darkest luminance (0-255) in a 7x7 square of a screenshot, read back by decoding the PNG in the page. */
async function darkest(page: Page, png: Buffer, x: number, y: number): Promise<number> {
  return page.evaluate(
    async ({ b64, x, y }) => {
      const img = new Image();
      img.src = `data:image/png;base64,${b64}`;
      await img.decode();
      const c = document.createElement('canvas');
      c.width = img.width;
      c.height = img.height;
      const ctx = c.getContext('2d')!;
      ctx.drawImage(img, 0, 0);
      const data = ctx.getImageData(x - 3, y - 3, 7, 7).data;
      let min = 255;
      for (let i = 0; i < data.length; i += 4)
        min = Math.min(min, 0.299 * data[i]! + 0.587 * data[i + 1]! + 0.114 * data[i + 2]!);
      return min;
    },
    { b64: png.toString('base64'), x, y },
  );
}

describe('live canvas in a browser', () => {
  let h: HearthProcess;
  let dataDir: string;
  let port: number;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  const start = async () => {
    h = await startHearth({ dataDir, env: { HEARTH_PORT: String(port) }, timeoutMs: 45_000 });
  };
  const open = async (room: string): Promise<Page> => {
    const context = await browser.newContext({ viewport: VIEWPORT, deviceScaleFactor: 1 });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${h.baseUrl}/canvas/${room}`);
    await page.waitForSelector('#status[data-state="synced"]');
    return page;
  };
  const shot = async (page: Page, name: string) => page.screenshot({ path: join(ARTIFACTS, `canvas-${name}.png`) });
  const count = (page: Page) => page.getAttribute('canvas', 'data-elements').then(Number);

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    dataDir = mkdtempSync(join(tmpdir(), 'hearth-canvas-browser-'));
    port = await freePort();
    await start();
    browser = await launchChromium();
  });
  after(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await browser?.close();
    await h?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('two pages draw and each sees the other’s stroke at the same place; late joiners and other rooms', async () => {
    const a = await open('team');
    const b = await open('team');
    // The drawing surface is the largest canvas on the page, and the pen is selected on load.
    const sizes = await a.$$eval('canvas', (els) => els.map((e) => e.clientWidth * e.clientHeight));
    assert.equal(Math.max(...sizes), VIEWPORT.width * VIEWPORT.height);
    assert.equal(await a.getAttribute('button[aria-label="Pen"]', 'aria-pressed'), 'true');

    await a.mouse.move(200, 300);
    await a.mouse.down();
    await a.mouse.move(500, 300, { steps: 15 });
    await a.mouse.move(500, 450, { steps: 10 });
    await a.mouse.up();
    await b.waitForSelector('canvas[data-elements="1"]');

    await b.mouse.move(300, 550);
    await b.mouse.down();
    await b.mouse.move(700, 600, { steps: 20 });
    await b.mouse.up();
    await a.waitForSelector('canvas[data-elements="2"]');

    const shotA = await shot(a, 'page-a');
    const shotB = await shot(b, 'page-b');
    for (const [name, png, page] of [
      ['A', shotA, a],
      ['B', shotB, b],
    ] as const) {
      assert.ok((await darkest(page, png, 350, 300)) < 90, `${name}: A's stroke is visible at (350, 300)`);
      assert.ok((await darkest(page, png, 500, 400)) < 90, `${name}: A's stroke turns down at x=500`);
      assert.ok((await darkest(page, png, 500, 575)) < 90, `${name}: B's stroke is visible`);
      assert.ok((await darkest(page, png, 800, 200)) > 200, `${name}: blank where nobody drew`);
    }

    const late = await open('team');
    await late.waitForSelector('canvas[data-elements="2"]');
    const shotLate = await shot(late, 'late-joiner');
    assert.ok((await darkest(late, shotLate, 350, 300)) < 90, 'the late joiner sees A’s stroke in the same place');

    const other = await open('another-room');
    assert.equal(await count(other), 0);
    const shotOther = await shot(other, 'other-room');
    assert.ok((await darkest(other, shotOther, 350, 300)) > 200, 'another room is blank');
  });

  it('undo and redo take back only your own strokes, for everyone', async () => {
    const a = await open('undo');
    const b = await open('undo');
    const drag = async (page: Page, y: number) => {
      await page.mouse.move(150, y);
      await page.mouse.down();
      await page.mouse.move(650, y, { steps: 12 });
      await page.mouse.up();
    };
    await drag(a, 250);
    await b.waitForSelector('canvas[data-elements="1"]');
    await drag(b, 450);
    await a.waitForSelector('canvas[data-elements="2"]');
    await a.click('button[aria-label="Undo"]');
    await b.waitForSelector('canvas[data-elements="1"]');
    let png = await shot(b, 'undo-b');
    assert.ok((await darkest(b, png, 400, 250)) > 200, 'A’s stroke is gone for B too');
    assert.ok((await darkest(b, png, 400, 450)) < 90, 'B’s stroke stays');
    await a.click('button[aria-label="Redo"]');
    await b.waitForSelector('canvas[data-elements="2"]');
    png = await shot(b, 'redo-b');
    assert.ok((await darkest(b, png, 400, 250)) < 90, 'redo brings it back');
  });

  it('shapes, text, colours and the eraser', async () => {
    const page = await open('tools');
    const drag = async (x1: number, y1: number, x2: number, y2: number) => {
      await page.mouse.move(x1, y1);
      await page.mouse.down();
      await page.mouse.move(x2, y2, { steps: 8 });
      await page.mouse.up();
    };
    await page.click('button[aria-label="Red"]');
    await page.click('button[aria-label="Rectangle"]');
    await drag(100, 150, 300, 250);
    await page.click('button[aria-label="Blue"]');
    await page.click('button[aria-label="Ellipse"]');
    await drag(350, 150, 550, 250);
    await page.click('button[aria-label="Black"]');
    await page.click('button[aria-label="Arrow"]');
    await drag(100, 400, 500, 400);
    await page.click('button[aria-label="Line"]');
    await drag(100, 500, 500, 550);
    await page.click('button[aria-label="Text"]');
    await page.mouse.click(600, 400);
    await page.getByLabel('Text to add').fill('Hello canvas');
    await page.keyboard.press('Enter');
    await page.waitForSelector('canvas[data-elements="5"]');
    const png = await shot(page, 'tools');
    const body = (await (await fetch(`${h.baseUrl}/canvas/tools/elements`)).json()) as {
      elements: Array<{ type: string; color: string }>;
    };
    assert.deepEqual(
      body.elements.map((e) => `${e.type}:${e.color}`),
      ['rect:#e03131', 'ellipse:#1971c2', 'arrow:#1e1e1e', 'line:#1e1e1e', 'text:#1e1e1e'],
    );
    assert.ok((await darkest(page, png, 200, 150)) < 180, 'the red rectangle’s top edge');
    assert.ok((await darkest(page, png, 300, 400)) < 90, 'the arrow');
    // The eraser takes away what it touches, and only that.
    await page.click('button[aria-label="Eraser"]');
    await drag(290, 390, 310, 410);
    await page.waitForSelector('canvas[data-elements="4"]');
    const after = (await (await fetch(`${h.baseUrl}/canvas/tools/elements`)).json()) as {
      elements: Array<{ type: string }>;
    };
    assert.deepEqual(
      after.elements.map((e) => e.type),
      ['rect', 'ellipse', 'line', 'text'],
    );
  });

  it('draws with a finger on a phone-sized touch screen', async () => {
    const context = await browser.newContext({
      viewport: { width: 390, height: 740 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
    });
    contexts.push(context);
    const phone = await context.newPage();
    await phone.goto(`${h.baseUrl}/canvas/phone`);
    await phone.waitForSelector('#status[data-state="synced"]');
    // Touch events through the DevTools protocol: the page sees pointer events of type touch.
    const cdp = await context.newCDPSession(phone);
    const touch = (type: 'touchStart' | 'touchMove' | 'touchEnd', x: number, y: number) =>
      cdp.send('Input.dispatchTouchEvent', { type, touchPoints: type === 'touchEnd' ? [] : [{ x, y }] });
    await touch('touchStart', 60, 300);
    for (let x = 60; x <= 320; x += 20) await touch('touchMove', x, 300 + (x - 60) / 4);
    await touch('touchEnd', 320, 365);
    await phone.waitForSelector('canvas[data-elements="1"]');
    const png = await shot(phone, 'phone');
    assert.ok((await darkest(phone, png, 190 * 2, 332 * 2)) < 90, 'the stroke is under the finger');
    // The page did not scroll or zoom away while drawing.
    assert.equal(
      await phone.evaluate(() => [document.scrollingElement.scrollTop, document.scrollingElement.scrollLeft].join(',')),
      '0,0',
    );
  });

  it('asks for a token when the room needs one, then opens it', async () => {
    const guarded = await startHearth({ config: 'canvas:\n  auth: token\n', timeoutMs: 45_000 });
    try {
      const context = await browser.newContext({ viewport: VIEWPORT });
      contexts.push(context);
      const page = await context.newPage();
      await page.goto(`${guarded.baseUrl}/canvas/locked`);
      await page.waitForSelector('#sign-in');
      await page.getByLabel('Token').fill(guarded.token);
      await page.click('#sign-in button[type="submit"]');
      await page.waitForSelector('#status[data-state="synced"]');
      assert.equal(await page.isVisible('#sign-in'), false);
    } finally {
      await guarded.stop();
    }
  });

  it('a page opened after a server restart sees the strokes', async () => {
    await h.stop();
    await start();
    const page = await open('team');
    await page.waitForSelector('canvas[data-elements="2"]');
    const png = await shot(page, 'after-restart');
    assert.ok((await darkest(page, png, 350, 300)) < 90);
    assert.ok((await darkest(page, png, 500, 575)) < 90);
  });

  it('a stroke drawn across a server restart arrives whole after the page reconnects', async () => {
    const a = await open('resilient');
    await a.mouse.move(100, 200);
    await a.mouse.down();
    await a.mouse.move(300, 200, { steps: 10 });
    await h.stop();
    await a.waitForSelector('#status[data-state="offline"]');
    // Still drawing while the server is away.
    await a.mouse.move(600, 200, { steps: 15 });
    await start();
    await a.mouse.move(800, 200, { steps: 10 });
    await a.mouse.up();
    await a.waitForSelector('#status[data-state="synced"]', { timeout: 15_000 });

    const deadline = Date.now() + 10_000;
    let points: number[] = [];
    while (Date.now() < deadline) {
      const body = (await (await fetch(`${h.baseUrl}/canvas/resilient/elements`)).json()) as {
        elements: Array<{ type: string; points: number[] }>;
      };
      points = body.elements[0]?.points ?? [];
      if (points.at(-2) === 800) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const xs = points.filter((_, i) => i % 2 === 0);
    assert.equal(xs[0], 100, 'the stroke starts where the drag began');
    assert.equal(xs.at(-1), 800, 'and ends where it ended, after the reconnect');
    assert.ok(
      xs.some((x) => x > 300 && x < 600),
      'the part drawn while the server was down is there',
    );
    const b = await open('resilient');
    const png = await shot(b, 'reconnect-mid-stroke');
    for (const x of [150, 450, 750]) assert.ok((await darkest(b, png, x, 200)) < 90, `stroke visible at x=${x}`);
  });
});
