/** Test speech: espeak-ng renders fixed sentences; helpers add silence and noise. */
import { spawnSync } from 'node:child_process';
import { ok } from 'node:assert/strict';
import type { PcmAudio } from '../../src/core/voice.js';
import { resample } from '../../src/voice/audio/resample.js';
import { decodeWav } from '../../src/voice/audio/wav.js';

/** The command phrases of the grammar tests (and of the configured grammar). */
export const PHRASES = [
  'turn on the kitchen lights',
  'turn off the kitchen lights',
  'what time is it',
  'tell me a joke',
  'set a timer for ten minutes',
  'play some music',
  'what is the weather today',
  'stop the music',
  'call my mother',
  'open the garage door',
];

/** espeak-ng's rendering of `text` at `rate` Hz. */
export function speak(text: string, rate = 48_000, voice = 'en-us'): PcmAudio {
  const r = spawnSync('espeak-ng', ['--stdout', '-v', voice, text], { maxBuffer: 64 * 1024 * 1024 });
  ok(r.status === 0 && r.stdout.length > 44, `espeak-ng failed: ${r.stderr}`);
  return resample(decodeWav(r.stdout), rate);
}

export function silence(ms: number, rate = 48_000): Int16Array {
  return new Int16Array(Math.round((rate * ms) / 1000));
}

/** Joins PCM pieces. */
export function concat(...parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** Adds deterministic white noise of the given peak amplitude (e.g. 800 ≈ −38 dBFS RMS). */
export function addNoise(samples: Int16Array, amplitude: number, seed = 1): Int16Array {
  let s = seed;
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    const n = ((s / 0x7fffffff) * 2 - 1) * amplitude;
    out[i] = Math.max(-32768, Math.min(32767, Math.round(samples[i] + n)));
  }
  return out;
}

/** Word error rate: word-level edit distance over the reference length. */
export function wordErrorRate(reference: string, hypothesis: string): number {
  const r = reference.toLowerCase().split(/\s+/).filter(Boolean);
  const h = hypothesis.toLowerCase().split(/\s+/).filter(Boolean);
  const d = Array.from({ length: r.length + 1 }, (_, i) => [i, ...new Array(h.length).fill(0)]);
  for (let j = 1; j <= h.length; j++) d[0][j] = j;
  for (let i = 1; i <= r.length; i++)
    for (let j = 1; j <= h.length; j++)
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (r[i - 1] === h[j - 1] ? 0 : 1));
  return r.length ? d[r.length][h.length] / r.length : h.length ? 1 : 0;
}

/** Splits PCM into 20 ms chunks, as the transport delivers it. */
export function* chunks20ms(samples: Int16Array, rate = 48_000): Generator<Int16Array> {
  const n = rate / 50;
  for (let i = 0; i < samples.length; i += n) yield samples.subarray(i, i + n);
}
