/** The embedder `knowledge.embeddings` names, or none (keyword search only). */
import type { Logger } from 'pino';
import type { HearthConfig } from '../../core/config.js';
import type { Embedder } from '../types.js';
import { createEmbeddedEmbedder } from './embedded.js';
import { createOpenAIEmbedder } from './openai.js';

export function createEmbedder(config: HearthConfig['knowledge']['embeddings'], deps: { dataDir: string; log?: Logger }): Embedder | undefined {
  if (!config) return undefined;
  if (config.provider === 'embedded') return createEmbeddedEmbedder({ dataDir: deps.dataDir, model: config.model, log: deps.log });
  return createOpenAIEmbedder({ model: config.model, baseUrl: config.baseUrl, apiKey: config.apiKey, timeoutMs: config.timeoutMs });
}
