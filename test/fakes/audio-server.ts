/**
 * A protocol-faithful fake of OpenAI-compatible audio servers: `POST /v1/audio/transcriptions`
 * (multipart upload, JSON `{text}` answer, as faster-whisper-server and speaches speak it) and
 * `POST /v1/audio/speech` (JSON request, streamed WAV answer, as Piper and Kokoro servers do).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PcmAudio } from '../../src/core/voice.js';
import { decodeWav } from '../../src/voice/audio/wav.js';

export interface AudioFakeRequest {
  path: string;
  authorization?: string;
  fields: Record<string, string>;
  /** The uploaded file (transcriptions) decoded, when it was a WAV. */
  audio?: PcmAudio;
  json?: Record<string, unknown>;
}

export interface AudioFakeOptions {
  /** What the transcription endpoint answers; default: "<n> ms of audio". */
  transcribe?: (audio: PcmAudio, fields: Record<string, string>) => string;
  /** Required bearer token; none by default. */
  apiKey?: string;
  /** Answer status for every request (to test failures). */
  failWith?: number;
  /** Sample rate of synthesized speech. */
  speechRate?: number;
  /** Delay between streamed speech chunks. */
  chunkDelayMs?: number;
}

export interface AudioFake {
  baseUrl: string;
  requests: AudioFakeRequest[];
  close(): Promise<void>;
}

async function bodyOf(req: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of req) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

/** Splits a multipart/form-data body into named fields (text) and files (bytes). */
export function parseMultipart(
  body: Buffer,
  contentType: string,
): { fields: Record<string, string>; files: Record<string, Buffer> } {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType);
  const fields: Record<string, string> = {};
  const files: Record<string, Buffer> = {};
  if (!boundary) return { fields, files };
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  let start = body.indexOf(delimiter);
  while (start >= 0) {
    const next = body.indexOf(delimiter, start + delimiter.length);
    if (next < 0) break;
    const part = body.subarray(start + delimiter.length + 2, next - 2);
    const headerEnd = part.indexOf('\r\n\r\n');
    const headers = part.subarray(0, headerEnd).toString('utf8');
    const content = part.subarray(headerEnd + 4);
    const name = /name="([^"]+)"/.exec(headers)?.[1];
    if (name) {
      if (/filename="/.test(headers)) files[name] = Buffer.from(content);
      else fields[name] = content.toString('utf8');
    }
    start = next;
  }
  return { fields, files };
}

/** A streamed WAV header with the "unknown length" size fields streaming servers send. */
function streamingWavHeader(rate: number): Buffer {
  const h = Buffer.alloc(44);
  h.write('RIFF', 0);
  h.writeUInt32LE(0xffffffff, 4);
  h.write('WAVEfmt ', 8);
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36);
  h.writeUInt32LE(0xffffffff, 40);
  return h;
}

export async function startAudioFake(options: AudioFakeOptions = {}): Promise<AudioFake> {
  const requests: AudioFakeRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const server: Server = createServer(async (req, res) => {
    const body = await bodyOf(req);
    const path = (req.url ?? '').split('?')[0];
    const record: AudioFakeRequest = { path, authorization: req.headers.authorization, fields: {} };
    requests.push(record);
    const fail = (status: number, message: string) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message } }));
    if (options.apiKey && req.headers.authorization !== `Bearer ${options.apiKey}`) return fail(401, 'bad key');
    if (options.failWith) return fail(options.failWith, 'configured failure');
    if (req.method === 'POST' && path === '/v1/audio/transcriptions') {
      const { fields, files } = parseMultipart(body, String(req.headers['content-type']));
      record.fields = fields;
      if (!files.file || !fields.model) return fail(400, 'file and model are required');
      const audio = decodeWav(files.file);
      record.audio = audio;
      const text = options.transcribe
        ? options.transcribe(audio, fields)
        : `${Math.round((audio.samples.length / audio.sampleRate) * 1000)} ms of audio`;
      return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ text }));
    }
    if (req.method === 'POST' && path === '/v1/audio/speech') {
      const json = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
      record.json = json;
      if (typeof json.input !== 'string' || !json.model) return fail(400, 'input and model are required');
      const rate = options.speechRate ?? 24_000;
      // 60 ms of a 300 Hz tone per character, streamed in 100 ms chunks.
      const total = Math.round(rate * 0.06 * json.input.length);
      const chunk = rate / 10;
      res.writeHead(200, { 'content-type': 'audio/wav', 'transfer-encoding': 'chunked' });
      res.write(streamingWavHeader(rate));
      let sent = 0;
      const sendNext = () => {
        if (sent >= total || res.destroyed) return res.end();
        const n = Math.min(chunk, total - sent);
        const pcm = Buffer.alloc(n * 2);
        for (let i = 0; i < n; i++)
          pcm.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 300 * (sent + i)) / rate)), i * 2);
        sent += n;
        res.write(pcm);
        const t = setTimeout(() => (timers.delete(t), sendNext()), options.chunkDelayMs ?? 5);
        timers.add(t);
      };
      sendNext();
      return;
    }
    fail(404, 'no such route');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    close: async () => {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
