/**
 * Ogg Opus files (RFC 7845): voice notes of Telegram and WhatsApp. Decodes them to PCM for ASR and
 * encodes synthesized speech back into one.
 */
import { randomInt } from 'node:crypto';
import { ErrorCode, HearthError } from '../../core/errors.js';
import type { PcmAudio } from '../../core/voice.js';
import { buildOggPage, readOggPackets } from './ogg.js';
import { FRAME_SAMPLES, OPUS_RATE, OpusDecoder, OpusEncoder, framesOf } from './opus-codec.js';
import { resample } from './resample.js';

/** Decodes an Ogg Opus file to 48 kHz mono PCM. */
export function decodeOggOpus(file: Buffer): PcmAudio {
  const packets = readOggPackets(file);
  const head = packets[0];
  if (!head || head.toString('ascii', 0, 8) !== 'OpusHead')
    throw new HearthError(ErrorCode.badRequest, 'not an Ogg Opus stream', 400);
  const channels = head[9];
  const preSkip = head.readUInt16LE(10);
  const decoder = new OpusDecoder(channels === 2 ? 2 : 1);
  try {
    const parts: Int16Array[] = [];
    let total = 0;
    for (const packet of packets.slice(2)) {
      if (packet.length === 0) continue;
      const pcm = decoder.decode(packet);
      parts.push(pcm);
      total += pcm.length;
    }
    const all = new Int16Array(total);
    let off = 0;
    for (const p of parts) {
      all.set(p, off);
      off += p.length;
    }
    return { samples: all.subarray(Math.min(preSkip, all.length)), sampleRate: OPUS_RATE };
  } finally {
    decoder.close();
  }
}

const PRE_SKIP = 312;

/** Encodes PCM (any rate) into an Ogg Opus file that Telegram and WhatsApp play as a voice note. */
export function encodeOggOpus(audio: PcmAudio): Buffer {
  const pcm = resample(audio, OPUS_RATE);
  const serial = randomInt(0, 2 ** 31);
  const head = Buffer.alloc(19);
  head.write('OpusHead', 0);
  head[8] = 1;
  head[9] = 1;
  head.writeUInt16LE(PRE_SKIP, 10);
  head.writeUInt32LE(audio.sampleRate, 12);
  const vendor = Buffer.from('hearth');
  const tags = Buffer.alloc(8 + 4 + vendor.length + 4);
  tags.write('OpusTags', 0);
  tags.writeUInt32LE(vendor.length, 8);
  vendor.copy(tags, 12);
  const pages = [
    buildOggPage({ packets: [head], granule: 0n, serial, sequence: 0, bos: true }),
    buildOggPage({ packets: [tags], granule: 0n, serial, sequence: 1 }),
  ];
  const encoder = new OpusEncoder();
  try {
    const frames = [...framesOf(pcm)];
    const perPage = 50; // one second of audio per page
    for (let i = 0; i < frames.length || i === 0; i += perPage) {
      const chunk = frames.slice(i, i + perPage).map((f) => encoder.encode(f));
      const last = i + perPage >= frames.length;
      // The last page's granule ends exactly at the audio's end so players trim the padding.
      const granule = BigInt(PRE_SKIP + (last ? pcm.samples.length : (i + chunk.length) * FRAME_SAMPLES));
      pages.push(buildOggPage({ packets: chunk, granule, serial, sequence: pages.length, eos: last }));
    }
  } finally {
    encoder.close();
  }
  return Buffer.concat(pages);
}
