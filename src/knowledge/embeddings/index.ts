/**
 * The embedder `knowledge.embeddings` names, or none (keyword search only). The client library
 * (the OpenAI SDK, or node-llama-cpp) is loaded on the first embedding, not when Hearth starts.
 */
import type { Logger } from 'pino';
import type { HearthConfig } from '../../core/config.js';
import type { Embedder } from '../types.js';

export function createEmbedder(
  config: HearthConfig['knowledge']['embeddings'],
  deps: { dataDir: string; log?: Logger },
): Embedder | undefined {
  if (!config) return undefined;
  let loading: Promise<Embedder> | undefined;
  const load = () =>
    (loading ??=
      config.provider === 'embedded'
        ? import('./embedded.js').then((m) =>
            m.createEmbeddedEmbedder({ dataDir: deps.dataDir, model: config.model, log: deps.log }),
          )
        : import('./openai.js').then((m) =>
            m.createOpenAIEmbedder({
              model: config.model,
              baseUrl: config.baseUrl,
              apiKey: config.apiKey,
              timeoutMs: config.timeoutMs,
            }),
          ));
  return {
    // The same identity the loaded embedder reports (stored with every vector).
    model: config.provider === 'embedded' ? `embedded:${config.model}` : `openai:${config.model}`,
    embed: async (texts, signal) => (await load()).embed(texts, signal),
    close: async () => {
      // An embedder that never loaded (its module failed) has nothing to release.
      const loaded = await loading?.catch(() => undefined);
      await loaded?.close?.();
    },
  };
}
