/**
 * One live room: its Yjs document, the awareness states of the people in it (cursors), and the
 * peers connected to this server. It relays what a peer sends to the others, checks every update
 * before it reaches the document, and reports changes made here (by a peer or the skill) so the
 * registry can persist and broadcast them.
 *
 * Why a CRDT (Yjs) rather than a server-ordered operation log: drawing is offline-tolerant by
 * nature — a phone on a train keeps drawing, a tab reconnects mid-stroke — and with Yjs every
 * replica (browser, gateway, engine) merges any set of updates, in any order, any number of times,
 * to the same state. So reconnect sends only the difference of two state vectors (sync step 1/2),
 * a stale tab can never overwrite a room (it merges), duplicate deliveries are harmless, and the
 * server needs no clocks or locks across replicas. y-protocols gives the sync handshake and the
 * awareness (presence) protocol that every Yjs client speaks.
 */
import type { Logger } from 'pino';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import { ErrorCode } from '../core/errors.js';
import type { CanvasLimits } from './limits.js';
import { CloseCode, type Peer } from './peer.js';
import { checkUpdate } from './update-check.js';
import {
  awarenessFrame,
  decodeClientMessage,
  MalformedMessage,
  permissionDeniedFrame,
  syncStep1Frame,
  syncStep2Frame,
  updateFrame,
} from './wire.js';

/** Origin of updates that came from another replica through the bus: relayed, never re-published. */
export const FROM_BUS = Symbol('canvas:bus');
/** Origin of updates read back from the room log: relayed to peers, not written again. */
export const FROM_STORE = Symbol('canvas:store');

export interface RoomEvents {
  /** A change made on this server (by a peer or a tool): persist it and tell the other replicas. */
  changed(room: Room, update: Uint8Array): void;
  /** Presence changed on this server: tell the other replicas. */
  awareness(room: Room, update: Uint8Array): void;
  /** A peer was refused (bad frame, over a limit): counted in the metrics. */
  refused?(room: Room, errorCode: string): void;
}

/**
 * Presence is relayed in batches at most this often: with N people moving their pointers, each
 * peer gets one frame per interval instead of N (N² frames a second in all would swamp a big room).
 */
const AWARENESS_BATCH_MS = 40;

interface PeerState {
  /** Awareness client ids this peer announced (removed when it leaves). */
  clients: Set<number>;
  windowStart: number;
  messages: number;
}

export class Room {
  readonly doc = new Y.Doc({ gc: true });
  readonly awareness = new awarenessProtocol.Awareness(this.doc);
  private readonly peers = new Map<Peer, PeerState>();
  lastActive = Date.now();
  /** The last room-log id this replica read (catch-up starts after it). */
  lastLogId = 0;
  /** Bytes the room occupies in its log (checked against maxRoomBytes). */
  bytes = 0;
  /** Log entries written since the last compaction. */
  entries = 0;
  /** Awareness clients changed here since the last batch, and whether the batch goes to the bus too. */
  private readonly awarenessChanged = new Set<number>();
  private awarenessLocal = false;
  private awarenessTimer?: NodeJS.Timeout;

  constructor(
    readonly name: string,
    private readonly limits: CanvasLimits,
    private readonly log: Logger,
    private readonly events: RoomEvents,
  ) {
    // The server is not a participant: no presence of its own.
    this.awareness.setLocalState(null);
    this.doc.on('update', (update: Uint8Array, origin: unknown) => {
      const frame = updateFrame(update);
      for (const peer of this.peers.keys()) if (peer !== origin) peer.send(frame);
      if (origin !== FROM_BUS && origin !== FROM_STORE) this.events.changed(this, update);
    });
    this.awareness.on(
      'update',
      ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }, origin: unknown) => {
        const state = this.peers.get(origin as Peer);
        if (state) {
          for (const id of [...added, ...updated]) state.clients.add(id);
          for (const id of removed) state.clients.delete(id);
        }
        for (const id of [...added, ...updated, ...removed]) this.awarenessChanged.add(id);
        if (origin !== FROM_BUS) this.awarenessLocal = true;
        this.awarenessTimer ??= setTimeout(() => this.flushAwareness(), AWARENESS_BATCH_MS);
      },
    );
  }

  /** Sends the batched presence changes (latest state of each changed client) to peers and, if made here, to the bus. */
  private flushAwareness(): void {
    this.awarenessTimer = undefined;
    const clients = [...this.awarenessChanged].filter((id) => this.awareness.meta.has(id));
    const local = this.awarenessLocal;
    this.awarenessChanged.clear();
    this.awarenessLocal = false;
    if (clients.length === 0) return;
    const update = awarenessProtocol.encodeAwarenessUpdate(this.awareness, clients);
    const frame = awarenessFrame(update);
    // The sender gets its own presence back too: y-websocket clients treat silence as a dead link.
    for (const peer of this.peers.keys()) peer.send(frame);
    if (local) this.events.awareness(this, update);
  }

  get peerCount(): number {
    return this.peers.size;
  }

  /** Adds a peer and starts the handshake: our state vector, so it sends what we lack, and who is here. */
  join(peer: Peer): void {
    this.peers.set(peer, { clients: new Set(), windowStart: Date.now(), messages: 0 });
    this.lastActive = Date.now();
    // View-only peers learn it up front, with the standard y-protocols auth message.
    if (!peer.canEdit) peer.send(permissionDeniedFrame('view only'));
    peer.send(syncStep1Frame(Y.encodeStateVector(this.doc)));
    const present = [...this.awareness.getStates().keys()];
    if (present.length > 0) peer.send(awarenessFrame(awarenessProtocol.encodeAwarenessUpdate(this.awareness, present)));
  }

  leave(peer: Peer): void {
    const state = this.peers.get(peer);
    if (!state) return;
    this.peers.delete(peer);
    this.lastActive = Date.now();
    if (state.clients.size > 0) awarenessProtocol.removeAwarenessStates(this.awareness, [...state.clients], 'left');
  }

  /** Handles one frame from a peer. Whatever it holds, only this peer can be hurt by it. */
  receive(peer: Peer, data: Uint8Array): void {
    const state = this.peers.get(peer);
    if (!state) return;
    const now = Date.now();
    this.lastActive = now;
    if (now - state.windowStart >= 1000) {
      state.windowStart = now;
      state.messages = 0;
    }
    if (++state.messages > this.limits.clientMessagesPerSec) {
      // 1013: the client reconnects after a back-off and resyncs, so nothing it drew is lost.
      this.reject(
        peer,
        CloseCode.tryAgainLater,
        ErrorCode.rateLimited,
        'too many messages',
        `over ${this.limits.clientMessagesPerSec}/s`,
      );
      return;
    }
    let message: ReturnType<typeof decodeClientMessage>;
    try {
      message = decodeClientMessage(data);
    } catch (err) {
      this.reject(
        peer,
        CloseCode.malformed,
        ErrorCode.badRequest,
        'malformed message',
        (err as MalformedMessage).message,
      );
      return;
    }
    switch (message.kind) {
      case 'sync-step1': {
        let reply: Uint8Array;
        try {
          reply = Y.encodeStateAsUpdate(this.doc, message.stateVector);
        } catch (err) {
          this.reject(
            peer,
            CloseCode.malformed,
            ErrorCode.badRequest,
            'malformed state vector',
            (err as Error).message,
          );
          return;
        }
        peer.send(syncStep2Frame(reply));
        return;
      }
      case 'update':
        return this.receiveUpdate(peer, message.update);
      case 'awareness': {
        if (message.update.byteLength > Math.min(this.limits.maxUpdateBytes, 64 * 1024)) {
          this.reject(
            peer,
            CloseCode.tooLarge,
            ErrorCode.tooLarge,
            'awareness update too large',
            `${message.update.byteLength} bytes`,
          );
          return;
        }
        try {
          awarenessProtocol.applyAwarenessUpdate(this.awareness, message.update, peer);
        } catch (err) {
          this.reject(
            peer,
            CloseCode.malformed,
            ErrorCode.badRequest,
            'malformed awareness update',
            (err as Error).message,
          );
        }
        return;
      }
      case 'query-awareness': {
        const present = [...this.awareness.getStates().keys()];
        peer.send(awarenessFrame(awarenessProtocol.encodeAwarenessUpdate(this.awareness, present)));
        return;
      }
    }
  }

  private receiveUpdate(peer: Peer, update: Uint8Array): void {
    const verdict = checkUpdate(update, this.limits.maxUpdateBytes);
    if (!verdict.ok) {
      const tooLarge = verdict.reason === 'too-large';
      this.reject(
        peer,
        tooLarge ? CloseCode.tooLarge : CloseCode.malformed,
        tooLarge ? ErrorCode.tooLarge : ErrorCode.badRequest,
        `update rejected (${verdict.reason})`,
        verdict.detail,
      );
      return;
    }
    if (verdict.empty) return;
    if (!peer.canEdit) {
      // A view-only client answers our sync step 1 with whatever it holds; it must not land here.
      this.log.warn(
        { room: this.name, peer: peer.id, errorCode: ErrorCode.forbidden },
        'canvas edit refused: view-only access',
      );
      peer.send(permissionDeniedFrame('this link can only view the room'));
      return;
    }
    if (this.bytes + update.byteLength > this.limits.maxRoomBytes) {
      this.reject(
        peer,
        CloseCode.tooLarge,
        ErrorCode.tooLarge,
        'room is full',
        `${this.bytes} bytes, limit ${this.limits.maxRoomBytes}`,
      );
      return;
    }
    try {
      Y.applyUpdate(this.doc, update, peer);
    } catch (err) {
      // decodeUpdate accepted it, so this is unexpected; the document is left as Yjs left it.
      this.reject(
        peer,
        CloseCode.malformed,
        ErrorCode.badRequest,
        'update could not be applied',
        (err as Error).message,
      );
    }
  }

  private reject(peer: Peer, close: number, errorCode: string, reason: string, detail: string): void {
    this.log.warn({ room: this.name, peer: peer.id, errorCode, detail }, `canvas client refused: ${reason}`);
    this.events.refused?.(this, errorCode);
    this.leave(peer);
    peer.close(close, reason);
  }

  /** Disconnects everyone (shutdown, unload) and frees the document. */
  destroy(code: number, reason: string): void {
    for (const peer of [...this.peers.keys()]) {
      this.leave(peer);
      peer.close(code, reason);
    }
    this.awareness.destroy();
    // After destroy(): it announces the server's own (empty) presence as removed, which schedules a batch.
    clearTimeout(this.awarenessTimer);
    this.doc.destroy();
  }
}
