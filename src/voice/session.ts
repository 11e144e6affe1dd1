/**
 * One voice conversation, independent of the transport: 48 kHz PCM in → denoise → endpointing →
 * ASR → `onUtterance`; streamed answer deltas in → sentence-by-sentence TTS → `AudioOutput`. Speech
 * that starts while the assistant talks interrupts it (barge-in).
 */
import type { Logger } from 'pino';
import { ErrorCode, HearthError } from '../core/errors.js';
import type { ReplyEvent } from '../core/message.js';
import type { AsrProvider, TtsProvider } from '../core/voice.js';
import { OPUS_RATE } from './audio/opus-codec.js';
import { resample } from './audio/resample.js';
import type { AudioOutput } from './audio-out.js';
import type { Denoiser } from './denoise.js';
import { Endpointer, type EndpointingOptions } from './endpointing.js';
import type { TurnLatency, VoiceMetrics } from './latency.js';
import { SentenceSplitter, speakable } from './sentences.js';

/** Events sent to the browser over the data channel. */
export type VoiceEvent =
  | { type: 'listening' }
  | { type: 'speech-start' }
  | { type: 'transcript'; text: string; utteranceId: string }
  | { type: 'no-speech' }
  | { type: 'answer-start'; utteranceId: string }
  | { type: 'answer-delta'; text: string }
  | { type: 'answer-done'; text: string }
  | { type: 'interrupted' }
  | { type: 'latency'; turn: TurnLatency }
  | { type: 'error'; code: string; message: string };

export interface VoiceSessionOptions {
  id: string;
  asr: AsrProvider;
  tts: TtsProvider;
  denoiser: Denoiser;
  output: AudioOutput;
  endpointing: EndpointingOptions;
  bargeIn: boolean;
  metrics: VoiceMetrics;
  log: Logger;
  /** Hands a finished utterance's transcript to the engine. */
  onUtterance(text: string, utteranceId: string): Promise<void>;
  send(event: VoiceEvent): void;
}

interface Turn {
  utteranceId: string;
  latency: TurnLatency;
  /** performance.now() of the last voiced frame. */
  speechEndAt: number;
  submittedAt?: number;
  firstSentenceAt?: number;
  firstAudioAt?: number;
  splitter: SentenceSplitter;
  abort: AbortController;
  speech: Promise<void>;
  finished: boolean;
}

export class VoiceSession {
  private readonly endpointer: Endpointer;
  private turn?: Turn;
  private utterances = 0;
  private closed = false;
  /** Utterances recognized in order, so transcripts reach the engine in the order they were spoken. */
  private recognition: Promise<void> = Promise.resolve();

  constructor(private readonly o: VoiceSessionOptions) {
    this.endpointer = new Endpointer(o.endpointing);
    o.output.onFirstPacket = (at) => this.firstPacketSent(at);
  }

  /** Whether the assistant is speaking or about to (a turn's speech is not finished). */
  get assistantSpeaking(): boolean {
    return this.o.output.playing || (this.turn !== undefined && !this.turn.finished);
  }

  /** Feeds microphone audio (48 kHz mono), as decoded from the transport. */
  pushAudio(pcm: Int16Array): void {
    if (this.closed) return;
    for (const frame of this.o.denoiser.process(pcm)) {
      const event = this.endpointer.push(frame);
      if (!event) continue;
      if (event.type === 'speech-start') {
        this.o.send({ type: 'speech-start' });
        if (this.o.bargeIn && this.assistantSpeaking) this.interrupt();
      } else {
        const speechEndAt = performance.now() - event.detectionMs;
        const samples = event.samples;
        this.recognition = this.recognition.then(() => this.recognize(samples, event.detectionMs, speechEndAt));
      }
    }
  }

  /** One event of the engine's streamed answer to this session's last utterance. */
  replyEvent(event: ReplyEvent, utteranceId: string): void {
    const turn = this.turn;
    if (!turn || turn.utteranceId !== utteranceId || turn.abort.signal.aborted) return;
    if (event.type === 'start') return this.o.send({ type: 'answer-start', utteranceId });
    if (event.type === 'delta') {
      turn.latency.firstTokenMs ??= Math.round(performance.now() - (turn.submittedAt ?? performance.now()));
      this.o.send({ type: 'answer-delta', text: event.text });
      for (const s of turn.splitter.push(event.text)) this.speak(turn, s);
      return;
    }
    if (event.type === 'done') {
      for (const s of turn.splitter.flush()) this.speak(turn, s);
      this.o.send({ type: 'answer-done', text: event.text });
      turn.speech = turn.speech.then(() => {
        this.o.output.flush();
        turn.finished = true;
      });
      return;
    }
    turn.finished = true;
    this.o.send({ type: 'error', code: event.code, message: event.message });
  }

  /** Stops the current answer's speech now: queued audio is dropped and synthesis aborted. */
  interrupt(): void {
    const turn = this.turn;
    this.o.output.clear();
    if (turn && !turn.finished) {
      turn.abort.abort();
      turn.finished = true;
    }
    this.o.metrics.recordBargeIn();
    this.o.send({ type: 'interrupted' });
    this.o.log.info({ sessionId: this.o.id }, 'voice barge-in');
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.turn?.abort.abort();
    this.o.output.close();
    this.o.denoiser.close();
  }

  private async recognize(samples: Int16Array, endOfTurnMs: number, speechEndAt: number): Promise<void> {
    if (this.closed) return;
    const started = performance.now();
    let text: string;
    try {
      text = (await this.o.asr.transcribe(resample({ samples, sampleRate: OPUS_RATE }, this.o.asr.sampleRate))).text;
    } catch (err) {
      const e = err instanceof HearthError ? err : new HearthError(ErrorCode.asr, 'speech recognition failed');
      this.o.log.warn(
        { sessionId: this.o.id, errorCode: e.code, err: { message: e.message } },
        'voice recognition failed',
      );
      return this.o.send({ type: 'error', code: e.code, message: 'speech recognition failed' });
    }
    const asrMs = Math.round(performance.now() - started);
    if (this.closed) return;
    if (!text) return this.o.send({ type: 'no-speech' });
    // A new utterance supersedes whatever answer was still playing.
    if (this.turn && !this.turn.finished) this.interrupt();
    const utteranceId = `${this.o.id}-${++this.utterances}`;
    const turn: Turn = {
      utteranceId,
      latency: { endOfTurnMs, asrMs },
      speechEndAt,
      splitter: new SentenceSplitter(),
      abort: new AbortController(),
      speech: Promise.resolve(),
      finished: false,
    };
    this.turn = turn;
    this.o.send({ type: 'transcript', text, utteranceId });
    turn.submittedAt = performance.now();
    try {
      await this.o.onUtterance(text, utteranceId);
    } catch (err) {
      turn.finished = true;
      const e = err instanceof HearthError ? err : new HearthError(ErrorCode.voice, 'the message was not accepted');
      this.o.send({ type: 'error', code: e.code, message: e.message });
    }
  }

  /** Queues one sentence's synthesis behind the previous one; audio flows out as it is made. */
  private speak(turn: Turn, sentence: string): void {
    const text = speakable(sentence);
    if (!text) return;
    turn.firstSentenceAt ??= performance.now();
    turn.speech = turn.speech.then(async () => {
      if (turn.abort.signal.aborted) return;
      try {
        for await (const pcm of this.o.tts.synthesize(text, { signal: turn.abort.signal })) {
          if (turn.abort.signal.aborted) return;
          if (turn.firstAudioAt === undefined) {
            turn.firstAudioAt = performance.now();
            turn.latency.firstTtsAudioMs = Math.round(turn.firstAudioAt - (turn.firstSentenceAt ?? turn.firstAudioAt));
          }
          this.o.output.play(resample(pcm, OPUS_RATE).samples);
        }
      } catch (err) {
        const e = err instanceof HearthError ? err : new HearthError(ErrorCode.tts, 'speech synthesis failed');
        this.o.log.warn(
          { sessionId: this.o.id, errorCode: e.code, err: { message: e.message } },
          'voice synthesis failed',
        );
        this.o.send({ type: 'error', code: e.code, message: 'speech synthesis failed' });
      }
    });
  }

  private firstPacketSent(at: number): void {
    const turn = this.turn;
    if (!turn || turn.firstAudioAt === undefined || turn.latency.transportMs !== undefined) return;
    turn.latency.transportMs = Math.round(at - turn.firstAudioAt);
    turn.latency.totalMs = Math.round(at - turn.speechEndAt);
    this.o.metrics.record(turn.latency);
    this.o.send({ type: 'latency', turn: turn.latency });
    this.o.log.info({ sessionId: this.o.id, utteranceId: turn.utteranceId, ...turn.latency }, 'voice turn');
  }
}
