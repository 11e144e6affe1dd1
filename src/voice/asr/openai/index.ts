/**
 * ASR through any OpenAI-compatible `/v1/audio/transcriptions` server (faster-whisper-server,
 * speaches, whisper.cpp's server, OpenAI itself). The utterance goes up as a WAV file.
 */
import { ErrorCode, HearthError } from '../../../core/errors.js';
import type { AsrProvider, PcmAudio, Transcript } from '../../../core/voice.js';
import { resample } from '../../audio/resample.js';
import { encodeWav } from '../../audio/wav.js';

export interface OpenAiAsrOptions {
  baseUrl: string;
  apiKey?: string;
  model: string;
  language?: string;
  timeoutMs: number;
}

export class OpenAiAsr implements AsrProvider {
  readonly name = 'openai';
  readonly sampleRate = 16_000;

  constructor(private readonly options: OpenAiAsrOptions) {}

  async transcribe(audio: PcmAudio, options: { signal?: AbortSignal } = {}): Promise<Transcript> {
    const form = new FormData();
    form.append(
      'file',
      new Blob([encodeWav(resample(audio, this.sampleRate))], { type: 'audio/wav' }),
      'utterance.wav',
    );
    form.append('model', this.options.model);
    form.append('response_format', 'json');
    if (this.options.language) form.append('language', this.options.language);
    const signals = [AbortSignal.timeout(this.options.timeoutMs), ...(options.signal ? [options.signal] : [])];
    let res: Response;
    try {
      res = await fetch(`${this.options.baseUrl.replace(/\/+$/, '')}/audio/transcriptions`, {
        method: 'POST',
        headers: this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {},
        body: form,
        signal: AbortSignal.any(signals),
      });
    } catch (err) {
      throw new HearthError(ErrorCode.asr, `transcription server unreachable: ${(err as Error).name}`, 502, {
        cause: err,
      });
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new HearthError(ErrorCode.asr, `transcription server answered ${res.status}`, 502);
    }
    const body = (await res.json()) as { text?: unknown };
    if (typeof body.text !== 'string') throw new HearthError(ErrorCode.asr, 'transcription response has no text', 502);
    return { text: body.text.trim(), provider: this.name };
  }
}
