/**
 * Opens the configured stores. The composition root calls this; adapters never import each other.
 */
import { join, resolve } from 'node:path';
import type { HearthConfig } from '../core/config.js';
import type { BlobStore, HistoryStore, SessionStore } from '../core/stores.js';
import { LocalBlobStore } from './blobs/local.js';
import { SqliteHistoryStore } from './history/sqlite.js';
import { MemorySessionStore } from './sessions/memory.js';

export interface Stores {
  history: HistoryStore;
  sessions: SessionStore;
  blobs: BlobStore;
  close(): Promise<void>;
}

export async function openStores(config: HearthConfig): Promise<Stores> {
  const dataDir = resolve(config.dataDir);
  const history = new SqliteHistoryStore(config.storage.history.path ?? join(dataDir, 'hearth.db'));
  await history.open();
  const sessions = new MemorySessionStore();
  const blobs = new LocalBlobStore(config.storage.blobs.dir ?? join(dataDir, 'blobs'));
  return {
    history,
    sessions,
    blobs,
    async close() {
      await Promise.allSettled([history.close(), sessions.close(), blobs.close()]);
    },
  };
}
