/** WAV (RIFF, PCM 16-bit) encoding and decoding: the interchange format of ASR and TTS servers. */
import { ErrorCode, HearthError } from '../../core/errors.js';
import type { PcmAudio } from '../../core/voice.js';
import { downmix } from './resample.js';

/** Wraps mono PCM in a 44-byte WAV header. */
export function encodeWav(audio: PcmAudio): Buffer {
  const data = Buffer.from(audio.samples.buffer, audio.samples.byteOffset, audio.samples.byteLength);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVEfmt ', 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(audio.sampleRate, 24);
  header.writeUInt32LE(audio.sampleRate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

export interface WavFormat {
  sampleRate: number;
  channels: number;
  /** Byte offset of the PCM data. */
  dataOffset: number;
}

/**
 * Reads the format chunk. Streamed WAVs (espeak-ng --stdout, TTS servers) carry a bogus data size,
 * so the data is taken to run to the end of the buffer.
 */
export function parseWavHeader(buf: Buffer): WavFormat | undefined {
  if (buf.length < 12) return undefined;
  if (buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') {
    throw new HearthError(ErrorCode.badRequest, 'not a WAV file', 400);
  }
  let off = 12;
  let fmt: { sampleRate: number; channels: number; bits: number; format: number } | undefined;
  while (off + 8 <= buf.length) {
    const id = buf.toString('ascii', off, off + 4);
    const size = buf.readUInt32LE(off + 4);
    if (id === 'fmt ') {
      if (off + 24 > buf.length) return undefined;
      fmt = {
        format: buf.readUInt16LE(off + 8),
        channels: buf.readUInt16LE(off + 10),
        sampleRate: buf.readUInt32LE(off + 12),
        bits: buf.readUInt16LE(off + 22),
      };
    } else if (id === 'data') {
      if (!fmt) break;
      if (fmt.bits !== 16 || (fmt.format !== 1 && fmt.format !== 0xfffe)) {
        throw new HearthError(ErrorCode.badRequest, 'only 16-bit PCM WAV is supported', 400);
      }
      return { sampleRate: fmt.sampleRate, channels: fmt.channels, dataOffset: off + 8 };
    }
    off += 8 + size + (size & 1);
  }
  return undefined;
}

/** Decodes a complete WAV file to mono PCM. */
export function decodeWav(buf: Buffer): PcmAudio {
  const fmt = parseWavHeader(buf);
  if (!fmt) throw new HearthError(ErrorCode.badRequest, 'truncated WAV file', 400);
  const bytes = buf.subarray(fmt.dataOffset, fmt.dataOffset + ((buf.length - fmt.dataOffset) & ~1));
  return { samples: downmix(int16From(bytes), fmt.channels), sampleRate: fmt.sampleRate };
}

/** Copies little-endian 16-bit bytes into an aligned Int16Array. */
export function int16From(bytes: Uint8Array): Int16Array {
  const out = new Int16Array(bytes.length >> 1);
  new Uint8Array(out.buffer).set(bytes.subarray(0, out.length * 2));
  return out;
}
