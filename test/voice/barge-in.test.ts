import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { equal, ok } from 'node:assert/strict';
import type { AsrProvider } from '../../src/core/voice.js';
import { EspeakTts } from '../../src/voice/tts/espeak/index.js';
import { chunks20ms, concat, silence, speak } from './speech.js';
import { sessionRig } from './session-rig.js';

/** Barge-in does not depend on what was said: a fixed transcript keeps this test about timing. */
const fixedAsr: AsrProvider = {
  name: 'fixed',
  sampleRate: 16_000,
  transcribe: async () => ({ text: 'tell me a story', provider: 'fixed' }),
};

const LONG_ANSWER =
  'Once upon a time there was a little fire. It kept a house warm through a long winter. Every night the family sat around it and told stories. ';

test('speech during playback stops the answer audio within one 20 ms frame', async (t) => {
  const rig = await sessionRig(fixedAsr, new EspeakTts({ voice: 'en-us', wordsPerMinute: 175, timeoutMs: 5000 }));
  t.after(() => rig.session.close());
  const question = concat(speak('tell me a story').samples, silence(600));
  for (const c of chunks20ms(question)) rig.session.pushAudio(c);
  const { utteranceId } = await rig.next('transcript');
  const ids = { replyId: 'r1', inReplyTo: `voice:${utteranceId}`, conversationId: 'voice:test-session' };
  rig.session.replyEvent({ type: 'start', ...ids, model: 'fake' }, utteranceId);
  rig.session.replyEvent({ type: 'delta', ...ids, text: LONG_ANSWER }, utteranceId);
  rig.session.replyEvent(
    {
      type: 'done',
      ...ids,
      text: LONG_ANSWER,
      attachments: [],
      model: 'fake',
      usage: { promptTokens: 1, completionTokens: 1 },
      finishReason: 'stop',
    },
    utteranceId,
  );

  // Let the answer play for a while (it is several seconds long).
  while (rig.packets.length < 25) await sleep(20);
  ok(rig.session.assistantSpeaking);
  const latency = rig.events.find((e) => e.type === 'latency');
  ok(
    latency && latency.type === 'latency' && latency.turn.totalMs! > 0,
    'the turn recorded its latency when the first packet went out',
  );

  let interruptedAt = 0;
  const interrupted = rig.next('interrupted').then(() => (interruptedAt = performance.now()));
  const speechStartsBefore = rig.events.filter((e) => e.type === 'speech-start').length;
  for (const c of chunks20ms(speak('stop').samples)) {
    rig.session.pushAudio(c);
    if (rig.events.filter((e) => e.type === 'speech-start').length > speechStartsBefore) break;
  }
  await interrupted;
  const heardAt = performance.now();
  await sleep(300);
  const late = rig.packets.filter((p) => p.at > interruptedAt + 20);
  equal(late.length, 0, `${late.length} packets were sent more than one frame after barge-in`);
  ok(heardAt - interruptedAt < 20);
  equal(rig.session.assistantSpeaking, false);
  equal(rig.metrics.snapshot().bargeIns, 1);
});
