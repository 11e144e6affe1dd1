/**
 * Embedded offline TTS with the `espeak-ng` program (Debian package). It runs as a separate process
 * per sentence, so its GPL licence does not reach Hearth's code, and its WAV output is streamed as
 * it is produced: the first audio is ready in tens of milliseconds.
 */
import { spawn } from 'node:child_process';
import { ErrorCode, HearthError } from '../../../core/errors.js';
import type { PcmAudio, TtsProvider } from '../../../core/voice.js';
import { pcmFromWavStream } from '../../audio/wav-stream.js';

export interface EspeakOptions {
  voice: string;
  wordsPerMinute: number;
  timeoutMs: number;
  program?: string;
}

export class EspeakTts implements TtsProvider {
  readonly name = 'espeak';

  constructor(private readonly options: EspeakOptions) {}

  async *synthesize(text: string, options: { signal?: AbortSignal } = {}): AsyncGenerator<PcmAudio> {
    if (options.signal?.aborted) return;
    // Text goes through stdin, never argv: a sentence starting with "-" must not become an option.
    const child = spawn(
      this.options.program ?? 'espeak-ng',
      ['--stdout', '--stdin', '-v', this.options.voice, '-s', String(this.options.wordsPerMinute)],
      {
        stdio: ['pipe', 'pipe', 'ignore'],
      },
    );
    let failure: Error | undefined;
    const kill = () => child.kill('SIGKILL');
    const timer = setTimeout(() => {
      failure = new HearthError(ErrorCode.tts, 'speech synthesis timed out', 504);
      kill();
    }, this.options.timeoutMs);
    options.signal?.addEventListener('abort', kill, { once: true });
    const exited = new Promise<number | null>((resolve) => {
      child.on('error', (err) => {
        failure = new HearthError(ErrorCode.tts, `cannot run espeak-ng: ${err.message}`, 500, { cause: err });
        resolve(null);
      });
      child.on('close', (code) => resolve(code));
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(text);
    try {
      for await (const pcm of pcmFromWavStream(child.stdout)) {
        if (options.signal?.aborted) return;
        yield pcm;
      }
      const code = await exited;
      if (failure) throw failure;
      if (code !== 0 && !options.signal?.aborted)
        throw new HearthError(ErrorCode.tts, `espeak-ng exited with ${code}`, 500);
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', kill);
      if (child.exitCode === null && child.signalCode === null) kill();
    }
  }
}
