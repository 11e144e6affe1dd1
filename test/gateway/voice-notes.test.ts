import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import { configSchema } from '../../src/core/config.js';
import { replyTargetOf, type Message, type ReplyEvent } from '../../src/core/message.js';
import { VoiceNotes } from '../../src/gateway/voice-notes.js';

// Transcription off: these tests are about which answers are spoken, not about speech recognition.
const config = configSchema.parse({ voice: { voiceNotes: { transcribe: false, replyAgents: ['default'] } } });
const voiceNote = (agent: string): Message => ({
  id: 'telegram:1:2',
  kind: 'message',
  channel: 'telegram',
  chatId: '1',
  sender: { id: 'u' },
  text: '',
  agent,
  attachments: [{ kind: 'voice', blobKey: 'media/x.ogg' }],
  isGroup: false,
  mentioned: true,
  timestamp: 0,
});
/** Blobs that fail the test when touched: nothing may be synthesized or stored. */
const untouchable = () => new Proxy({}, { get: () => assert.fail('the blob store was used') }) as never;

test('a voice note to an agent that speaks is marked, and the mark travels with its reply target', async () => {
  const notes = new VoiceNotes(() => config, untouchable, pino({ level: 'silent' }));
  const spoken = voiceNote('default');
  await notes.transcribe(spoken);
  assert.equal(spoken.voiceReply, true);
  assert.equal(replyTargetOf(spoken).voiceReply, true, 'any gateway replica delivering the reply knows to speak it');
  const silent = voiceNote('support');
  await notes.transcribe(silent);
  assert.equal(silent.voiceReply, undefined);
  assert.equal(replyTargetOf(silent).voiceReply, undefined);
});

test('no state is kept per turn: an unmarked reply and an error end are left alone', async () => {
  const notes = new VoiceNotes(() => config, untouchable, pino({ level: 'silent' }));
  const message = voiceNote('support');
  await notes.transcribe(message);
  const done: ReplyEvent = {
    type: 'done',
    replyId: 'r',
    inReplyTo: message.id,
    conversationId: 'telegram:1',
    text: 'hi',
    attachments: [],
    model: 'm',
    usage: { promptTokens: 0, completionTokens: 0 },
    finishReason: 'stop',
  };
  await notes.speak(replyTargetOf(message), done);
  assert.deepEqual(done.attachments, []);
  const marked = { ...replyTargetOf(voiceNote('default')), voiceReply: true };
  await notes.speak(marked, {
    type: 'error',
    replyId: 'r',
    inReplyTo: message.id,
    conversationId: 'telegram:1',
    code: 'HEARTH_E_MODEL_FAILED',
    message: 'x',
  });
});
