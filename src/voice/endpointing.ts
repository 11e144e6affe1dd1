/**
 * Voice activity detection and end-of-turn detection over 10 ms frames. A frame is speech when
 * RNNoise calls it voice and it is loud enough; an utterance starts after `startMs` of speech and
 * ends after `endSilenceMs` of silence. A short pre-roll keeps the first syllable that came before
 * the detector was sure.
 */
import { levelDb } from './audio/resample.js';
import type { DenoisedFrame } from './denoise.js';

export interface EndpointingOptions {
  threshold: number;
  minLevelDb: number;
  startMs: number;
  endSilenceMs: number;
  maxUtteranceMs: number;
  /** Duration of one frame in ms (10 for RNNoise frames). */
  frameMs?: number;
  preRollMs?: number;
}

export type EndpointEvent =
  | { type: 'speech-start' }
  | {
      type: 'speech-end';
      /** The utterance's audio, pre-roll included, trailing silence mostly trimmed. */
      samples: Int16Array;
      /** Frame count between the last speech frame and the decision: the end-of-turn detection delay. */
      detectionMs: number;
      reason: 'silence' | 'max-length';
    };

export class Endpointer {
  private readonly frameMs: number;
  private speaking = false;
  private speechRun = 0;
  private silenceRun = 0;
  private frames: Int16Array[] = [];
  private preRoll: Int16Array[] = [];

  constructor(private readonly options: EndpointingOptions) {
    this.frameMs = options.frameMs ?? 10;
  }

  /** Whether an utterance is in progress. */
  get inSpeech(): boolean {
    return this.speaking;
  }

  /** Whether this frame counts as speech. */
  isSpeech(frame: DenoisedFrame): boolean {
    return frame.speechProbability >= this.options.threshold && levelDb(frame.samples) >= this.options.minLevelDb;
  }

  /** Feeds one frame; returns what it decided, if anything. */
  push(frame: DenoisedFrame): EndpointEvent | undefined {
    const speech = this.isSpeech(frame);
    if (!this.speaking) {
      this.preRoll.push(frame.samples);
      const keep =
        Math.ceil((this.options.preRollMs ?? 200) / this.frameMs) + Math.ceil(this.options.startMs / this.frameMs);
      if (this.preRoll.length > keep) this.preRoll.shift();
      this.speechRun = speech ? this.speechRun + 1 : 0;
      if (this.speechRun * this.frameMs >= this.options.startMs) {
        this.speaking = true;
        this.silenceRun = 0;
        this.frames = this.preRoll;
        this.preRoll = [];
        return { type: 'speech-start' };
      }
      return undefined;
    }
    this.frames.push(frame.samples);
    this.silenceRun = speech ? 0 : this.silenceRun + 1;
    if (this.silenceRun * this.frameMs >= this.options.endSilenceMs) return this.finish('silence');
    if (this.frames.length * this.frameMs >= this.options.maxUtteranceMs) return this.finish('max-length');
    return undefined;
  }

  /** Drops any utterance in progress. */
  reset(): void {
    this.speaking = false;
    this.speechRun = 0;
    this.silenceRun = 0;
    this.frames = [];
    this.preRoll = [];
  }

  private finish(reason: 'silence' | 'max-length'): EndpointEvent {
    const detectionMs = this.silenceRun * this.frameMs;
    // Keep 150 ms of the trailing silence: recognizers want a little of it to close the last word.
    const keep = this.frames.length - Math.max(0, this.silenceRun - Math.ceil(150 / this.frameMs));
    const parts = this.frames.slice(0, keep);
    const samples = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
    let off = 0;
    for (const p of parts) {
      samples.set(p, off);
      off += p.length;
    }
    this.reset();
    return { type: 'speech-end', samples, detectionMs, reason };
  }
}
