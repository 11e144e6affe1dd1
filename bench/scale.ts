/**
 * Scale-out benchmark: the durable bus (Redis Streams) with 1 gateway + 1 engine, then 2 + 2
 * replicas, in one run on the same Redis. Each engine answers with a fixed simulated model time,
 * so the ratio shows how throughput grows with replicas; queue latency (accepted at a gateway →
 * picked up by an engine) is reported as P50/P99.
 *
 *   npm run build && node dist/bench/scale.js
 *   (SCALE_MESSAGES=3000 SCALE_CONVERSATIONS=300 SCALE_MODEL_MS=20 SCALE_CONCURRENCY=8; HEARTH_REDIS_URL)
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pino from 'pino';
import type { Message } from '../src/core/message.js';
import { RedisStreamBus } from '../src/bus/redis-streams-bus.js';

const REDIS_URL = process.env.HEARTH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const MESSAGES = Number(process.env.SCALE_MESSAGES ?? 3000);
const CONVERSATIONS = Number(process.env.SCALE_CONVERSATIONS ?? 300);
const MODEL_MS = Number(process.env.SCALE_MODEL_MS ?? 20);
const CONCURRENCY = Number(process.env.SCALE_CONCURRENCY ?? 8);

interface Run {
  replicas: number;
  perSecond: number;
  p50: number;
  p99: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function run(replicas: number): Promise<Run> {
  const prefix = `hearth-bench:${randomBytes(4).toString('hex')}:`;
  const open = () =>
    RedisStreamBus.open({
      url: REDIS_URL,
      prefix,
      shards: 16,
      maxQueueDepth: 1_000_000,
      engineConcurrency: CONCURRENCY,
      leaseMs: 5000,
      fanOutChannels: ['webchat'],
      log: pino({ level: 'silent' }),
    });
  const gateways = await Promise.all(Array.from({ length: replicas }, open));
  const engines = await Promise.all(Array.from({ length: replicas }, open));
  const latencies: number[] = [];
  let done = 0;
  let allDone!: () => void;
  const finished = new Promise<void>((r) => (allDone = r));
  for (const e of engines) {
    e.consumeInbound(async (m) => {
      latencies.push(Date.now() - m.timestamp);
      await new Promise((r) => setTimeout(r, MODEL_MS));
      if (++done === MESSAGES) allDone();
    });
  }
  // Let the engines settle their partitions (fair share) before the clock starts.
  await new Promise((r) => setTimeout(r, 1500));
  const t0 = performance.now();
  const sends: Promise<void>[] = [];
  for (let i = 0; i < MESSAGES; i++) {
    const chat = `c${i % CONVERSATIONS}`;
    const m: Message = {
      id: `webchat:${chat}-${i}`,
      kind: 'message',
      channel: 'webchat',
      chatId: chat,
      sender: { id: chat },
      text: 'hi',
      attachments: [],
      isGroup: false,
      mentioned: true,
      timestamp: Date.now(),
    };
    sends.push(gateways[i % gateways.length].publishInbound(m));
  }
  await Promise.all(sends);
  await finished;
  const seconds = (performance.now() - t0) / 1000;
  await Promise.all([...gateways, ...engines].map((b) => b.close()));
  const redis = new Redis(REDIS_URL);
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
  latencies.sort((a, b) => a - b);
  return { replicas, perSecond: MESSAGES / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

const one = await run(1);
const two = await run(2);
console.log(
  `scale: ${MESSAGES} messages, ${CONVERSATIONS} conversations, model ${MODEL_MS} ms, ${CONCURRENCY} concurrent turns per engine`,
);
for (const r of [one, two]) {
  console.log(
    `  ${r.replicas} gateway + ${r.replicas} engine: ${r.perSecond.toFixed(0)} msg/s, queue latency P50 ${r.p50} ms, P99 ${r.p99} ms`,
  );
}
console.log(`  throughput ratio 2+2 / 1+1: ${(two.perSecond / one.perSecond).toFixed(2)}x`);
