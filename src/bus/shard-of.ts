/**
 * Which inbound partition a conversation belongs to. Every message of one conversation lands in
 * the same partition, and one partition is answered by one engine at a time, in stream order:
 * that is how per-conversation order survives many engines.
 */

/** FNV-1a (32 bit) of the key, modulo the partition count: stable across processes and releases. */
export function shardOf(conversationKey: string, shards: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < conversationKey.length; i++) {
    h ^= conversationKey.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % shards;
}
