/**
 * An in-process client of a room, speaking the real y-protocols sync handshake through the
 * `Peer` seam (no socket): the room tests drive rooms with it.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import type { Peer } from '../../src/canvas/peer.js';
import type { Room } from '../../src/canvas/room.js';
import type { CanvasRooms } from '../../src/canvas/rooms.js';
import { MESSAGE_AUTH, MESSAGE_SYNC } from '../../src/canvas/wire.js';

let n = 0;

export class PeerClient implements Peer {
  readonly id = `test-peer-${++n}`;
  readonly doc = new Y.Doc();
  room?: Room;
  closed?: { code: number; reason: string };
  denied = 0;
  received = 0;

  constructor(readonly canEdit = true) {
    this.doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin === this || !this.room || this.closed) return;
      const e = encoding.createEncoder();
      encoding.writeVarUint(e, MESSAGE_SYNC);
      syncProtocol.writeUpdate(e, update);
      this.room.receive(this, encoding.toUint8Array(e));
    });
  }

  async join(rooms: CanvasRooms, name: string): Promise<this> {
    this.room = await rooms.join(name, this);
    if (this.room) {
      // What y-websocket does on open: our state vector, so the server sends what we lack.
      const e = encoding.createEncoder();
      encoding.writeVarUint(e, MESSAGE_SYNC);
      syncProtocol.writeSyncStep1(e, this.doc);
      this.room.receive(this, encoding.toUint8Array(e));
    }
    return this;
  }

  /** Sends raw bytes as one frame (malformed-input tests). */
  sendRaw(bytes: Uint8Array): void {
    this.room?.receive(this, bytes);
  }

  send(frame: Uint8Array): void {
    this.received++;
    const d = decoding.createDecoder(frame);
    const type = decoding.readVarUint(d);
    if (type === MESSAGE_AUTH) {
      this.denied++;
      return;
    }
    if (type !== MESSAGE_SYNC) return;
    const reply = encoding.createEncoder();
    encoding.writeVarUint(reply, MESSAGE_SYNC);
    syncProtocol.readSyncMessage(d, reply, this.doc, this);
    if (encoding.length(reply) > 1 && this.room && !this.closed) {
      const bytes = encoding.toUint8Array(reply);
      // Answer on the next turn, as a socket would.
      queueMicrotask(() => this.room?.receive(this, bytes));
    }
  }

  close(code: number, reason: string): void {
    this.closed = { code, reason };
  }

  leave(): void {
    this.room?.leave(this);
    this.room = undefined;
  }
}
