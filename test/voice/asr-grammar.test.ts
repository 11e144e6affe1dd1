import { test } from 'node:test';
import { deepEqual, equal, ok, rejects } from 'node:assert/strict';
import { PocketsphinxAsr } from '../../src/voice/asr/pocketsphinx/index.js';
import { EspeakTts } from '../../src/voice/tts/espeak/index.js';
import { addNoise, chunks20ms, concat, PHRASES, silence, speak, wordErrorRate } from './speech.js';
import { sessionRig } from './session-rig.js';

const MODEL_DIR = '/usr/share/pocketsphinx/model/en-us';
const grammarAsr = () =>
  new PocketsphinxAsr({ mode: 'grammar', phrases: PHRASES, modelDir: MODEL_DIR, timeoutMs: 10_000 });

test('grammar mode recognizes the espeak sentences with WER ≤ 10 %', async (t) => {
  const asr = grammarAsr();
  t.after(() => asr.close());
  let errors = 0;
  let words = 0;
  for (const phrase of PHRASES) {
    const { text } = await asr.transcribe(speak(phrase, 16_000));
    errors += wordErrorRate(phrase, text) * phrase.split(' ').length;
    words += phrase.split(' ').length;
  }
  const wer = errors / words;
  t.diagnostic(`grammar-mode WER on ${PHRASES.length} espeak sentences: ${(wer * 100).toFixed(1)} %`);
  ok(wer <= 0.1, `WER ${(wer * 100).toFixed(1)} %`);
});

test('a phrase with words missing from the dictionary is a config error', () => {
  let thrown: unknown;
  try {
    new PocketsphinxAsr({ mode: 'grammar', phrases: ['open the qwxzzy'], modelDir: MODEL_DIR, timeoutMs: 1000 });
  } catch (err) {
    thrown = err;
  }
  ok(String((thrown as Error)?.message).includes('qwxzzy'));
  equal((thrown as { code?: string }).code, 'HEARTH_E_CONFIG');
});

test('a missing recognizer program fails with HEARTH_E_ASR', async (t) => {
  const asr = new PocketsphinxAsr({
    mode: 'grammar',
    phrases: PHRASES,
    modelDir: MODEL_DIR,
    timeoutMs: 1000,
    program: '/nonexistent/pocketsphinx',
  });
  t.after(() => asr.close());
  await rejects(asr.transcribe(speak('play some music', 16_000)), { code: 'HEARTH_E_ASR' });
});

test('pipeline: noisy speech with pauses → denoise → VAD → one transcript per utterance', async (t) => {
  const asr = grammarAsr();
  t.after(() => asr.close());
  const rig = await sessionRig(asr, new EspeakTts({ voice: 'en-us', wordsPerMinute: 175, timeoutMs: 5000 }));
  t.after(() => rig.session.close());
  const spoken = ['what time is it', 'open the garage door', 'tell me a joke'];
  // Background noise at ~−40 dBFS throughout, including the silences between turns.
  const audio = addNoise(
    concat(
      silence(600),
      speak(spoken[0]).samples,
      silence(900),
      speak(spoken[1]).samples,
      silence(900),
      speak(spoken[2]).samples,
      silence(900),
    ),
    600,
  );
  const noiseOnly = addNoise(silence(1500), 600, 7);
  for (const chunk of chunks20ms(concat(noiseOnly, audio))) rig.session.pushAudio(chunk);
  for (let i = 0; i < spoken.length; i++) await rig.next('transcript');
  deepEqual(
    rig.utterances.map((u) => u.text),
    spoken,
  );
  equal(rig.events.filter((e) => e.type === 'speech-start').length, 3, 'noise alone never starts an utterance');
});
