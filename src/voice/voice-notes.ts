/**
 * Voice notes on chat channels (Telegram, WhatsApp): transcribe inbound voice/audio attachments
 * with the ASR provider so a text model can answer, and synthesize an Ogg Opus voice note for
 * agents configured to answer with voice.
 */
import type { Attachment, Message, ReplyEvent } from '../core/message.js';
import type { BlobStore } from '../core/stores.js';
import type { AsrProvider, PcmAudio, TtsProvider } from '../core/voice.js';
import { decodeAudioFile } from './audio/decode-file.js';
import { encodeOggOpus } from './audio/ogg-opus.js';
import { resample } from './audio/resample.js';
import { speakable } from './sentences.js';

function isSpeech(a: Attachment): boolean {
  return a.kind === 'voice' || a.kind === 'audio';
}

/**
 * Fills each stored voice/audio attachment's `description` with its transcript and, when the message
 * has no text of its own, `text` with the transcripts. Attachments that fail to decode or recognize
 * are left as they are (the model still sees that a voice note came), and the message is returned.
 */
export async function transcribeVoiceAttachments(
  message: Message,
  blobs: BlobStore,
  asr: AsrProvider,
): Promise<Message> {
  const transcripts: string[] = [];
  for (const attachment of message.attachments) {
    if (!isSpeech(attachment) || !attachment.blobKey || attachment.description) continue;
    const bytes = await blobs.get(attachment.blobKey);
    if (!bytes) continue;
    try {
      const audio = resample(decodeAudioFile(bytes), asr.sampleRate);
      const { text } = await asr.transcribe(audio);
      if (!text) continue;
      attachment.description = `Voice message transcript: ${text}`;
      transcripts.push(text);
    } catch {
      continue;
    }
  }
  if (transcripts.length && !message.text.trim()) message.text = transcripts.join('\n');
  return message;
}

/** Speaks a whole answer and returns it as an Ogg Opus voice note. */
export async function synthesizeVoiceReply(
  text: string,
  tts: TtsProvider,
): Promise<{ buffer: Buffer; mimeType: 'audio/ogg' }> {
  const parts: PcmAudio[] = [];
  for await (const pcm of tts.synthesize(speakable(text))) parts.push(resample(pcm, 48_000));
  const samples = new Int16Array(parts.reduce((n, p) => n + p.samples.length, 0));
  let off = 0;
  for (const p of parts) {
    samples.set(p.samples, off);
    off += p.samples.length;
  }
  return { buffer: encodeOggOpus({ samples, sampleRate: 48_000 }), mimeType: 'audio/ogg' };
}

/**
 * Stores a voice-note rendition of a `done` answer in the BlobStore and appends it to the event's
 * attachments (kind `voice`), which the Telegram and WhatsApp adapters send as a voice message.
 */
export async function attachVoiceReply(
  event: Extract<ReplyEvent, { type: 'done' }>,
  blobs: BlobStore,
  tts: TtsProvider,
): Promise<void> {
  if (!event.text.trim()) return;
  const note = await synthesizeVoiceReply(event.text, tts);
  const blobKey = `voice-replies/${event.replyId.replace(/[^A-Za-z0-9_.-]/g, '_')}.ogg`;
  const meta = await blobs.put(blobKey, note.buffer, { mimeType: note.mimeType, fileName: 'answer.ogg' });
  event.attachments.push({ kind: 'voice', blobKey, mimeType: note.mimeType, fileName: 'answer.ogg', size: meta.size });
}
