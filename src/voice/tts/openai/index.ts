/**
 * TTS through any OpenAI-compatible `/v1/audio/speech` server (Piper and Kokoro servers, OpenAI).
 * Asks for WAV and streams the response body, so playback starts before the sentence is finished.
 */
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { ErrorCode, HearthError } from '../../../core/errors.js';
import type { PcmAudio, TtsProvider } from '../../../core/voice.js';
import { pcmFromWavStream } from '../../audio/wav-stream.js';

export interface OpenAiTtsOptions {
  baseUrl: string;
  apiKey?: string;
  model: string;
  voice: string;
  timeoutMs: number;
}

export class OpenAiTts implements TtsProvider {
  readonly name = 'openai';

  constructor(private readonly options: OpenAiTtsOptions) {}

  async *synthesize(text: string, options: { signal?: AbortSignal } = {}): AsyncGenerator<PcmAudio> {
    if (options.signal?.aborted) return;
    const signals = [AbortSignal.timeout(this.options.timeoutMs), ...(options.signal ? [options.signal] : [])];
    let res: Response;
    try {
      res = await fetch(`${this.options.baseUrl.replace(/\/+$/, '')}/audio/speech`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {}),
        },
        body: JSON.stringify({
          model: this.options.model,
          voice: this.options.voice,
          input: text,
          response_format: 'wav',
        }),
        signal: AbortSignal.any(signals),
      });
    } catch (err) {
      if (options.signal?.aborted) return;
      throw new HearthError(ErrorCode.tts, `speech server unreachable: ${(err as Error).name}`, 502, { cause: err });
    }
    if (!res.ok || !res.body) {
      await res.body?.cancel();
      throw new HearthError(ErrorCode.tts, `speech server answered ${res.status}`, 502);
    }
    try {
      yield* pcmFromWavStream(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>));
    } catch (err) {
      if (options.signal?.aborted) return;
      throw err instanceof HearthError
        ? err
        : new HearthError(ErrorCode.tts, `speech stream failed: ${(err as Error).name}`, 502, { cause: err });
    }
  }
}
