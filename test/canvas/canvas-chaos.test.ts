/**
 * Chaos: eight y-websocket clients edit one room concurrently (new strokes, points appended to
 * strokes, deletions) while 200 random disconnects hit them — clean closes and dropped sockets,
 * often mid-stroke. Afterwards every client, the server and a fresh client hold the same room,
 * and it is exactly every element anyone added minus every element anyone deleted.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import * as Y from 'yjs';
import { loadConfig } from '../../src/core/config-load.js';
import { Hearth } from '../../src/gateway/server.js';
import { elementsOf, liveStroke, readElements, storedId } from '../../src/canvas/model/elements.js';
import { roomClient, until, type RoomClient } from './ws-client.js';

const CLIENTS = 8;
const DISCONNECTS = 200;

/** A small deterministic PRNG, so a failure can be replayed with the same seed. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('canvas chaos', () => {
  let dir: string;
  let hearth: Hearth;
  const clients: RoomClient[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hearth-canvas-chaos-'));
    const file = join(dir, 'hearth.yml');
    // Small compaction interval: the log is folded many times while clients come and go. Every
    // reconnect is an HTTP upgrade from 127.0.0.1: lift the per-IP request limit (300/min).
    writeFileSync(file, 'canvas:\n  compactEvery: 50\nsecurity:\n  rateLimit:\n    ip: { limit: 100000 }\n');
    const env = {
      HEARTH_HOST: '127.0.0.1',
      HEARTH_PORT: '0',
      HEARTH_DATA_DIR: join(dir, 'data'),
      HEARTH_API_TOKEN: 'chaos-token-0123456789abcdef',
    };
    hearth = new Hearth({ loaded: loadConfig({ file, env }), env, log: pino({ level: 'silent' }) });
    await hearth.start();
  });
  after(async () => {
    clients.forEach((c) => c.destroy());
    await hearth.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`${DISCONNECTS} random disconnects during concurrent edits: everyone ends with the same room, nothing lost`, async () => {
    const seed = Number(process.env.CANVAS_CHAOS_SEED ?? Date.now() % 100_000);
    const random = prng(seed);
    const added = new Set<string>();
    const deleted = new Set<string>();
    for (let i = 0; i < CLIENTS; i++) clients.push(roomClient(hearth.url, 'chaos'));
    await Promise.all(clients.map((c) => c.synced(10_000)));

    let disconnects = 0;
    let edits = 0;
    let running = true;
    const editLoop = async (c: RoomClient, n: number) => {
      let current: Y.Array<number> | undefined;
      let k = 0;
      while (running) {
        const list = elementsOf(c.doc);
        const r = random();
        if (r < 0.35 || !current) {
          const id = `c${n}-${k++}`;
          const map = liveStroke({
            id,
            type: 'stroke',
            color: '#1e1e1e',
            width: 2,
            points: [random() * 800, random() * 600],
          });
          c.doc.transact(() => list.push([map]));
          current = map.get('points') as Y.Array<number>;
          added.add(id);
        } else if (r < 0.9) {
          // A stroke being drawn: points appended, connected or not.
          c.doc.transact(() => current!.push([random() * 800, random() * 600]));
        } else if (list.length > 0) {
          const i = Math.floor(random() * list.length);
          const id = storedId(list.get(i))!;
          c.doc.transact(() => list.delete(i, 1));
          deleted.add(id);
        }
        edits++;
        await new Promise((res) => setTimeout(res, 5 + random() * 20));
      }
    };
    const chaosLoop = async () => {
      while (disconnects < DISCONNECTS) {
        const c = clients[Math.floor(random() * CLIENTS)]!;
        if (random() < 0.5) {
          c.provider.disconnect();
          const back = 10 + random() * 80;
          setTimeout(() => c.provider.connect(), back);
        } else {
          // The socket drops without a close handshake, as on a lost network; the provider reconnects.
          (c.provider.ws as unknown as { terminate?: () => void } | null)?.terminate?.();
        }
        disconnects++;
        await new Promise((res) => setTimeout(res, 5 + random() * 30));
      }
    };
    const loops = clients.map((c, i) => editLoop(c, i));
    await chaosLoop();
    running = false;
    await Promise.all(loops);

    for (const c of clients) if (!c.provider.shouldConnect) c.provider.connect();
    await until(() => clients.every((c) => c.provider.synced), 20_000, 'every client resynced');
    const expected = [...added].filter((id) => !deleted.has(id)).sort();
    const same = () => {
      const first = JSON.stringify(readElements(clients[0]!.doc));
      return (
        clients.every((c) => JSON.stringify(readElements(c.doc)) === first) &&
        clients[0]!.ids().length === expected.length
      );
    };
    await until(same, 20_000, `every client converged (seed ${seed})`);
    assert.deepEqual(clients[0]!.ids(), expected, `seed ${seed}: adds minus deletes`);

    const server = (await (await fetch(`${hearth.url}/canvas/chaos/elements`)).json()) as { elements: unknown[] };
    assert.equal(
      JSON.stringify(server.elements),
      JSON.stringify(readElements(clients[0]!.doc)),
      'the server holds the same room',
    );
    const fresh = roomClient(hearth.url, 'chaos');
    clients.push(fresh);
    await fresh.synced();
    assert.equal(
      JSON.stringify(readElements(fresh.doc)),
      JSON.stringify(readElements(clients[0]!.doc)),
      'a fresh client gets the same room',
    );
    assert.ok(edits > 500 && disconnects === DISCONNECTS, `edits=${edits} disconnects=${disconnects}`);
  });
});
