/**
 * Embedded offline ASR with CMU pocketsphinx (Debian `pocketsphinx` + `pocketsphinx-en-us`), run as
 * a child process per utterance.
 *
 * Two modes:
 * - `grammar`: only the configured phrases can be recognized. Near-perfect on clear speech and fast
 *   (small dictionary, ~50–100 ms per utterance); anything else is heard as the closest phrase. Fits
 *   command-and-control ("turn on the lights").
 * - `dictation`: the general English language model. Loads the full dictionary per call (seconds) and
 *   is weak on synthetic or accented speech. Fits only when no better recognizer exists; for real
 *   dictation use the `openai` provider with a whisper server.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, HearthError } from '../../../core/errors.js';
import type { AsrProvider, PcmAudio, Transcript } from '../../../core/voice.js';
import { resample } from '../../audio/resample.js';
import { dictionaryFor, jsgfOf } from './grammar.js';

export interface PocketsphinxOptions {
  mode: 'grammar' | 'dictation';
  phrases: string[];
  /** Folder holding `en-us/` (acoustic model), `cmudict-en-us.dict` and `en-us.lm.bin`. */
  modelDir: string;
  timeoutMs: number;
  program?: string;
}

export class PocketsphinxAsr implements AsrProvider {
  readonly name = 'pocketsphinx';
  readonly sampleRate = 16_000;
  private readonly args: string[];
  private readonly workDir: string;
  private calls = 0;

  constructor(private readonly options: PocketsphinxOptions) {
    const { modelDir } = options;
    const common = ['-hmm', join(modelDir, 'en-us'), '-samprate', '16000', '-logfn', '/dev/null'];
    this.workDir = mkdtempSync(join(tmpdir(), 'hearth-asr-'));
    if (options.mode === 'grammar') {
      const grammar = jsgfOf(options.phrases);
      const dict = dictionaryFor(options.phrases, join(modelDir, 'cmudict-en-us.dict'));
      writeFileSync(join(this.workDir, 'phrases.gram'), grammar);
      writeFileSync(join(this.workDir, 'phrases.dict'), dict);
      this.args = [...common, '-jsgf', join(this.workDir, 'phrases.gram'), '-dict', join(this.workDir, 'phrases.dict')];
    } else {
      this.args = [...common, '-lm', join(modelDir, 'en-us.lm.bin'), '-dict', join(modelDir, 'cmudict-en-us.dict')];
    }
  }

  transcribe(audio: PcmAudio, options: { signal?: AbortSignal } = {}): Promise<Transcript> {
    const pcm = resample(audio, this.sampleRate).samples;
    // Node's child stdin is a socket, which the program cannot fopen: the audio goes through a raw file.
    const file = join(this.workDir, `utterance-${++this.calls}.raw`);
    // Its own speech detector needs silence around the speech to open and close a segment.
    const pad = Buffer.alloc(this.sampleRate);
    writeFileSync(
      file,
      Buffer.concat([
        pad.subarray(0, this.sampleRate / 2),
        Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength),
        pad,
      ]),
    );
    return new Promise<Transcript>((resolve, reject) => {
      const child = spawn(this.options.program ?? 'pocketsphinx_continuous', [...this.args, '-infile', file], {
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      let out = '';
      const timer = setTimeout(
        () => fail(new HearthError(ErrorCode.asr, 'speech recognition timed out', 504)),
        this.options.timeoutMs,
      );
      const onAbort = () => fail(new HearthError(ErrorCode.asr, 'speech recognition aborted', 499));
      options.signal?.addEventListener('abort', onAbort, { once: true });
      const done = () => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
      };
      const fail = (err: Error) => {
        done();
        child.kill('SIGKILL');
        reject(err);
      };
      child.on('error', (err) =>
        fail(new HearthError(ErrorCode.asr, `cannot run pocketsphinx: ${err.message}`, 500, { cause: err })),
      );
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (d: string) => (out += d));
      child.on('close', (code) => {
        done();
        if (code !== 0) return reject(new HearthError(ErrorCode.asr, `pocketsphinx exited with ${code}`, 500));
        // One line per segment it heard; joined they are the utterance.
        resolve({
          text: out
            .split('\n')
            .map((l) => l.trim())
            .filter(Boolean)
            .join(' '),
          provider: this.name,
        });
      });
    }).finally(() => rmSync(file, { force: true }));
  }

  async close(): Promise<void> {
    rmSync(this.workDir, { recursive: true, force: true });
  }
}
