/**
 * Noise reduction with RNNoise (Xiph's recurrent network, compiled to WebAssembly). It works on
 * 10 ms frames of 48 kHz audio and also reports how likely each frame is speech, which the
 * endpointer uses as its voice activity signal.
 */
import createRnnoise, { type RnnoiseModule } from '@jitsi/rnnoise-wasm/dist/rnnoise-sync.js';

/** RNNoise's fixed frame: 10 ms at 48 kHz. */
export const DENOISE_FRAME = 480;

let modulePromise: Promise<RnnoiseModule> | undefined;

/** Loads the WebAssembly module once per process (≈ 30 ms); every stream shares it. */
function loadModule(): Promise<RnnoiseModule> {
  modulePromise ??= createRnnoise();
  return modulePromise;
}

export interface DenoisedFrame {
  samples: Int16Array;
  /** RNNoise's voice probability for this frame, 0…1. */
  speechProbability: number;
}

/** One stream's denoiser state. Feed 48 kHz PCM of any length; get whole 10 ms frames back. */
export class Denoiser {
  private pending = new Int16Array(0);
  private closed = false;

  private constructor(
    private readonly mod: RnnoiseModule,
    private readonly state: number,
    private readonly buffer: number,
    private readonly enabled: boolean,
  ) {}

  /** With `enabled` false the audio passes through unchanged but the voice probability is still computed. */
  static async create(enabled = true): Promise<Denoiser> {
    const mod = await loadModule();
    return new Denoiser(mod, mod._rnnoise_create(), mod._malloc(DENOISE_FRAME * 4), enabled);
  }

  process(pcm: Int16Array): DenoisedFrame[] {
    if (this.closed) return [];
    const all = new Int16Array(this.pending.length + pcm.length);
    all.set(this.pending);
    all.set(pcm, this.pending.length);
    const frames: DenoisedFrame[] = [];
    let off = 0;
    for (; off + DENOISE_FRAME <= all.length; off += DENOISE_FRAME) {
      const input = all.subarray(off, off + DENOISE_FRAME);
      // The heap view must be taken per call: the module's memory may grow and detach old views.
      const heap = new Float32Array(this.mod.HEAPF32.buffer, this.buffer, DENOISE_FRAME);
      for (let i = 0; i < DENOISE_FRAME; i++) heap[i] = input[i];
      const speechProbability = this.mod._rnnoise_process_frame(this.state, this.buffer, this.buffer);
      let samples = input.slice();
      if (this.enabled) {
        samples = new Int16Array(DENOISE_FRAME);
        for (let i = 0; i < DENOISE_FRAME; i++) samples[i] = Math.max(-32768, Math.min(32767, Math.round(heap[i])));
      }
      frames.push({ samples, speechProbability });
    }
    this.pending = all.slice(off);
    return frames;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.mod._rnnoise_destroy(this.state);
    this.mod._free(this.buffer);
  }
}
