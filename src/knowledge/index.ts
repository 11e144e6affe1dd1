/**
 * The knowledge base, as the composition root builds it: the index backend follows
 * `storage.history` (PostgreSQL full-text when history is on PostgreSQL, else SQLite FTS5 in
 * `<dataDir>/knowledge.db`, inside the data folder the backup archives).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { HearthConfig } from '../core/config.js';
import { ErrorCode, HearthError } from '../core/errors.js';
import type { BlobStore } from '../core/stores.js';
import { createEmbedder } from './embeddings/index.js';
import { KnowledgeBase } from './knowledge-base.js';
import { createReranker } from './rerankers/index.js';
import { SqliteKnowledgeIndex } from './index/sqlite.js';
import type { KnowledgeIndex } from './types.js';

export { KnowledgeBase, type TurnKnowledge } from './knowledge-base.js';
export { knowledgeRoutes } from './routes.js';
export { engineKnowledge } from './engine-hook.js';

export async function createKnowledgeIndex(
  config: HearthConfig,
  env: Record<string, string | undefined> = process.env,
): Promise<KnowledgeIndex> {
  const h = config.storage.history;
  if (h.kind === 'postgres') {
    const url = h.url ?? env.HEARTH_HISTORY_URL;
    if (!url)
      throw new HearthError(ErrorCode.config, 'storage.history.url (or HEARTH_HISTORY_URL) is required for postgres');
    const { PostgresKnowledgeIndex } = await import('./index/postgres.js');
    return new PostgresKnowledgeIndex({ url, poolSize: Math.min(5, h.poolSize) });
  }
  return new SqliteKnowledgeIndex(join(resolve(config.dataDir), 'knowledge.db'));
}

/**
 * Builds the service (not started: call `start()`). The index is opened on first use — the first
 * upload, search, listing or agent turn with collections — so a Hearth that never uses the knowledge
 * base opens no knowledge.db (and connects nothing) at all.
 */
export async function openKnowledgeBase(
  config: () => HearthConfig,
  deps: { blobs: BlobStore; log: Logger; env?: Record<string, string | undefined> },
): Promise<KnowledgeBase> {
  const cfg = config();
  const file = cfg.storage.history.kind === 'postgres' ? undefined : join(resolve(cfg.dataDir), 'knowledge.db');
  const index = lazyIndex(await createKnowledgeIndex(cfg, deps.env), file ? () => existsSync(file) : () => true);
  const dataDir = resolve(config().dataDir);
  const embedder = createEmbedder(config().knowledge.embeddings, { dataDir, log: deps.log });
  const reranker = createReranker(config().knowledge.reranker, { dataDir, log: deps.log });
  return new KnowledgeBase({
    index,
    blobs: deps.blobs,
    embedder,
    reranker,
    config: () => config().knowledge,
    log: deps.log,
  });
}

/**
 * The index, opened by the first call that needs it (concurrent first calls share one open). While
 * its SQLite file does not exist, nothing can be unfinished, so the resume scan at start opens nothing.
 */
export function lazyIndex(index: KnowledgeIndex, exists: () => boolean): KnowledgeIndex {
  let opening: Promise<void> | undefined;
  const ready = () =>
    (opening ??= index.open().catch((err) => {
      opening = undefined;
      throw err;
    }));
  return new Proxy(index, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown;
      if (typeof value !== 'function') return value;
      if (key === 'open') return ready;
      if (key === 'close')
        return async () => (opening ? (await opening.catch(() => undefined), target.close()) : undefined);
      if (key === 'unfinished') return async () => (opening || exists() ? (await ready(), target.unfinished()) : []);
      return async (...args: unknown[]) => {
        await ready();
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}
