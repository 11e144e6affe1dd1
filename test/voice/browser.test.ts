/**
 * Headless Chromium talks to the voice channel over real WebRTC: its fake microphone plays a WAV of
 * espeak speech; the page must show the transcript and the answer and receive non-silent audio.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { equal, ok } from 'node:assert/strict';
import { inboundAudio, launchChromium, micWav } from './chromium.js';
import { answerTo, startVoiceServer } from './voice-server.js';

test('browser voice call: transcript, streamed answer and answer audio over WebRTC', { timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-voice-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const server = await startVoiceServer();
  t.after(() => server.close());
  const browser = await launchChromium(micWav(dir, 'what time is it'));
  t.after(() => browser.close());
  const page = await browser.newPage();
  await page.goto(`${server.url}/voice.html?autostart=1`);

  await page.waitForSelector('.msg.user', { timeout: 20_000 });
  equal(await page.textContent('.msg.user'), 'what time is it');
  await page.waitForSelector('.msg.assistant:not(.streaming)', { timeout: 20_000 });
  equal(await page.textContent('.msg.assistant'), answerTo('what time is it'));
  equal(server.received[0].channel, 'voice');
  equal(server.received[0].text, 'what time is it');

  let audio = await inboundAudio(page);
  for (let i = 0; i < 100 && (audio.packets < 25 || audio.energy <= 0); i++) {
    await new Promise((r) => setTimeout(r, 100));
    audio = await inboundAudio(page);
  }
  ok(audio.packets >= 25, `received ${audio.packets} audio packets`);
  ok(audio.energy > 0, 'the answer audio is not silent');
  equal(server.channel.activeCalls, 1);
  await page.click('#hangup');
  for (let i = 0; i < 50 && server.channel.activeCalls > 0; i++) await new Promise((r) => setTimeout(r, 100));
  equal(server.channel.activeCalls, 0, 'hanging up ends the call on the server');
});
