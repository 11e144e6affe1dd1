/**
 * Rooms in one process and across "replicas" (two registries on one bus): sync between peers,
 * checks on what peers send, view-only peers, persistence across a restart, compaction, idle
 * unloading, and healing a missed bus message from the log.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import { MemoryBus, type Bus } from '../../src/core/bus.js';
import type { CanvasLimits } from '../../src/canvas/limits.js';
import { elementsOf, storedElement, readElements, type CanvasElement } from '../../src/canvas/model/elements.js';
import { CloseCode } from '../../src/canvas/peer.js';
import { CanvasRooms } from '../../src/canvas/rooms.js';
import { SqliteRoomLog } from '../../src/canvas/sqlite-room-log.js';
import { MESSAGE_SYNC } from '../../src/canvas/wire.js';
import { PeerClient } from './peer-client.js';

const limits: CanvasLimits = {
  maxUpdateBytes: 64 * 1024,
  maxRoomBytes: 1024 * 1024,
  maxClientsPerRoom: 10,
  maxLoadedRooms: 10,
  clientMessagesPerSec: 1000,
  idleUnloadMs: 60_000,
  compactEvery: 1000,
  resyncMs: 60_000,
};

const dirs: string[] = [];
function dataDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'hearth-canvas-rooms-'));
  dirs.push(d);
  return d;
}
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function registry(
  dir: string,
  bus: Bus = new MemoryBus(() => undefined),
  more: Partial<CanvasLimits> = {},
): CanvasRooms {
  return new CanvasRooms({
    store: new SqliteRoomLog(join(dir, 'canvas.db')),
    bus,
    limits: { ...limits, ...more },
    log: pino({ level: 'silent' }),
  });
}

function rect(id: string, x = 10): CanvasElement {
  return { id, type: 'rect', color: '#1971c2', width: 2, x, y: 20, w: 100, h: 50 };
}

function draw(client: PeerClient, el: CanvasElement): void {
  client.doc.transact(() => elementsOf(client.doc).push([storedElement(el)]));
}

async function until(pred: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(5);
  }
}

const ids = (doc: Y.Doc) =>
  readElements(doc)
    .map((e) => e.id)
    .sort();

describe('canvas rooms', () => {
  it('peers of a room see each other’s elements; another room does not', async () => {
    const rooms = registry(dataDir());
    const a = await new PeerClient().join(rooms, 'team');
    const b = await new PeerClient().join(rooms, 'team');
    const other = await new PeerClient().join(rooms, 'elsewhere');
    draw(a, rect('r1'));
    await until(() => ids(b.doc).includes('r1'));
    draw(b, rect('r2'));
    await until(() => ids(a.doc).length === 2);
    assert.deepEqual(ids(other.doc), []);
    assert.deepEqual(ids(a.doc), ['r1', 'r2']);
    await rooms.close();
  });

  it('a late joiner gets the whole room, and a restart loses nothing', async () => {
    const dir = dataDir();
    const rooms = registry(dir);
    const a = await new PeerClient().join(rooms, 'board');
    for (let i = 0; i < 20; i++) draw(a, rect(`e${i}`, i * 10));
    const late = await new PeerClient().join(rooms, 'board');
    await until(() => ids(late.doc).length === 20);
    await rooms.close();
    assert.deepEqual(a.closed, { code: CloseCode.goingAway, reason: 'server shutting down' });

    const again = registry(dir);
    assert.equal((await again.elements('board')).length, 20);
    const fresh = await new PeerClient().join(again, 'board');
    await until(() => ids(fresh.doc).length === 20);
    await again.close();
  });

  it('a malformed or oversized frame disconnects only its sender and leaves the room untouched', async () => {
    const rooms = registry(dataDir());
    const good = await new PeerClient().join(rooms, 'safe');
    const watcher = await new PeerClient().join(rooms, 'safe');
    draw(good, rect('keep'));
    await until(() => ids(watcher.doc).includes('keep'));

    const garbage = await new PeerClient().join(rooms, 'safe');
    garbage.sendRaw(new Uint8Array([0, 2, 5, 1, 2]));
    assert.equal(garbage.closed?.code, CloseCode.malformed);

    // A well-formed update that invents its own root type is refused too.
    const foreign = await new PeerClient().join(rooms, 'safe');
    const stray = new Y.Doc();
    stray.getMap('evil').set('x', 1);
    const e = encoding.createEncoder();
    encoding.writeVarUint(e, MESSAGE_SYNC);
    encoding.writeVarUint(e, 2);
    encoding.writeVarUint8Array(e, Y.encodeStateAsUpdate(stray));
    foreign.sendRaw(encoding.toUint8Array(e));
    assert.equal(foreign.closed?.code, CloseCode.malformed);

    const big = await new PeerClient().join(rooms, 'safe');
    draw(big, {
      id: 'huge',
      type: 'stroke',
      color: '#000',
      width: 2,
      points: Array.from({ length: 19_000 }, (_, i) => i + 0.5),
    });
    assert.equal(big.closed?.code, CloseCode.tooLarge);

    draw(good, rect('after'));
    await until(() => ids(watcher.doc).includes('after'));
    assert.equal(good.closed, undefined);
    assert.equal(watcher.closed, undefined);
    assert.deepEqual((await rooms.elements('safe')).map((el) => el.id).sort(), ['after', 'keep']);
    await rooms.close();
  });

  it('a view-only peer receives the room but its edits are refused', async () => {
    const rooms = registry(dataDir());
    const editor = await new PeerClient().join(rooms, 'show');
    draw(editor, rect('shown'));
    const viewer = await new PeerClient(false).join(rooms, 'show');
    await until(() => ids(viewer.doc).includes('shown'));
    const deniedBefore = viewer.denied;
    draw(viewer, rect('sneaky'));
    await until(() => viewer.denied > deniedBefore);
    assert.deepEqual(
      (await rooms.elements('show')).map((el) => el.id),
      ['shown'],
    );
    assert.deepEqual(ids(editor.doc), ['shown']);
    await rooms.close();
  });

  it('a client over its message rate is asked to come back later, not dropped from the room', async () => {
    const rooms = registry(dataDir(), undefined, { clientMessagesPerSec: 5 });
    const c = await new PeerClient().join(rooms, 'fast');
    for (let i = 0; i < 10; i++) draw(c, rect(`f${i}`));
    assert.equal(c.closed?.code, CloseCode.tryAgainLater);
    await rooms.close();
  });

  it('compaction folds the log into a snapshot with the same content', async () => {
    const dir = dataDir();
    const rooms = registry(dir, undefined, { compactEvery: 5 });
    const a = await new PeerClient().join(rooms, 'compact');
    for (let i = 0; i < 12; i++) {
      draw(a, rect(`c${i}`));
      await sleep(2);
    }
    elementsOf(a.doc).delete(0, 4);
    await sleep(20);
    await rooms.close();
    const log = new SqliteRoomLog(join(dir, 'canvas.db'));
    assert.ok(log.pendingEntries('compact') < 5, `log entries after compaction: ${log.pendingEntries('compact')}`);
    const doc = new Y.Doc();
    for (const u of log.load('compact').updates) Y.applyUpdate(doc, u);
    assert.deepEqual(
      readElements(doc).map((e) => e.id),
      Array.from({ length: 8 }, (_, i) => `c${i + 4}`),
    );
    log.close();
  });

  it('an idle room leaves memory and comes back from the log', async () => {
    const rooms = registry(dataDir(), undefined, { idleUnloadMs: 100 });
    const a = await new PeerClient().join(rooms, 'idle');
    draw(a, rect('stay'));
    await sleep(10);
    a.leave();
    assert.equal(rooms.stats().rooms, 1);
    await until(() => rooms.stats().rooms === 0, 3000);
    assert.deepEqual(
      (await rooms.elements('idle')).map((e) => e.id),
      ['stay'],
    );
    await rooms.close();
  });

  it('two replicas on one bus share a room, and one that missed a message heals from the log', async () => {
    const dir = dataDir();
    const bus = new MemoryBus(() => undefined);
    const one = registry(dir, bus, { resyncMs: 200 });
    const two = registry(dir, bus, { resyncMs: 200 });
    const a = await new PeerClient().join(one, 'shared');
    const b = await new PeerClient().join(two, 'shared');
    draw(a, rect('via-bus'));
    await until(() => ids(b.doc).includes('via-bus'));
    draw(b, rect('back'));
    await until(() => ids(a.doc).includes('back'));

    // The assistant edits through replica two; peers of replica one see it.
    await two.edit('shared', (doc) => elementsOf(doc).push([storedElement(rect('tool', 300))]));
    await until(() => ids(a.doc).includes('tool'));

    // A bus that drops messages: replica one still gets replica two's edit, from the log.
    const original = bus.publishTopic.bind(bus);
    bus.publishTopic = async () => undefined;
    draw(b, rect('missed'));
    await until(() => ids(a.doc).includes('missed'), 3000);
    bus.publishTopic = original;
    await one.close();
    await two.close();
  });
});
