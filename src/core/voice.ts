/**
 * The speech seams: `AsrProvider` turns audio into text, `TtsProvider` turns text into audio. The voice
 * pipeline (src/voice/) and the voice-note path of chat channels use them; adapters live in
 * `src/voice/asr/<provider>` and `src/voice/tts/<provider>` and are chosen by the `voice` config.
 */

/** Mono 16-bit PCM at a known sample rate: the one audio shape every stage agrees on. */
export interface PcmAudio {
  samples: Int16Array;
  sampleRate: number;
}

export interface Transcript {
  text: string;
  /** Which provider produced it (for logs and metrics). */
  provider: string;
}

export interface AsrProvider {
  readonly name: string;
  /** The sample rate it wants; callers resample to it so providers stay simple. */
  readonly sampleRate: number;
  /** Transcribes one finished utterance. Rejects with a `HearthError` (`HEARTH_E_ASR`) on failure. */
  transcribe(audio: PcmAudio, options?: { signal?: AbortSignal }): Promise<Transcript>;
  close?(): Promise<void>;
}

export interface TtsProvider {
  readonly name: string;
  /**
   * Speaks one sentence, yielding audio as soon as the engine produces it (streaming). Aborting the
   * signal stops synthesis and ends the iteration early (barge-in).
   */
  synthesize(text: string, options?: { signal?: AbortSignal }): AsyncIterable<PcmAudio>;
  close?(): Promise<void>;
}
