/** Headless Chromium for voice tests: a fake microphone playing a WAV, and the page's inbound audio stats. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { encodeWav } from '../../src/voice/audio/wav.js';
import { concat, silence, speak } from './speech.js';

export const CHROMIUM = '/usr/bin/chromium';

/** Launches Chromium with a fake microphone playing `wav` (it loops). */
export function launchChromium(wav: string): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
      '--allow-loopback-in-peer-connection',
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-audio-capture=${wav}`,
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
}

/** Writes the fake microphone's WAV: silence, the spoken phrase, then a long pause before it loops. */
export function micWav(dir: string, phrase: string): string {
  const file = join(dir, 'mic.wav');
  writeFileSync(
    file,
    encodeWav({ samples: concat(silence(1000), speak(phrase).samples, silence(6000)), sampleRate: 48_000 }),
  );
  return file;
}

/** Inbound audio stats of the page's peer connection. */
export async function inboundAudio(page: Page): Promise<{ packets: number; energy: number }> {
  return page.evaluate(async () => {
    // Runs in the page (DOM types are not in this project's lib).
    type Stat = { type: string; kind?: string; packetsReceived?: number; totalAudioEnergy?: number };
    const pc = (globalThis as unknown as { hearthVoice: { pc: { getStats(): Promise<Map<string, Stat>> } | null } })
      .hearthVoice.pc;
    if (!pc) return { packets: 0, energy: 0 };
    let packets = 0;
    let energy = 0;
    (await pc.getStats()).forEach((s) => {
      if (s.type === 'inbound-rtp' && s.kind === 'audio') {
        packets += s.packetsReceived ?? 0;
        energy += s.totalAudioEnergy ?? 0;
      }
    });
    return { packets, energy };
  });
}
