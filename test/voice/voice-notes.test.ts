import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { equal, ok } from 'node:assert/strict';
import type { Message } from '../../src/core/message.js';
import type { BlobStore } from '../../src/core/stores.js';
import { PocketsphinxAsr } from '../../src/voice/asr/pocketsphinx/index.js';
import { decodeOggOpus } from '../../src/voice/audio/ogg-opus.js';
import { encodeWav } from '../../src/voice/audio/wav.js';
import { EspeakTts } from '../../src/voice/tts/espeak/index.js';
import { attachVoiceReply, transcribeVoiceAttachments } from '../../src/voice/voice-notes.js';
import { PHRASES, speak } from './speech.js';

function memoryBlobs(): BlobStore & { data: Map<string, Buffer> } {
  const data = new Map<string, Buffer>();
  return {
    data,
    async put(key, bytes, meta) {
      data.set(key, bytes as Buffer);
      return { ...meta, size: (bytes as Buffer).length };
    },
    async get(key) {
      return data.get(key);
    },
    async stream() {
      return undefined;
    },
    async head(key) {
      return data.has(key) ? { size: data.get(key)!.length } : undefined;
    },
    async delete(key) {
      data.delete(key);
    },
    async close() {},
  };
}

test('a Telegram-style Ogg Opus voice note is transcribed into the message text', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-note-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'in.wav'), encodeWav(speak('call my mother')));
  // opusenc writes the same kind of file Telegram clients send (Ogg Opus, 48 kHz).
  equal(spawnSync('opusenc', ['--quiet', join(dir, 'in.wav'), join(dir, 'note.ogg')]).status, 0);
  const blobs = memoryBlobs();
  await blobs.put('media/note.ogg', readFileSync(join(dir, 'note.ogg')));
  const asr = new PocketsphinxAsr({
    mode: 'grammar',
    phrases: PHRASES,
    modelDir: '/usr/share/pocketsphinx/model/en-us',
    timeoutMs: 10_000,
  });
  t.after(() => asr.close());
  const message: Message = {
    id: 'telegram:1',
    kind: 'message',
    channel: 'telegram',
    chatId: '42',
    sender: { id: '7' },
    text: '',
    isGroup: false,
    mentioned: true,
    timestamp: 0,
    attachments: [
      { kind: 'voice', blobKey: 'media/note.ogg', mimeType: 'audio/ogg' },
      { kind: 'image', blobKey: 'media/x.jpg' },
    ],
  };
  await transcribeVoiceAttachments(message, blobs, asr);
  equal(message.text, 'call my mother');
  equal(message.attachments[0].description, 'Voice message transcript: call my mother');
  equal(message.attachments[1].description, undefined);
});

test('an answer becomes an Ogg Opus voice note attached to the done event', async () => {
  const blobs = memoryBlobs();
  const event = {
    type: 'done' as const,
    replyId: 'telegram:1#r',
    inReplyTo: 'telegram:1',
    conversationId: 'telegram:42',
    text: 'It is **ten** past five.',
    attachments: [],
    model: 'm',
    usage: { promptTokens: 1, completionTokens: 1 },
    finishReason: 'stop',
  };
  await attachVoiceReply(event, blobs, new EspeakTts({ voice: 'en-us', wordsPerMinute: 175, timeoutMs: 5000 }));
  equal(event.attachments.length, 1);
  const att = event.attachments[0] as { kind: string; blobKey: string; mimeType: string };
  equal(att.kind, 'voice');
  equal(att.mimeType, 'audio/ogg');
  const file = blobs.data.get(att.blobKey)!;
  equal(file.toString('ascii', 0, 4), 'OggS');
  const audio = decodeOggOpus(file);
  ok(audio.samples.length > 48_000 * 0.8, 'about a second of speech or more');
});
