/**
 * The web chat as a person uses it: headless Chromium opens http://127.0.0.1:<port>/, types,
 * sends, and sees the answer stream in; Markdown renders and the model's HTML stays text; an
 * attached image reaches the model as an image part; Stop aborts the model's request; regenerate,
 * copy, and the conversation list across reloads. No page may throw. Screenshots (light, dark,
 * phone width) are kept in test-artifacts/.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { launchChromium } from '../browser.js';
import type { FakeReply } from '../fakes/fake-reply.js';
import { startOpenAIFake, type ModelFake } from '../fakes/openai-server.js';
import { ROOT, startHearth, type HearthProcess } from '../harness.js';
import type { Json } from '../json.js';

/** A 1×1 PNG. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGP4z8DwHwAFAAH/iZk9HQAAAABJRU5ErkJggg==',
  'base64',
);

type Part = { type: string; text?: string; image_url?: { url: string } };

/** The last user message of a recorded request, as parts. */
function lastUser(body: Json): Part[] {
  const messages = (body as { messages: Array<{ role: string; content: string | Part[] }> }).messages;
  const content = messages.filter((m) => m.role === 'user').at(-1)!.content;
  return typeof content === 'string' ? [{ type: 'text', text: content }] : content;
}
const textOf = (parts: Part[]) => parts.map((p) => p.text ?? '').join('');

const ARTIFACTS = join(ROOT, 'test-artifacts');

describe('web chat in a browser', () => {
  let model: ModelFake;
  let h: HearthProcess;
  let browser: Browser;
  /** When set, the model streams two chunks and then waits until the test has seen the partial bubble. */
  let held: { afterChunks: number; until: Promise<unknown> } | undefined;
  /** Replies for particular questions; the rest echo. */
  const special = new Map<string, FakeReply>();
  const pageErrors: string[] = [];

  /** A fresh browser context (its own identity), failing the test on any uncaught page error. */
  async function open(base = h.baseUrl, options: BrowserContextOptions = {}): Promise<Page> {
    const page = await browser.newPage(options);
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(base + '/');
    return page;
  }

  async function ask(page: Page, text: string): Promise<void> {
    const answers = await page.locator('.msg.assistant[data-done="true"]').count();
    await page.fill('#input', text);
    await page.press('#input', 'Enter');
    await page.waitForFunction(`document.querySelectorAll('.msg.assistant[data-done="true"]').length > ${answers}`);
  }

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    model = await startOpenAIFake();
    model.setReply((body) => {
      const question = textOf(lastUser(body));
      const reply = special.get(question);
      if (reply) return reply;
      const text = `Streaming reply to: ${question}`;
      return { chunks: text.split(/(?<= )/), chunkDelayMs: 20, ...(held ? { hold: held } : {}) };
    });
    h = await startHearth({ env: { MODEL_ENDPOINT: model.baseUrl } });
    browser = await launchChromium();
  });
  afterEach(() => {
    assert.deepEqual(pageErrors.splice(0), [], 'no uncaught page error');
  });
  after(async () => {
    await browser?.close();
    await h?.stop();
    await model?.close();
  });

  it('asks for a token when the web chat requires one, then chats', async () => {
    const guarded = await startHearth({ env: { MODEL_ENDPOINT: model.baseUrl }, config: 'webchat:\n  auth: token\n' });
    try {
      const page = await open(guarded.baseUrl);
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
    const page = await open();
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
    await page.screenshot({ path: join(ARTIFACTS, 'webchat.png') });
    // A reload restores the conversation from the server.
    await page.reload();
    await page.waitForSelector('#status[data-state="ready"]');
    await page.waitForSelector('.msg.assistant');
    assert.equal(await page.locator('.msg').count(), 2);
    await page.close();
  });

  it("renders Markdown and keeps the model's HTML as text", async () => {
    const hostile = '<img src=x onerror="window.__pwned=1"> <script>window.__pwned=2</script>';
    special.set('show markdown', {
      text: `Here is **bold** and \`inline\`.\n\n\`\`\`js\nconst answer = 42;\n\`\`\`\n\n${hostile}\n\n- one\n- two\n`,
    });
    const page = await open(h.baseUrl, { colorScheme: 'light' });
    await page.waitForSelector('#status[data-state="ready"]');
    await ask(page, 'show markdown');
    const bubble = page.locator('.msg.assistant').last();
    assert.equal(await bubble.locator('strong').textContent(), 'bold');
    assert.equal(await bubble.locator('pre code').textContent(), 'const answer = 42;\n');
    assert.equal(await bubble.locator('li').count(), 2);
    // The HTML is shown as its characters, never made into elements.
    assert.equal(await bubble.locator('img, script').count(), 0);
    assert.match((await bubble.textContent()) ?? '', /<img src=x onerror="window.__pwned=1">/);
    assert.match((await bubble.textContent()) ?? '', /<script>window.__pwned=2<\/script>/);
    assert.equal(await page.evaluate('typeof window.__pwned'), 'undefined');
    await page.screenshot({ path: join(ARTIFACTS, 'webchat-markdown-light.png') });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: join(ARTIFACTS, 'webchat-markdown-dark.png') });
    await page.close();
  });

  it('sends an attached image to the model as an image part; an oversized file is refused', async () => {
    const page = await open();
    await page.waitForSelector('#status[data-state="ready"]');
    const before = model.requests.length;
    await page.setInputFiles('#attach-input', { name: 'dot.png', mimeType: 'image/png', buffer: PNG });
    await page.locator('.pending li').filter({ hasText: 'dot.png' }).waitFor();
    await ask(page, 'what is in this picture?');
    const parts = lastUser(model.requests.slice(before).at(-1)!.body);
    assert.equal(
      parts.find((p) => p.type === 'image_url')?.image_url?.url,
      `data:image/png;base64,${PNG.toString('base64')}`,
    );
    assert.match(textOf(parts), /what is in this picture\?/);
    await page.locator('.turn.user .files li').filter({ hasText: 'dot.png' }).waitFor();
    assert.equal(await page.locator('.pending').count(), 0, 'sent files leave the composer');
    // Larger than one frame can carry: refused in the page, with the limit, before anything is sent.
    const requests = model.requests.length;
    await page.setInputFiles('#attach-input', {
      name: 'huge.bin',
      mimeType: 'application/octet-stream',
      buffer: Buffer.alloc(2 * 1024 * 1024),
    });
    assert.match((await page.locator('#attach-error').textContent()) ?? '', /"huge.bin" is too large: at most/);
    assert.equal(await page.locator('.pending').count(), 0);
    assert.equal(model.requests.length, requests);
    await page.close();
  });

  it('Stop aborts the model request and marks the answer as cut', async () => {
    let closed!: () => void;
    const upstreamClosed = new Promise<void>((resolve) => (closed = resolve));
    let release!: () => void;
    const until = new Promise<void>((resolve) => (release = resolve));
    special.set('a long story please', {
      chunks: ['Once ', 'upon ', 'a ', 'time'],
      hold: { afterChunks: 2, until },
      onClientClose: closed,
    });
    const page = await open();
    try {
      await page.waitForSelector('#status[data-state="ready"]');
      await page.fill('#input', 'a long story please');
      await page.click('#send');
      // The model holds the stream after two chunks: the page shows them, streaming.
      await page.waitForFunction(
        "document.querySelector('.msg.assistant.streaming')?.textContent.trim() === 'Once upon'",
        undefined,
        { timeout: 60_000 },
      );
      await page.click('#stop');
      await upstreamClosed; // the fake saw the request's socket close
      const cut = page.locator('.msg.assistant[data-cut="true"]');
      await cut.waitFor();
      // Markdown drops the paragraph's trailing space.
      assert.equal(await cut.textContent(), 'Once upon');
      assert.equal(await page.locator('.cut-note').textContent(), 'Stopped: the answer was cut here.');
      assert.equal(await page.locator('#stop').count(), 0, 'no Stop button once the answer ended');
      assert.equal(await page.isEnabled('#send'), true);
    } finally {
      release();
      await page.close();
    }
  });

  it('regenerates the last answer with a new model request, and copies an answer', async () => {
    const page = await open(h.baseUrl, { permissions: ['clipboard-read', 'clipboard-write'] });
    await page.waitForSelector('#status[data-state="ready"]');
    // Shift+Enter is a new line, not a send.
    await page.fill('#input', 'line one');
    await page.press('#input', 'Shift+Enter');
    await page.keyboard.type('line two');
    assert.equal(await page.inputValue('#input'), 'line one\nline two');
    assert.equal(await page.locator('.msg').count(), 0);
    await ask(page, 'say it twice');
    const before = model.requests.length;
    await page.click('.regenerate');
    // The old answer leaves at once; the new one streams in from a new model request.
    await page.waitForSelector('.msg.assistant[data-done="true"]', { state: 'detached' });
    await page.waitForSelector('.msg.assistant[data-done="true"]');
    assert.equal(model.requests.length, before + 1, 'regenerate sent a new request');
    assert.equal(textOf(lastUser(model.requests.at(-1)!.body)), 'say it twice');
    assert.equal(await page.locator('.msg.assistant').count(), 1, 'the new answer replaces the old one');
    // Stored that way too: after a reload the conversation shows the question once and one answer.
    await page.reload();
    await page.waitForSelector('#status[data-state="ready"]');
    await page.waitForSelector('.msg.assistant[data-done="true"]');
    assert.equal(await page.locator('.msg.user').filter({ hasText: 'say it twice' }).count(), 1);
    assert.equal(await page.locator('.msg.assistant').count(), 1, 'the old answer is gone from the history');
    await page.click('.copy');
    await page.locator('.copy').filter({ hasText: 'Copied' }).waitFor();
    assert.equal(await page.evaluate('navigator.clipboard.readText()'), 'Streaming reply to: say it twice');
    await page.close();
  });

  it('keeps the conversation list across reloads: new, rename, open, delete', async () => {
    const page = await open();
    await page.waitForSelector('#status[data-state="ready"]');
    await ask(page, 'first topic');
    await page.locator('.conversation').filter({ hasText: 'first topic' }).waitFor();
    await page.click('#new-chat');
    await page.waitForSelector('#status[data-state="ready"]');
    assert.equal(await page.locator('.msg').count(), 0, 'a new chat starts empty');
    await ask(page, 'second topic');
    await page.locator('.conversation').filter({ hasText: 'second topic' }).waitFor();
    await page.getByRole('button', { name: 'Rename first topic' }).click();
    await page.getByRole('textbox', { name: 'New title' }).fill('Renamed topic');
    await page.keyboard.press('Enter');
    await page.locator('.conversation').filter({ hasText: 'Renamed topic' }).waitFor();

    await page.reload();
    await page.waitForSelector('#status[data-state="ready"]');
    await page.locator('.conversation').filter({ hasText: 'Renamed topic' }).waitFor();
    assert.deepEqual(await page.locator('.conversation .open').allTextContents(), ['second topic', 'Renamed topic']);
    assert.equal(await page.textContent('.msg.user'), 'second topic', 'the reload reopens the last conversation');
    await page.getByRole('button', { name: 'Renamed topic', exact: true }).click();
    await page.locator('.msg.user').filter({ hasText: 'first topic' }).waitFor();
    assert.equal(await page.locator('.msg').count(), 2);

    await page.getByRole('button', { name: 'Delete second topic' }).click();
    await page.getByRole('button', { name: 'Really delete second topic' }).click();
    await page.waitForFunction("document.querySelectorAll('.conversation').length === 1");
    await page.reload();
    await page.waitForSelector('#status[data-state="ready"]');
    await page.locator('.conversation').first().waitFor();
    assert.deepEqual(await page.locator('.conversation .open').allTextContents(), ['Renamed topic']);
    // Deleting the open conversation starts a new, empty one.
    assert.equal(await page.locator('.msg').count(), 2);
    await page.getByRole('button', { name: 'Delete Renamed topic' }).click();
    await page.getByRole('button', { name: 'Really delete Renamed topic' }).click();
    await page.waitForFunction("document.querySelectorAll('.conversation').length === 0");
    await page.waitForSelector('#status[data-state="ready"]');
    assert.equal(await page.locator('.msg').count(), 0);
    await page.reload();
    await page.waitForSelector('#status[data-state="ready"]');
    assert.equal(await page.locator('.conversation').count(), 0);
    assert.equal(await page.locator('.msg').count(), 0);
    await page.close();
  });

  it('offers the microphone, opening the voice page, only when voice is enabled', async () => {
    const page = await open();
    await page.waitForSelector('#status[data-state="ready"]');
    assert.equal(await page.locator('#voice').count(), 0, 'no microphone without voice');
    await page.close();
    const voiced = await startHearth({
      env: { MODEL_ENDPOINT: model.baseUrl },
      config:
        'voice:\n  enabled: true\n  asr: { provider: pocketsphinx, mode: grammar, phrases: ["hello"] }\n  tts: { provider: espeak }\n',
    });
    try {
      const withVoice = await open(voiced.baseUrl);
      await withVoice.waitForSelector('#status[data-state="ready"]');
      const mic = withVoice.getByRole('link', { name: 'Talk with voice' });
      assert.equal(await mic.getAttribute('href'), '/voice.html');
      await mic.click();
      await withVoice.waitForURL(`${voiced.baseUrl}/voice.html`);
      const css = await withVoice.evaluate<number>('document.styleSheets[0].cssRules.length');
      assert.ok(css > 0, "the voice page's stylesheet loaded");
      await withVoice.close();
    } finally {
      await voiced.stop();
    }
  });

  it('works at phone width in light and dark', async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      const page = await open(h.baseUrl, { viewport: { width: 390, height: 844 }, colorScheme });
      await page.waitForSelector('#status[data-state="ready"]');
      await ask(page, 'hello on a phone');
      assert.ok(await page.isVisible('#input'));
      assert.ok(await page.isVisible('#send'));
      assert.ok(await page.isVisible('#attach'));
      assert.equal(await page.isVisible('#sidebar'), false, 'the list is folded away at phone width');
      const overflow = await page.evaluate<number>('document.documentElement.scrollWidth');
      assert.ok(overflow <= 390, `no horizontal scrolling (${overflow}px wide)`);
      const bg = await page.evaluate<string>('getComputedStyle(document.body).backgroundColor');
      assert.equal(bg, colorScheme === 'dark' ? 'rgb(26, 24, 22)' : 'rgb(250, 247, 242)');
      await page.screenshot({ path: join(ARTIFACTS, `webchat-phone-${colorScheme}.png`) });
      await page.click('.list-toggle');
      await page.waitForSelector('#sidebar', { state: 'visible' });
      await page.locator('.conversation').filter({ hasText: 'hello on a phone' }).waitFor();
      await page.screenshot({ path: join(ARTIFACTS, `webchat-phone-${colorScheme}-list.png`) });
      await page.keyboard.press('Escape');
      await page.waitForSelector('#sidebar', { state: 'hidden' });
      await page.click('.list-toggle');
      await page.click('.list-close');
      await page.waitForSelector('#sidebar', { state: 'hidden' });
      await page.close();
    }
  });
});
