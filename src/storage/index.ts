/**
 * Opens the configured stores. The composition root calls this; adapters never import each other.
 * Which backend serves each store is configuration (`storage.*.kind`), never a code change.
 */
import { join, resolve } from 'node:path';
import type { HearthConfig } from '../core/config.js';
import { ErrorCode, HearthError } from '../core/errors.js';
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

type Env = Record<string, string | undefined>;

/** The Redis URL shared by sessions and the bus: config, then HEARTH_REDIS_URL, then the local default. */
export function redisUrlOf(configured: string | undefined, env: Env = process.env): string {
  return configured ?? env.HEARTH_REDIS_URL ?? 'redis://127.0.0.1:6379';
}

// Backends other than the embedded ones are imported only when configured: their drivers (pg,
// mongodb, ioredis, the AWS SDK) would otherwise cost every all-in-one process ~45 MB at idle.

/** The history store `storage.history` names, not yet opened. */
export async function createHistoryStore(config: HearthConfig, env: Env = process.env): Promise<HistoryStore> {
  const h = config.storage.history;
  const url = h.url ?? env.HEARTH_HISTORY_URL;
  if (h.kind === 'sqlite') return new SqliteHistoryStore(h.path ?? join(resolve(config.dataDir), 'hearth.db'));
  if (!url)
    throw new HearthError(ErrorCode.config, `storage.history.url (or HEARTH_HISTORY_URL) is required for ${h.kind}`);
  if (h.kind === 'postgres') {
    const { PostgresHistoryStore } = await import('./history/postgres.js');
    return new PostgresHistoryStore({ url, poolSize: h.poolSize, autoMigrate: h.autoMigrate });
  }
  const { MongoHistoryStore } = await import('./history/mongo.js');
  return new MongoHistoryStore({ url, database: h.database, poolSize: h.poolSize });
}

async function openSessions(config: HearthConfig, env: Env): Promise<SessionStore> {
  const s = config.storage.sessions;
  if (s.kind === 'memory') return new MemorySessionStore();
  const { RedisSessionStore } = await import('./sessions/redis.js');
  const store = new RedisSessionStore({ url: redisUrlOf(s.url, env), keyPrefix: s.keyPrefix });
  await store.open();
  return store;
}

async function openBlobs(config: HearthConfig, env: Env): Promise<BlobStore> {
  const b = config.storage.blobs;
  if (b.kind === 'local') return new LocalBlobStore(b.dir ?? join(resolve(config.dataDir), 'blobs'));
  if (!b.bucket) throw new HearthError(ErrorCode.config, 'storage.blobs.bucket is required for s3');
  const { S3BlobStore } = await import('./blobs/s3.js');
  const store = new S3BlobStore({
    bucket: b.bucket,
    region: b.region,
    endpoint: b.endpoint,
    forcePathStyle: b.forcePathStyle,
    accessKeyId: b.accessKeyId ?? env.HEARTH_S3_ACCESS_KEY_ID,
    secretAccessKey: b.secretAccessKey ?? env.HEARTH_S3_SECRET_ACCESS_KEY,
    prefix: b.prefix,
  });
  await store.open();
  return store;
}

export async function openStores(config: HearthConfig, env: Env = process.env): Promise<Stores> {
  const opened: Array<{ close(): Promise<void> }> = [];
  try {
    const history = await createHistoryStore(config, env);
    await history.open();
    opened.push(history);
    const sessions = await openSessions(config, env);
    opened.push(sessions);
    const blobs = await openBlobs(config, env);
    opened.push(blobs);
    return {
      history,
      sessions,
      blobs,
      async close() {
        await Promise.allSettled([history.close(), sessions.close(), blobs.close()]);
      },
    };
  } catch (err) {
    // Whatever opened before the failure is closed, so a failed start leaves no pool or socket behind.
    await Promise.allSettled(opened.map((s) => s.close()));
    throw err;
  }
}
