/**
 * The rooms one process holds in memory, loaded on demand from the room log and unloaded when
 * idle. Every change made here is written to the log and then published on the bus; changes from
 * other replicas arrive over the bus, and gaps are healed from the log. Gateways attach peers
 * (browser sockets); the engine's canvas skill edits and reads rooms through the same class, so in
 * the scaled shape it reaches rooms through the log and the bus, never through a gateway's memory.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import * as Y from 'yjs';
import type { Bus } from '../core/bus.js';
import type { CanvasMetrics } from '../core/metrics.js';
import { ErrorCode, HearthError } from '../core/errors.js';
import { BUS_AWARENESS, BUS_DOC, decodeBusFrame, encodeBusFrame, roomTopic } from './bus-frames.js';
import type { CanvasLimits } from './limits.js';
import { readElements, type CanvasElement } from './model/elements.js';
import { CloseCode, type Peer } from './peer.js';
import type { RoomLog } from './room-log.js';
import { FROM_BUS, FROM_STORE, Room } from './room.js';
import { ROOM_NAME } from './room-name.js';
import * as awarenessProtocol from 'y-protocols/awareness';

export { ROOM_NAME };

/** Origin of changes the assistant makes (the canvas skill). */
export const FROM_TOOL = Symbol('canvas:tool');

export interface CanvasRoomsDeps {
  store: RoomLog;
  bus: Bus;
  limits: CanvasLimits;
  log: Logger;
  metrics?: CanvasMetrics;
}

interface Loaded {
  room: Room;
  unsubscribe: () => void;
  pending: Uint8Array[];
  flushScheduled: boolean;
}

export class CanvasRooms {
  /** Stamps this process's bus messages, so it ignores its own echo. */
  readonly instance = randomUUID();
  private readonly loaded = new Map<string, Loaded>();
  private readonly loading = new Map<string, Promise<Loaded>>();
  private readonly sweepTimer: NodeJS.Timeout;
  private readonly resyncTimer: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly deps: CanvasRoomsDeps) {
    // Both unref'd: they tidy memory and heal gaps, and must never keep a process alive.
    this.sweepTimer = setInterval(
      () => this.unloadIdle(),
      Math.max(50, Math.min(30_000, deps.limits.idleUnloadMs / 2)),
    );
    this.sweepTimer.unref();
    this.resyncTimer = setInterval(() => this.resyncAll(), deps.limits.resyncMs);
    this.resyncTimer.unref();
  }

  /** Rooms in memory and peers connected, for metrics and the benchmark. */
  stats(): { rooms: number; peers: number } {
    let peers = 0;
    for (const l of this.loaded.values()) peers += l.room.peerCount;
    return { rooms: this.loaded.size, peers };
  }

  /** Connects a peer to a room (loading it when needed). Refuses with a close code when a limit is hit. */
  async join(name: string, peer: Peer): Promise<Room | undefined> {
    const loaded = await this.open(name).catch((err: unknown) => {
      const busy = err instanceof HearthError && err.code === ErrorCode.busy;
      this.deps.log.warn(
        {
          room: name,
          peer: peer.id,
          errorCode: busy ? ErrorCode.busy : ErrorCode.storage,
          err: { message: (err as Error).message },
        },
        'canvas room could not be opened',
      );
      this.deps.metrics?.canvasRefused(busy ? ErrorCode.busy : ErrorCode.storage);
      peer.close(CloseCode.tryAgainLater, busy ? 'too many rooms open; try again later' : 'room unavailable');
      return undefined;
    });
    if (!loaded) return undefined;
    if (loaded.room.peerCount >= this.deps.limits.maxClientsPerRoom) {
      this.deps.log.warn(
        { room: name, peer: peer.id, errorCode: ErrorCode.busy },
        'canvas client refused: room is full of clients',
      );
      this.deps.metrics?.canvasRefused(ErrorCode.busy);
      peer.close(CloseCode.tryAgainLater, 'room is full');
      return undefined;
    }
    loaded.room.join(peer);
    return loaded.room;
  }

  /** The room's elements as they are now (loading it from the log when it is not in memory). */
  async elements(name: string): Promise<CanvasElement[]> {
    const { room } = await this.open(name);
    room.lastActive = Date.now();
    return readElements(room.doc);
  }

  /**
   * Runs `change` on the room's document in one transaction, then writes it to the log and
   * publishes it before resolving: once this returns, any replica that opens the room sees it.
   */
  async edit<T>(name: string, change: (doc: Y.Doc) => T): Promise<T> {
    const loaded = await this.open(name);
    const { room } = loaded;
    room.lastActive = Date.now();
    // A full room takes no more (one tool edit is small: at most a few hundred elements).
    if (room.bytes >= this.deps.limits.maxRoomBytes)
      throw new HearthError(ErrorCode.tooLarge, `room ${name} is full (canvas.maxRoomBytes)`, 413);
    const result = room.doc.transact(() => change(room.doc), FROM_TOOL);
    await this.flush(name, loaded);
    return result;
  }

  /** Writes pending changes, disconnects everyone and frees every room. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.sweepTimer);
    clearInterval(this.resyncTimer);
    await Promise.allSettled([...this.loading.values()]);
    for (const [name, l] of this.loaded) {
      await this.flush(name, l);
      this.unload(name, l, CloseCode.goingAway, 'server shutting down');
    }
    this.deps.store.close();
  }

  private open(name: string): Promise<Loaded> {
    if (this.closed) return Promise.reject(new HearthError(ErrorCode.shuttingDown, 'canvas is shutting down', 503));
    if (!ROOM_NAME.test(name))
      return Promise.reject(new HearthError(ErrorCode.badRequest, 'room names are 1-64 letters, digits, - or _', 400));
    const hit = this.loaded.get(name);
    if (hit) return Promise.resolve(hit);
    let p = this.loading.get(name);
    if (!p) {
      p = this.load(name).finally(() => this.loading.delete(name));
      this.loading.set(name, p);
    }
    return p;
  }

  private async load(name: string): Promise<Loaded> {
    if (this.loaded.size >= this.deps.limits.maxLoadedRooms) this.unloadIdle(true);
    if (this.loaded.size >= this.deps.limits.maxLoadedRooms)
      throw new HearthError(ErrorCode.busy, 'too many canvas rooms are open', 503);
    const log = this.deps.log;
    const loaded: Loaded = {
      room: new Room(name, this.deps.limits, log, {
        changed: (room, update) => this.changed(room.name, update),
        awareness: (room, update) => this.publish(room.name, BUS_AWARENESS, update),
        refused: (_room, code) => this.deps.metrics?.canvasRefused(code),
      }),
      unsubscribe: () => undefined,
      pending: [],
      flushScheduled: false,
    };
    const { room } = loaded;
    try {
      // Subscribe before reading the log: whatever is published meanwhile is either in the log
      // we read or arrives on the subscription (applying it twice is harmless).
      loaded.unsubscribe = await this.deps.bus.subscribeTopic(roomTopic(name), (data) => this.fromBus(name, data));
      const read = this.deps.store.load(name);
      if (read.updates.length > 0)
        Y.applyUpdate(
          room.doc,
          read.updates.length === 1 ? read.updates[0]! : Y.mergeUpdates(read.updates),
          FROM_STORE,
        );
      room.lastLogId = read.lastId;
      room.bytes = read.bytes;
      room.entries = read.updates.length;
    } catch (err) {
      loaded.unsubscribe();
      room.destroy(CloseCode.tryAgainLater, 'room unavailable');
      throw err;
    }
    this.loaded.set(name, loaded);
    return loaded;
  }

  private changed(name: string, update: Uint8Array): void {
    const l = this.loaded.get(name);
    if (!l) return;
    this.deps.metrics?.canvasChange();
    l.pending.push(update);
    l.room.bytes += update.byteLength;
    if (l.flushScheduled) return;
    l.flushScheduled = true;
    // Peers already got the update; the log write and the bus message are batched per turn of
    // the event loop (a stroke being drawn sends many small updates).
    setImmediate(() => void this.flush(name, l));
  }

  /** Writes the pending updates to the log, then publishes them (in that order: see bus-frames.ts). */
  private async flush(name: string, l: Loaded): Promise<void> {
    l.flushScheduled = false;
    if (l.pending.length === 0) return;
    const updates = l.pending.splice(0);
    const merged = updates.length === 1 ? updates[0]! : Y.mergeUpdates(updates);
    try {
      this.deps.store.append(name, [merged]);
    } catch (err) {
      // Keep them for the next try; the peers still hold them too, and resend on reconnect.
      l.pending.unshift(...updates);
      this.deps.log.error(
        { room: name, errorCode: ErrorCode.storage, err: { message: (err as Error).message } },
        'canvas update could not be stored; retrying',
      );
      if (!l.flushScheduled && !this.closed) {
        l.flushScheduled = true;
        setTimeout(() => void this.flush(name, l), 1000).unref();
      }
      return;
    }
    l.room.entries++;
    await this.publish(name, BUS_DOC, merged);
    if (l.room.entries >= this.deps.limits.compactEvery) this.compact(name, l);
  }

  private compact(name: string, l: Loaded): void {
    try {
      this.deps.store.compact(name);
      l.room.entries = 0;
      l.room.bytes = this.deps.store.since(name, Number.MAX_SAFE_INTEGER).bytes;
    } catch (err) {
      this.deps.log.error(
        { room: name, errorCode: ErrorCode.storage, err: { message: (err as Error).message } },
        'canvas log compaction failed',
      );
    }
  }

  private async publish(name: string, kind: typeof BUS_DOC | typeof BUS_AWARENESS, payload: Uint8Array): Promise<void> {
    try {
      await this.deps.bus.publishTopic(roomTopic(name), encodeBusFrame({ from: this.instance, kind, payload }));
    } catch (err) {
      // Other replicas heal from the log (resyncMs); presence is refreshed by the clients every 15 s.
      this.deps.log.warn(
        { room: name, errorCode: ErrorCode.bus, err: { message: (err as Error).message } },
        'canvas update not broadcast to other replicas',
      );
    }
  }

  private fromBus(name: string, data: Uint8Array): void {
    const l = this.loaded.get(name);
    const frame = decodeBusFrame(data);
    if (!l || !frame || frame.from === this.instance) return;
    try {
      if (frame.kind === BUS_AWARENESS) {
        awarenessProtocol.applyAwarenessUpdate(l.room.awareness, frame.payload, FROM_BUS);
        return;
      }
      Y.applyUpdate(l.room.doc, frame.payload, FROM_BUS);
      // Yjs parks updates whose predecessors it has not seen: we missed a message; read the log.
      if (l.room.doc.store.pendingStructs !== null || l.room.doc.store.pendingDs !== null) this.resync(name, l);
    } catch (err) {
      this.deps.log.warn(
        { room: name, errorCode: ErrorCode.bus, err: { message: (err as Error).message } },
        'malformed canvas message from the bus ignored',
      );
    }
  }

  private resyncAll(): void {
    for (const [name, l] of this.loaded) this.resync(name, l);
  }

  /** Applies what the log holds after the last id this replica read (other replicas' writes). */
  private resync(name: string, l: Loaded): void {
    try {
      const read = this.deps.store.since(name, l.room.lastLogId);
      for (const u of read.updates) Y.applyUpdate(l.room.doc, u, FROM_STORE);
      l.room.lastLogId = read.lastId;
      l.room.bytes = Math.max(l.room.bytes, read.bytes);
    } catch (err) {
      this.deps.log.error(
        { room: name, errorCode: ErrorCode.storage, err: { message: (err as Error).message } },
        'canvas resync from the log failed',
      );
    }
  }

  /** Unloads rooms nobody is connected to; `force` also takes those idle for less than idleUnloadMs. */
  private unloadIdle(force = false): void {
    const cutoff = Date.now() - this.deps.limits.idleUnloadMs;
    for (const [name, l] of this.loaded) {
      if (l.room.peerCount > 0 || l.pending.length > 0 || l.flushScheduled) continue;
      if (!force && l.room.lastActive > cutoff) continue;
      this.unload(name, l, CloseCode.goingAway, 'room unloaded');
    }
  }

  private unload(name: string, l: Loaded, code: number, reason: string): void {
    this.loaded.delete(name);
    l.unsubscribe();
    if (l.room.entries > 1) this.compact(name, l);
    l.room.destroy(code, reason);
    if (!this.closed) this.deps.log.info({ room: name, roomsInMemory: this.loaded.size }, 'canvas room unloaded');
  }
}
