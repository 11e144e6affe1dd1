import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { equal, ok, throws } from 'node:assert/strict';
import { decodeAudioFile } from '../../src/voice/audio/decode-file.js';
import { buildOggPage, readOggPackets } from '../../src/voice/audio/ogg.js';
import { decodeOggOpus, encodeOggOpus } from '../../src/voice/audio/ogg-opus.js';
import { levelDb, resample } from '../../src/voice/audio/resample.js';
import { decodeWav, encodeWav } from '../../src/voice/audio/wav.js';
import { speak } from './speech.js';

test('WAV encode/decode round-trips samples and rate', () => {
  const samples = Int16Array.from([0, 1, -1, 32767, -32768, 1234]);
  const back = decodeWav(encodeWav({ samples, sampleRate: 16_000 }));
  equal(back.sampleRate, 16_000);
  equal([...back.samples].join(), [...samples].join());
  throws(() => decodeWav(Buffer.from('not a wav file at all')), /not a WAV/);
});

test("resampling keeps duration and a tone's level", () => {
  const tone = new Int16Array(48_000).map((_, i) => Math.round(10_000 * Math.sin((2 * Math.PI * 440 * i) / 48_000)));
  const down = resample({ samples: tone, sampleRate: 48_000 }, 16_000);
  equal(down.samples.length, 16_000);
  ok(Math.abs(levelDb(down.samples) - levelDb(tone)) < 1, 'a 440 Hz tone passes the anti-alias filter');
  const up = resample(down, 48_000);
  equal(up.samples.length, 48_000);
});

test('Ogg pages carry valid CRCs and split packets back out', () => {
  const packets = [Buffer.alloc(10, 1), Buffer.alloc(600, 2), Buffer.alloc(255, 3)];
  const page = buildOggPage({ packets, granule: 0n, serial: 7, sequence: 0, bos: true });
  const back = readOggPackets(page);
  equal(back.length, 3);
  equal(back[1].length, 600);
  equal(back[2].length, 255);
});

test('our Ogg Opus voice notes play in opusdec, and opusenc files decode in ours', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-ogg-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const speech = speak('set a timer for ten minutes');
  const ours = encodeOggOpus(speech);
  writeFileSync(join(dir, 'ours.ogg'), ours);
  const dec = spawnSync('opusdec', ['--quiet', '--rate', '48000', join(dir, 'ours.ogg'), join(dir, 'ours.wav')]);
  equal(dec.status, 0, String(dec.stderr));
  const played = decodeWav(readFileSync(join(dir, 'ours.wav')));
  ok(
    Math.abs(played.samples.length - speech.samples.length) < 960,
    'opusdec sees the same duration (pre-skip and end trimming right)',
  );

  writeFileSync(join(dir, 'in.wav'), encodeWav(speech));
  const enc = spawnSync('opusenc', ['--quiet', join(dir, 'in.wav'), join(dir, 'theirs.ogg')]);
  equal(enc.status, 0, String(enc.stderr));
  const decoded = decodeAudioFile(readFileSync(join(dir, 'theirs.ogg')));
  equal(decoded.sampleRate, 48_000);
  ok(Math.abs(decoded.samples.length - speech.samples.length) < 2 * 960);
  ok(Math.abs(levelDb(decoded.samples) - levelDb(speech.samples)) < 3, 'decoded speech has the original loudness');
  equal(decodeOggOpus(ours).samples.length > 0, true);
});
