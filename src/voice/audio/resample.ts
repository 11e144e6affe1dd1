/**
 * Sample-rate conversion and channel mixing. Linear interpolation with a box pre-filter when
 * downsampling: cheap enough for the real-time path and clean enough for speech recognition.
 */
import type { PcmAudio } from '../../core/voice.js';

/** Averages interleaved channels into one. */
export function downmix(samples: Int16Array, channels: number): Int16Array {
  if (channels <= 1) return samples;
  const out = new Int16Array(Math.floor(samples.length / channels));
  for (let i = 0; i < out.length; i++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += samples[i * channels + c];
    out[i] = Math.round(sum / channels);
  }
  return out;
}

/** Converts mono PCM to another sample rate. */
export function resample(audio: PcmAudio, toRate: number): PcmAudio {
  const { samples, sampleRate } = audio;
  if (sampleRate === toRate) return audio;
  const ratio = sampleRate / toRate;
  const out = new Int16Array(Math.floor(samples.length / ratio));
  // Downsampling averages the `ratio` source samples around each point so high frequencies don't alias.
  const width = ratio > 1 ? Math.floor(ratio) : 1;
  for (let i = 0; i < out.length; i++) {
    const pos = i * ratio;
    const j = Math.floor(pos);
    if (width > 1) {
      let sum = 0;
      let n = 0;
      for (let k = j; k < j + width && k < samples.length; k++, n++) sum += samples[k];
      out[i] = n ? Math.round(sum / n) : 0;
    } else {
      const frac = pos - j;
      const a = samples[j] ?? 0;
      const b = samples[j + 1] ?? a;
      out[i] = Math.round(a + (b - a) * frac);
    }
  }
  return { samples: out, sampleRate: toRate };
}

/** Root-mean-square level in dBFS (−∞ for digital silence). */
export function levelDb(samples: Int16Array | Float32Array): number {
  if (samples.length === 0) return -Infinity;
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum += samples[i] * samples[i];
  return 20 * Math.log10(Math.sqrt(sum / samples.length) / 32768);
}
