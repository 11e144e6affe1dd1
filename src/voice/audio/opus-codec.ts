/**
 * Opus encoding and decoding in WebAssembly (opusscript's build of libopus): no native addon to
 * compile, the same codec the browser speaks over WebRTC.
 */
import OpusScript from 'opusscript';
import type { PcmAudio } from '../../core/voice.js';
import { downmix } from './resample.js';

/** WebRTC and Ogg Opus both run at 48 kHz; 20 ms frames are the browser's default. */
export const OPUS_RATE = 48_000;
export const FRAME_SAMPLES = 960;

/** Decodes Opus packets to 48 kHz mono PCM. One instance per stream (the decoder has state). */
export class OpusDecoder {
  private readonly codec: OpusScript;

  constructor(private readonly channels = 1) {
    this.codec = new OpusScript(OPUS_RATE, channels);
  }

  decode(packet: Buffer): Int16Array {
    const out = this.codec.decode(packet);
    // The result views the codec's heap, which the next call overwrites: copy it out.
    const pcm = new Int16Array(out.length >> 1);
    new Uint8Array(pcm.buffer).set(out);
    return downmix(pcm, this.channels);
  }

  close(): void {
    this.codec.delete();
  }
}

/** Encodes 20 ms frames of 48 kHz mono PCM into Opus packets. */
export class OpusEncoder {
  private readonly codec = new OpusScript(OPUS_RATE, 1, OpusScript.Application.VOIP);

  /** Encodes one frame of exactly `FRAME_SAMPLES` samples. */
  encode(frame: Int16Array): Buffer {
    return Buffer.from(this.codec.encode(Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength), FRAME_SAMPLES));
  }

  close(): void {
    this.codec.delete();
  }
}

/** Splits 48 kHz PCM into whole 20 ms frames, padding the last one with silence. */
export function* framesOf(audio: PcmAudio): Generator<Int16Array> {
  for (let i = 0; i < audio.samples.length; i += FRAME_SAMPLES) {
    const frame = new Int16Array(FRAME_SAMPLES);
    frame.set(audio.samples.subarray(i, i + FRAME_SAMPLES));
    yield frame;
  }
}
