/** Shared helpers of the bus tests: messages, reply events and a bus on a private key prefix. */
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { Redis } from 'ioredis';
import type { Message, Outbound } from '../../src/core/message.js';
import { RedisStreamBus, type RedisStreamBusOptions } from '../../src/bus/redis-streams-bus.js';

export const REDIS_URL = process.env.HEARTH_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export function message(chatId: string, n: number, channel = 'webchat'): Message {
  return {
    id: `${channel}:${chatId}-${n}`,
    kind: 'message',
    channel,
    chatId,
    sender: { id: `u-${chatId}` },
    text: `${chatId} #${n}`,
    attachments: [],
    isGroup: false,
    mentioned: true,
    timestamp: Date.now(),
  };
}

export function reply(m: Message, type: 'start' | 'delta' | 'done', text = ''): Outbound {
  const base = { replyId: `${m.id}#reply`, inReplyTo: m.id, conversationId: `${m.channel}:${m.chatId}` };
  const event =
    type === 'start'
      ? { type, ...base, model: 'm' }
      : type === 'delta'
        ? { type, ...base, text }
        : {
            type,
            ...base,
            text,
            attachments: [],
            model: 'm',
            usage: { promptTokens: 0, completionTokens: 0 },
            finishReason: 'stop',
          };
  return { target: { channel: m.channel, chatId: m.chatId, messageId: m.id }, event } as Outbound;
}

/** Opens buses sharing one fresh prefix (one test's private queue). */
export function busFactory(overrides: Partial<RedisStreamBusOptions> = {}) {
  const prefix = `hearth-test:${randomBytes(4).toString('hex')}:`;
  const opened: RedisStreamBus[] = [];
  return {
    prefix,
    async open(more: Partial<RedisStreamBusOptions> = {}): Promise<RedisStreamBus> {
      const bus = await RedisStreamBus.open({
        url: REDIS_URL,
        prefix,
        shards: 4,
        maxQueueDepth: 10_000,
        engineConcurrency: 16,
        leaseMs: 800,
        fanOutChannels: ['webchat', 'api'],
        log: pino({ level: 'silent' }),
        ...overrides,
        ...more,
      });
      opened.push(bus);
      return bus;
    },
    async closeAll(): Promise<void> {
      await Promise.allSettled(opened.map((b) => b.close()));
      // The shared Redis keeps no trace of this test.
      const redis = new Redis(REDIS_URL);
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(...keys);
      await redis.quit();
    },
  };
}

export async function until(pred: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
