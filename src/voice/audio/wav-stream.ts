/** Turns a streamed WAV (espeak-ng --stdout, an /audio/speech response body) into PCM chunks as bytes arrive. */
import type { PcmAudio } from '../../core/voice.js';
import { downmix } from './resample.js';
import { int16From, parseWavHeader, type WavFormat } from './wav.js';

export async function* pcmFromWavStream(source: AsyncIterable<Uint8Array>): AsyncGenerator<PcmAudio> {
  let head = Buffer.alloc(0);
  let format: WavFormat | undefined;
  let carry = Buffer.alloc(0);
  for await (const chunk of source) {
    let bytes = Buffer.from(chunk);
    if (!format) {
      head = Buffer.concat([head, bytes]);
      format = parseWavHeader(head);
      if (!format) continue;
      bytes = head.subarray(format.dataOffset);
    }
    const frameBytes = 2 * format.channels;
    const all = carry.length ? Buffer.concat([carry, bytes]) : bytes;
    const usable = all.length - (all.length % frameBytes);
    carry = Buffer.from(all.subarray(usable));
    if (usable > 0)
      yield { samples: downmix(int16From(all.subarray(0, usable)), format.channels), sampleRate: format.sampleRate };
  }
}
