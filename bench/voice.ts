/**
 * Voice pipeline latency: 20 spoken turns (espeak-ng speech → RNNoise → VAD → pocketsphinx grammar
 * ASR → instant fake model → espeak-ng TTS → Opus packets), per-stage P50/P95. Goal: end of speech →
 * first answer audio packet ≤ 500 ms on a 2-core machine.
 *
 *   node dist/bench/voice.js            (VOICE_END_SILENCE_MS=300 by default)
 */
import pino from 'pino';
import { PocketsphinxAsr } from '../src/voice/asr/pocketsphinx/index.js';
import { AudioOutput } from '../src/voice/audio-out.js';
import { Denoiser } from '../src/voice/denoise.js';
import { STAGES, VoiceMetrics } from '../src/voice/latency.js';
import { VoiceSession, type VoiceEvent } from '../src/voice/session.js';
import { EspeakTts } from '../src/voice/tts/espeak/index.js';
import { addNoise, chunks20ms, concat, PHRASES, silence, speak } from '../test/voice/speech.js';

const TURNS = 20;
const endSilenceMs = Number(process.env.VOICE_END_SILENCE_MS ?? 300);

const asr = new PocketsphinxAsr({
  mode: 'grammar',
  phrases: PHRASES,
  modelDir: '/usr/share/pocketsphinx/model/en-us',
  timeoutMs: 10_000,
});
const tts = new EspeakTts({ voice: 'en-us', wordsPerMinute: 175, timeoutMs: 10_000 });
const metrics = new VoiceMetrics();
const output = new AudioOutput(() => undefined);
let onLatency: (() => void) | undefined;
const session: VoiceSession = new VoiceSession({
  id: 'bench',
  asr,
  tts,
  denoiser: await Denoiser.create(true),
  output,
  endpointing: { threshold: 0.6, minLevelDb: -50, startMs: 60, endSilenceMs, maxUtteranceMs: 15_000 },
  bargeIn: true,
  metrics,
  log: pino({ level: 'silent' }),
  send: (e: VoiceEvent) => {
    if (e.type === 'latency') onLatency?.();
  },
  // The instant fake model: the whole answer arrives as one delta right away.
  onUtterance: async (text, utteranceId) => {
    const ids = { replyId: `${utteranceId}#r`, inReplyTo: `voice:${utteranceId}`, conversationId: 'voice:bench' };
    const answer = `Sure. You asked me to ${text}.`;
    queueMicrotask(() => {
      session.replyEvent({ type: 'start', ...ids, model: 'instant' }, utteranceId);
      session.replyEvent({ type: 'delta', ...ids, text: answer }, utteranceId);
      session.replyEvent(
        {
          type: 'done',
          ...ids,
          text: answer,
          attachments: [],
          model: 'instant',
          usage: { promptTokens: 1, completionTokens: 1 },
          finishReason: 'stop',
        },
        utteranceId,
      );
    });
  },
});

for (let i = 0; i < TURNS; i++) {
  const phrase = PHRASES[i % PHRASES.length];
  const audio = addNoise(concat(silence(300), speak(phrase).samples, silence(endSilenceMs + 100)), 400, i + 1);
  const done = new Promise<void>((resolve) => (onLatency = resolve));
  // Audio arrives in real time, as from a microphone, so the clock-based stages are honest.
  for (const chunk of chunks20ms(audio)) {
    session.pushAudio(chunk);
    await new Promise((r) => setTimeout(r, 20));
  }
  await done;
  output.clear();
}

const snap = metrics.snapshot();
console.log(
  `voice pipeline, ${snap.turns} turns, end-of-turn silence ${endSilenceMs} ms (pocketsphinx grammar, espeak-ng, instant model)`,
);
console.log('stage'.padEnd(18), 'P50 ms'.padStart(8), 'P95 ms'.padStart(8));
for (const stage of STAGES) {
  const s = snap.stages[stage];
  console.log(stage.padEnd(18), String(s.p50 ?? '-').padStart(8), String(s.p95 ?? '-').padStart(8));
}
const p50 = snap.stages.totalMs.p50 ?? Infinity;
console.log(
  `end of speech → first answer audio: P50 ${p50} ms, P95 ${snap.stages.totalMs.p95} ms (goal ≤ 500 ms: ${p50 <= 500 ? 'met' : 'missed'} at P50)`,
);
session.close();
await asr.close();
