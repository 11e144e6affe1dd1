/**
 * Embeddings from a GGUF embedding model in process (node-llama-cpp, CPU, one thread), the same
 * runtime and pull/verify path as the embedded chat model: `hearth models pull <URL of a .gguf>`
 * puts it in `<dataDir>/models`. Inputs longer than the model's context are cut to fit.
 */
import { isAbsolute, join } from 'node:path';
import type { Logger } from 'pino';
import { ErrorCode, HearthError } from '../../core/errors.js';
import { loadLlama, type Llama } from '../../engine/providers/embedded/llama-runtime.js';
import type { Embedder } from '../types.js';

/** The slice of node-llama-cpp 3.21.1's embedding API used here (see llama-runtime.ts for why it is written out). */
interface EmbeddingModel {
  readonly trainContextSize: number;
  tokenize(text: string): number[];
  createEmbeddingContext(options: { contextSize?: number; threads?: number }): Promise<EmbeddingContext>;
  dispose(): Promise<void>;
}

interface EmbeddingContext {
  getEmbeddingFor(input: number[] | string): Promise<{ vector: readonly number[] }>;
  dispose(): Promise<void>;
}

export interface EmbeddedEmbedderOptions {
  dataDir: string;
  /** GGUF path, relative to `<dataDir>/models` unless absolute. */
  model: string;
  log?: Logger;
  /** Module to load instead of node-llama-cpp (tests point it at a missing one). */
  runtimeModule?: string;
}

/** Most tokens embedded per input: embedding models are trained on short passages. */
const MAX_INPUT_TOKENS = 512;

/** Context positions kept free of input: the beginning and end tokens added, and one spare. */
const RESERVED_TOKENS = 3;

export function createEmbeddedEmbedder(options: EmbeddedEmbedderOptions): Embedder {
  const path = isAbsolute(options.model) ? options.model : join(options.dataDir, 'models', options.model);
  let loading: Promise<{ llama: Llama; model: EmbeddingModel; context: EmbeddingContext; limit: number }> | undefined;
  // One input at a time: llama.cpp contexts are not re-entrant, and one thread is all we take.
  let queue: Promise<unknown> = Promise.resolve();

  const load = () =>
    (loading ??= (async () => {
      const { llama } = await loadLlama(options.runtimeModule ?? 'node-llama-cpp', options.log);
      const model = (await llama.loadModel({ modelPath: path, gpuLayers: 0 })) as unknown as EmbeddingModel;
      const limit = Math.min(MAX_INPUT_TOKENS, model.trainContextSize || MAX_INPUT_TOKENS);
      const context = await model.createEmbeddingContext({ contextSize: limit, threads: 1 });
      return { llama, model, context, limit };
    })().catch((err) => {
      loading = undefined;
      throw new HearthError(
        ErrorCode.knowledgeEmbedding,
        `embedding model ${path} could not be loaded: ${(err as Error).message}`,
        503,
        { cause: err },
      );
    }));

  return {
    model: `embedded:${options.model}`,
    async embed(texts, signal) {
      const { model, context, limit } = await load();
      const run = queue.then(async () => {
        const out: Float32Array[] = [];
        for (const text of texts) {
          signal?.throwIfAborted();
          // Room for the BOS/EOS tokens node-llama-cpp adds: it wants input + those < the context size.
          const tokens = model.tokenize(text).slice(0, limit - RESERVED_TOKENS);
          const { vector } = await context.getEmbeddingFor(tokens.length ? tokens : model.tokenize(' '));
          out.push(Float32Array.from(vector));
        }
        return out;
      });
      queue = run.catch(() => undefined);
      return run;
    },
    async close() {
      if (!loading) return;
      const loaded = await loading.catch(() => undefined);
      loading = undefined;
      if (!loaded) return;
      await loaded.context.dispose();
      await loaded.model.dispose();
      await loaded.llama.dispose();
    },
  };
}
