/**
 * Where rooms persist: per room, an append-only log of Yjs updates, compacted now and then into
 * one snapshot. Ids grow monotonically across the whole log and are never reused, so a replica
 * that remembers the last id it applied can catch up with exactly what it missed.
 */

/** What a replica reads to (re)build a room or catch up with it. */
export interface RoomRead {
  /** Updates to apply, oldest first (a snapshot, when one is needed, comes first). */
  updates: Uint8Array[];
  /** The last log id included; pass it to `since` next time. */
  lastId: number;
  /** Bytes the room occupies in the store (snapshot plus log). */
  bytes: number;
}

export interface RoomLog {
  /** Appends updates of one room in one transaction; returns the id of the last. */
  append(room: string, updates: readonly Uint8Array[]): number;
  /** The whole room: snapshot and log. */
  load(room: string): RoomRead;
  /** What was written after `afterId` (the snapshot too, when compaction swallowed entries past it). */
  since(room: string, afterId: number): RoomRead;
  /** Log entries since the last compaction. */
  pendingEntries(room: string): number;
  /** Folds the room's log into a fresh garbage-collected snapshot. */
  compact(room: string): void;
  /** Every room that has content, with its size and last change (newest first). */
  rooms(): Array<{ room: string; bytes: number; updatedAt: number }>;
  close(): void;
}
