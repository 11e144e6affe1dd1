/**
 * End to end: the real `hearth` process (dist/, spawned by the harness) with `voice.enabled`, the
 * OpenAI fake as its model, and headless Chromium on /voice.html speaking through its fake
 * microphone.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { equal, ok } from 'node:assert/strict';
import { startOpenAIFake } from '../fakes/openai-server.js';
import { startHearth } from '../harness.js';
import { inboundAudio, launchChromium, micWav } from './chromium.js';

/** The hearth.yml that turns voice on (what an operator writes). */
export const VOICE_CONFIG = (modelUrl: string) => `models:
  default: fake
  catalog:
    fake: { provider: openai, model: fake-model, baseUrl: "${modelUrl}" }
voice:
  enabled: true
  asr:
    provider: pocketsphinx
    mode: grammar
    phrases: ["what time is it", "tell me a joke", "play some music"]
  tts:
    provider: espeak
`;

test(
  'hearth process: browser voice turn through the real gateway, engine and model fake',
  { timeout: 90_000 },
  async (t) => {
    const model = await startOpenAIFake();
    t.after(() => model.close());
    model.setReply(() => ({ text: 'It is five o clock. Time for tea.' }));
    const h = await startHearth({ config: VOICE_CONFIG(model.baseUrl) });
    t.after(() => h.stop());
    equal((await fetch(`${h.baseUrl}/voice.html`)).status, 200, 'the gateway serves the voice page');

    const dir = mkdtempSync(join(tmpdir(), 'hearth-voice-e2e-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const browser = await launchChromium(micWav(dir, 'what time is it'));
    t.after(() => browser.close());
    const page = await browser.newPage();
    await page.goto(`${h.baseUrl}/voice.html?autostart=1&token=${h.token}`);
    await page.waitForSelector('.msg.user', { timeout: 30_000 });
    ok((await page.textContent('.msg.user'))?.includes('what time is it'));
    await page.waitForSelector('.msg.assistant:not(.streaming)', { timeout: 30_000 });
    ok((await page.textContent('.msg.assistant'))?.includes('Time for tea'));
    let audio = await inboundAudio(page);
    for (let i = 0; i < 100 && (audio.packets < 25 || audio.energy <= 0); i++) {
      await new Promise((r) => setTimeout(r, 100));
      audio = await inboundAudio(page);
    }
    ok(audio.packets >= 25 && audio.energy > 0, `answer audio: ${JSON.stringify(audio)}`);
    await h.waitForLog((l) => l.msg === 'voice turn' && typeof l.totalMs === 'number');
  },
);
