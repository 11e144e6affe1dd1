/** Redis key names of the durable bus, all under one configurable prefix. */
export interface BusKeys {
  inbound(shard: number): string;
  lease(shard: number): string;
  /** Sorted set of live engines, scored by their last heartbeat. */
  engines: string;
  outbound: string;
  /** Which gateway delivers a reply on an exactly-once channel. */
  deliveryClaim(replyId: string): string;
  gatewayAlive(gatewayId: string): string;
  /** Hash of the latest control message of each type, and the pub/sub channel announcing them. */
  control: string;
  /** Pub/sub channel of a topic broadcast (canvas rooms). */
  topic(name: string): string;
}

export const ENGINE_GROUP = 'engines';

export function busKeys(prefix: string): BusKeys {
  return {
    inbound: (shard) => `${prefix}in:${shard}`,
    lease: (shard) => `${prefix}lease:${shard}`,
    engines: `${prefix}engines`,
    outbound: `${prefix}out`,
    deliveryClaim: (replyId) => `${prefix}claim:${replyId}`,
    gatewayAlive: (id) => `${prefix}gw:${id}`,
    control: `${prefix}control`,
    topic: (name) => `${prefix}topic:${name}`,
  };
}
