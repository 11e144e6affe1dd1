/**
 * The reranker `knowledge.reranker` names, or none (the fused order stands). Like the embedder, the
 * client (fetch, or node-llama-cpp) is loaded on the first query, not when Hearth starts.
 */
import type { Logger } from 'pino';
import type { HearthConfig } from '../../core/config.js';
import type { Reranker } from '../types.js';

export function createReranker(
  config: HearthConfig['knowledge']['reranker'],
  deps: { dataDir: string; log?: Logger },
): Reranker | undefined {
  if (!config) return undefined;
  let loading: Promise<Reranker> | undefined;
  const load = () =>
    (loading ??=
      config.provider === 'embedded'
        ? import('./embedded.js').then((m) =>
            m.createEmbeddedReranker({ dataDir: deps.dataDir, model: config.model, log: deps.log }),
          )
        : import('./http.js').then((m) =>
            m.createHttpReranker({
              model: config.model,
              // The schema requires it for http.
              baseUrl: config.baseUrl!,
              apiKey: config.apiKey,
              timeoutMs: config.timeoutMs,
            }),
          ));
  return {
    model: config.provider === 'embedded' ? `embedded:${config.model}` : `http:${config.model}`,
    rank: async (query, documents, signal) => (await load()).rank(query, documents, signal),
    close: async () => {
      const loaded = await loading?.catch(() => undefined);
      await loaded?.close?.();
    },
  };
}
