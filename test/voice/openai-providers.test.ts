import { test } from 'node:test';
import { equal, ok, rejects } from 'node:assert/strict';
import { OpenAiAsr } from '../../src/voice/asr/openai/index.js';
import { OpenAiTts } from '../../src/voice/tts/openai/index.js';
import { startAudioFake } from '../fakes/audio-server.js';
import { speak } from './speech.js';

test('OpenAI-compatible ASR uploads a 16 kHz WAV and returns the server text', async (t) => {
  const fake = await startAudioFake({ apiKey: 'sk-audio-test', transcribe: (audio) => `heard ${audio.sampleRate} Hz` });
  t.after(() => fake.close());
  const asr = new OpenAiAsr({
    baseUrl: fake.baseUrl,
    apiKey: 'sk-audio-test',
    model: 'whisper-small',
    language: 'en',
    timeoutMs: 5000,
  });
  const speech = speak('play some music');
  const result = await asr.transcribe(speech);
  equal(result.text, 'heard 16000 Hz');
  const req = fake.requests[0];
  equal(req.fields.model, 'whisper-small');
  equal(req.fields.language, 'en');
  equal(req.authorization, 'Bearer sk-audio-test');
  ok(Math.abs(req.audio!.samples.length - speech.samples.length / 3) <= 1, 'the whole utterance was uploaded');
});

test('OpenAI-compatible ASR failures carry HEARTH_E_ASR', async (t) => {
  const fake = await startAudioFake({ failWith: 500 });
  t.after(() => fake.close());
  const asr = new OpenAiAsr({ baseUrl: fake.baseUrl, model: 'm', timeoutMs: 5000 });
  await rejects(asr.transcribe(speak('hello')), { code: 'HEARTH_E_ASR' });
  const down = new OpenAiAsr({ baseUrl: 'http://127.0.0.1:9/v1', model: 'm', timeoutMs: 2000 });
  await rejects(down.transcribe(speak('hello')), { code: 'HEARTH_E_ASR' });
});

test('OpenAI-compatible TTS streams PCM before the response ends, and stops on abort', async (t) => {
  const fake = await startAudioFake({ chunkDelayMs: 30 });
  t.after(() => fake.close());
  const tts = new OpenAiTts({ baseUrl: fake.baseUrl, model: 'kokoro', voice: 'af_heart', timeoutMs: 5000 });
  const text = 'This sentence takes a while to say out loud.';
  let chunks = 0;
  let samples = 0;
  for await (const pcm of tts.synthesize(text)) {
    equal(pcm.sampleRate, 24_000);
    chunks++;
    samples += pcm.samples.length;
  }
  ok(chunks > 5, `streamed in ${chunks} chunks`);
  equal(samples, Math.round(24_000 * 0.06 * text.length));
  equal(fake.requests[0].json!.response_format, 'wav');
  equal(fake.requests[0].json!.voice, 'af_heart');

  const abort = new AbortController();
  let afterAbort = 0;
  for await (const _ of tts.synthesize(text, { signal: abort.signal })) {
    if (abort.signal.aborted) afterAbort++;
    abort.abort();
  }
  equal(afterAbort, 0);
});
