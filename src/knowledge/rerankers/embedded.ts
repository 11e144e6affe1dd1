/**
 * Reranking with a GGUF cross-encoder in process (node-llama-cpp's ranking context, CPU, one
 * thread): bge-reranker-v2-m3, Qwen3-Reranker and the like, fetched with `hearth models pull <URL>`
 * into `<dataDir>/models`. A passage longer than the context is scored in overlapping pieces and
 * keeps its best piece's score (node-llama-cpp's `maxChunk`).
 */
import { isAbsolute, join } from 'node:path';
import type { Logger } from 'pino';
import { ErrorCode, HearthError } from '../../core/errors.js';
import { loadLlama, type Llama } from '../../engine/providers/embedded/llama-runtime.js';
import type { Reranker } from '../types.js';

/** The slice of node-llama-cpp 3.21.1's ranking API used here (see llama-runtime.ts for why it is written out). */
interface RankingModel {
  readonly trainContextSize: number;
  createRankingContext(options: { contextSize?: number; threads?: number }): Promise<RankingContext>;
  dispose(): Promise<void>;
}

interface RankingContext {
  rankAll(query: string, documents: string[], options?: { onOverflow?: 'throw' | 'maxChunk' }): Promise<number[]>;
  dispose(): Promise<void>;
}

export interface EmbeddedRerankerOptions {
  dataDir: string;
  /** GGUF path, relative to `<dataDir>/models` unless absolute. */
  model: string;
  log?: Logger;
}

/** Context of the ranking sequence: a question and a 300-token chunk fit with room to spare. */
const MAX_CONTEXT = 1024;

export function createEmbeddedReranker(options: EmbeddedRerankerOptions): Reranker {
  const path = isAbsolute(options.model) ? options.model : join(options.dataDir, 'models', options.model);
  let loading: Promise<{ llama: Llama; model: RankingModel; context: RankingContext }> | undefined;
  // One query at a time: the context has one sequence, and one thread is all we take.
  let queue: Promise<unknown> = Promise.resolve();
  const load = () =>
    (loading ??= (async () => {
      const { llama } = await loadLlama('node-llama-cpp', options.log);
      const model = (await llama.loadModel({ modelPath: path, gpuLayers: 0 })) as unknown as RankingModel;
      const contextSize = Math.min(MAX_CONTEXT, model.trainContextSize || MAX_CONTEXT);
      const context = await model.createRankingContext({ contextSize, threads: 1 });
      return { llama, model, context };
    })().catch((err) => {
      loading = undefined;
      throw new HearthError(
        ErrorCode.knowledgeRerank,
        `reranker model ${path} could not be loaded: ${(err as Error).message}`,
        503,
        { cause: err },
      );
    }));
  return {
    model: `embedded:${options.model}`,
    async rank(query, documents, signal) {
      if (documents.length === 0) return [];
      const { context } = await load();
      const run = queue.then(() => {
        signal?.throwIfAborted();
        return context.rankAll(query, documents, { onOverflow: 'maxChunk' });
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
