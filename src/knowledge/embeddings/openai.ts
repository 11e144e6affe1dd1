/**
 * Embeddings from any OpenAI-compatible `/v1/embeddings` server (OpenAI, vLLM, llama.cpp server,
 * Ollama's /v1, LM Studio, text-embeddings-inference), through the official `openai` client.
 */
import OpenAI from 'openai';
import { ErrorCode, HearthError } from '../../core/errors.js';
import type { Embedder } from '../types.js';

export interface OpenAIEmbedderOptions {
  model: string;
  baseUrl?: string;
  apiKey?: string;
  timeoutMs: number;
}

export function createOpenAIEmbedder(options: OpenAIEmbedderOptions): Embedder {
  const client = new OpenAI({
    baseURL: options.baseUrl,
    // Local servers need no key, but the client insists on one.
    apiKey: options.apiKey ?? 'not-needed',
    timeout: options.timeoutMs,
    maxRetries: 2,
  });
  return {
    model: `openai:${options.model}`,
    async embed(texts, signal) {
      if (texts.length === 0) return [];
      try {
        // `float`: many OpenAI-compatible servers do not implement the SDK's default base64.
        const res = await client.embeddings.create(
          { model: options.model, input: texts, encoding_format: 'float' },
          { signal },
        );
        const out = new Array<Float32Array>(texts.length);
        for (const d of res.data) out[d.index] = Float32Array.from(d.embedding);
        if (out.some((v) => !v))
          throw new Error(`the server returned ${res.data.length} embeddings for ${texts.length} inputs`);
        return out;
      } catch (err) {
        throw new HearthError(
          ErrorCode.knowledgeEmbedding,
          `embedding request failed: ${(err as Error).message}`,
          502,
          { cause: err },
        );
      }
    },
  };
}
