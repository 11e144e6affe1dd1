/**
 * Opens the configured bus between gateway and engine: in memory for the all-in-one shape, or the
 * durable queue on Redis Streams (`bus.kind: redis`) for separate gateway and engine replicas.
 */
import type { Logger } from 'pino';
import { MemoryBus, type Bus } from '../core/bus.js';
import type { HearthConfig } from '../core/config.js';
import { ErrorCode } from '../core/errors.js';

export async function createBus(
  config: HearthConfig,
  log: Logger,
  env: Record<string, string | undefined> = process.env,
): Promise<Bus> {
  const b = config.bus;
  if (b.kind === 'redis') {
    // Imported only for the scaled shape: the all-in-one process never loads a Redis client.
    const { RedisStreamBus } = await import('./redis-streams-bus.js');
    return RedisStreamBus.open({
      url: b.url ?? env.HEARTH_REDIS_URL ?? 'redis://127.0.0.1:6379',
      prefix: b.prefix,
      shards: b.shards,
      maxQueueDepth: b.maxQueueDepth,
      engineConcurrency: b.engineConcurrency,
      leaseMs: b.leaseMs,
      fanOutChannels: b.fanOutChannels,
      log,
    });
  }
  return new MemoryBus((err, m) =>
    log.error(
      {
        requestId: m.id,
        channel: m.channel,
        errorCode: ErrorCode.internal,
        err: { message: err instanceof Error ? err.message : String(err) },
      },
      'message handling failed',
    ),
  );
}
