/** Decodes an audio file a chat platform sent (voice note, audio attachment) to PCM. */
import { ErrorCode, HearthError } from '../../core/errors.js';
import type { PcmAudio } from '../../core/voice.js';
import { decodeOggOpus } from './ogg-opus.js';
import { decodeWav } from './wav.js';

/** Sniffs the container from its magic bytes (platform MIME types are often vague or wrong). */
export function decodeAudioFile(file: Buffer): PcmAudio {
  const magic = file.toString('ascii', 0, 4);
  if (magic === 'OggS') return decodeOggOpus(file);
  if (magic === 'RIFF') return decodeWav(file);
  throw new HearthError(ErrorCode.asr, 'unsupported audio format (need Ogg Opus or WAV)', 415);
}
