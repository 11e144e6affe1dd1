/**
 * A `ChannelContext` for driving a channel without the gateway: received messages are collected,
 * blobs live in memory, and log lines are captured so tests can assert on them.
 */
import { Readable } from 'node:stream';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import type { ChannelContext } from '../../src/core/channel.js';
import type { Message } from '../../src/core/message.js';
import type { BlobMeta, BlobStore, SessionStore } from '../../src/core/stores.js';
import type { Json } from '../json.js';

export class MemoryBlobs implements BlobStore {
  readonly items = new Map<string, { bytes: Buffer; meta: BlobMeta }>();

  async put(key: string, data: Buffer | Readable, meta: Omit<BlobMeta, 'size'> = {}): Promise<BlobMeta> {
    const chunks: Buffer[] = [];
    if (Buffer.isBuffer(data)) chunks.push(data);
    else for await (const chunk of data) chunks.push(chunk as Buffer);
    const bytes = Buffer.concat(chunks);
    const full = { ...meta, size: bytes.length };
    this.items.set(key, { bytes, meta: full });
    return full;
  }
  async get(key: string): Promise<Buffer | undefined> {
    return this.items.get(key)?.bytes;
  }
  async stream(key: string): Promise<Readable | undefined> {
    const item = this.items.get(key);
    return item ? Readable.from([item.bytes]) : undefined;
  }
  async head(key: string): Promise<BlobMeta | undefined> {
    return this.items.get(key)?.meta;
  }
  async delete(key: string): Promise<void> {
    this.items.delete(key);
  }
  async close(): Promise<void> {}
}

class MemorySessions implements SessionStore {
  private readonly map = new Map<string, unknown>();
  async get<T>(key: string): Promise<T | undefined> {
    return this.map.get(key) as T | undefined;
  }
  async set(key: string, value: unknown): Promise<void> {
    this.map.set(key, value);
  }
  async setIfAbsent(key: string, value: unknown): Promise<boolean> {
    if (this.map.has(key)) return false;
    this.map.set(key, value);
    return true;
  }
  async increment(key: string, by: number): Promise<number> {
    const value = ((this.map.get(key) as number | undefined) ?? 0) + by;
    this.map.set(key, value);
    return value;
  }
  async delete(key: string): Promise<void> {
    this.map.delete(key);
  }
  async close(): Promise<void> {}
}

export interface TestContext extends ChannelContext {
  received: Message[];
  blobs: MemoryBlobs;
  /** Parsed JSON log lines written so far. */
  logs: Array<Record<string, unknown>>;
  /** Resolves when `count` messages have been received. */
  waitForMessages(count: number, timeoutMs?: number): Promise<Message[]>;
  waitForLog(test: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
}

async function poll<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Builds the context and a logger writing into it (pass `log` to `createChannel` too). */
export function createTestContext(): TestContext & { log: Logger } {
  const logs: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n'))
        if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  const log = pino({ level: 'debug' }, sink);
  const received: Message[] = [];
  return {
    received,
    logs,
    log,
    blobs: new MemoryBlobs(),
    sessions: new MemorySessions(),
    async receive(message: Message) {
      received.push(message);
    },
    waitForMessages(count, timeoutMs = 5000) {
      return poll(
        () => (received.length >= count ? received.slice(0, count) : undefined),
        timeoutMs,
        `${count} messages`,
      );
    },
    waitForLog(test, timeoutMs = 5000) {
      return poll(() => logs.find(test), timeoutMs, 'a log line');
    },
  };
}

/** Polls `probe` until it holds; fails with `what` after `timeoutMs`. For end-to-end tests, where nothing can be awaited directly. */
export async function eventually(
  probe: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A call to the real process's HTTP API with its admin bearer token (end-to-end tests). */
export async function adminCall(
  hearth: { baseUrl: string; token: string },
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${hearth.baseUrl}${path}`, { method, headers: { authorization: `Bearer ${hearth.token}` } });
  return { status: res.status, body: await res.json() };
}

/** The last user message of a recorded Chat Completions request: its text and image parts. */
export function lastUserTurn(body: Json): { text: string; images: string[] } {
  const messages: Json[] = Array.isArray(body?.messages) ? body.messages : [];
  const last = [...messages].reverse().find((m) => m?.role === 'user');
  if (!last) return { text: '', images: [] };
  if (typeof last.content === 'string') return { text: last.content, images: [] };
  const parts: Json[] = Array.isArray(last.content) ? last.content : [];
  return {
    text: parts
      .filter((p) => p?.type === 'text')
      .map((p) => p.text)
      .join(''),
    images: parts.filter((p) => p?.type === 'image_url').map((p) => String(p.image_url?.url)),
  };
}
