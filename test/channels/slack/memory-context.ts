/**
 * A `ChannelContext` for channel tests: received messages are collected, blobs live in memory,
 * and log lines can be read back (pino writing JSON into an array).
 */
import { Readable, Writable } from 'node:stream';
import pino from 'pino';
import type { ChannelContext } from '../../../src/core/channel.js';
import type { Message } from '../../../src/core/message.js';
import type { BlobMeta, BlobStore, SessionStore } from '../../../src/core/stores.js';

export interface TestContext extends ChannelContext {
  received: Message[];
  blobsByKey: Map<string, { data: Buffer; meta: BlobMeta }>;
  logs: Array<Record<string, unknown>>;
  /** Resolves with the first received message (past or future) satisfying `match`. */
  waitForMessage(match?: (m: Message) => boolean, timeoutMs?: number): Promise<Message>;
  waitForLog(match: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
}

/** Creates a fresh test context. */
export function memoryContext(): TestContext {
  const received: Message[] = [];
  const blobsByKey = new Map<string, { data: Buffer; meta: BlobMeta }>();
  const logs: Array<Record<string, unknown>> = [];
  const listeners: Array<() => void> = [];
  const notify = () => listeners.splice(0).forEach((l) => l());
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n'))
        if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
      notify();
      done();
    },
  });
  const log = pino({ level: 'debug' }, sink);
  const blobs: BlobStore = {
    async put(key, data, meta) {
      const bytes = Buffer.isBuffer(data) ? data : Buffer.concat(await data.toArray());
      const full = { ...meta, size: bytes.length };
      blobsByKey.set(key, { data: bytes, meta: full });
      return full;
    },
    async get(key) {
      return blobsByKey.get(key)?.data;
    },
    async stream(key) {
      const b = blobsByKey.get(key);
      return b ? Readable.from([b.data]) : undefined;
    },
    async head(key) {
      return blobsByKey.get(key)?.meta;
    },
    async delete(key) {
      blobsByKey.delete(key);
    },
    async close() {},
  };
  const kv = new Map<string, unknown>();
  const sessions: SessionStore = {
    async get<T>(key: string) {
      return kv.get(key) as T | undefined;
    },
    async set(key, value) {
      kv.set(key, value);
    },
    async setIfAbsent(key, value) {
      if (kv.has(key)) return false;
      kv.set(key, value);
      return true;
    },
    async increment(key, by) {
      const value = ((kv.get(key) as number | undefined) ?? 0) + by;
      kv.set(key, value);
      return value;
    },
    async delete(key) {
      kv.delete(key);
    },
    async close() {},
  };
  const waitFor = <T>(find: () => T | undefined, what: string, timeoutMs: number): Promise<T> =>
    new Promise((resolve, reject) => {
      const check = () => {
        const hit = find();
        if (hit !== undefined) {
          clearTimeout(timer);
          resolve(hit);
        } else listeners.push(check);
      };
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
      check();
    });
  return {
    received,
    blobsByKey,
    logs,
    log,
    blobs,
    sessions,
    async receive(message) {
      received.push(message);
      notify();
    },
    waitForMessage(match = () => true, timeoutMs = 5000) {
      return waitFor(() => received.find(match), 'a received message', timeoutMs);
    },
    waitForLog(match, timeoutMs = 5000) {
      return waitFor(() => logs.find(match), 'a log line', timeoutMs);
    },
  };
}
