import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import { configSchema } from '../../src/core/config.js';
import type { Message } from '../../src/core/message.js';
import { VoiceNotes } from '../../src/gateway/voice-notes.js';

test('a voice turn that ends in an error is forgotten, not kept forever', async () => {
  // Transcription off: this test is about the bookkeeping of turns that should be spoken.
  const config = configSchema.parse({ voice: { voiceNotes: { transcribe: false, replyAgents: ['default'] } } });
  const notes = new VoiceNotes(() => config, () => undefined as never, pino({ level: 'silent' }));
  const message: Message = {
    id: 'telegram:1:2', kind: 'message', channel: 'telegram', chatId: '1', sender: { id: 'u' }, text: '',
    attachments: [{ kind: 'voice', blobKey: 'media/x.ogg' }], isGroup: false, mentioned: true, timestamp: 0,
  };
  await notes.transcribe(message);
  assert.equal(notes.waiting, 1);
  await notes.settle({ type: 'error', replyId: 'r', inReplyTo: message.id, conversationId: 'telegram:1', code: 'HEARTH_E_MODEL_FAILED', message: 'x' });
  assert.equal(notes.waiting, 0);
});
