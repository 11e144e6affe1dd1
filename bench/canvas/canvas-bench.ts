/**
 * Canvas benchmark against the real `hearth start` process on loopback:
 * - fan-out: 100 y-websocket clients in one room; one draws a stroke at 60 points/s and every
 *   other client's arrival time of each point is measured (P50/P99; goal P99 <= 25 ms);
 * - late join of a 5,000-element room, hot (room in memory) and cold (read from the room log
 *   after it was unloaded) (goal <= 1 s);
 * - the server's RSS idle, with the clients and rooms loaded, and after the rooms went idle.
 *
 *   npm run bench:canvas      (CANVAS_BENCH_CLIENTS=100 CANVAS_BENCH_SECONDS=5 by default)
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import * as decoding from 'lib0/decoding';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { elementsOf, liveStroke, storedElement, type CanvasElement } from '../../src/canvas/model/elements.js';
import { startHearth, type HearthProcess } from '../../test/harness.js';
import { roomClient, until } from '../../test/canvas/ws-client.js';

const CLIENTS = Number(process.env.CANVAS_BENCH_CLIENTS ?? 100);
const SECONDS = Number(process.env.CANVAS_BENCH_SECONDS ?? 5);
const BIG_ROOM = 5_000;
const IDLE_UNLOAD_MS = 3_000;

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN) / 1024;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/**
 * A receiving client reduced to its socket: it joins the room and timestamps each document update
 * frame as it arrives, without decoding it. So the figure is the server's fan-out (plus loopback),
 * not 99 Yjs documents being updated one after the other in this single benchmark process.
 */
function rawReceiver(h: HearthProcess, room: string, onUpdate: (n: number, at: number) => void): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${h.baseUrl.replace(/^http/, 'ws')}/canvas/${room}/ws`);
    let updates = 0;
    ws.on('message', (data: Buffer) => {
      const d = decoding.createDecoder(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      if (decoding.readVarUint(d) !== 0) return;
      const sub = decoding.readVarUint(d);
      if (sub === 0) resolve(ws); // the server's sync step 1: we are in the room
      if (sub === 2) onUpdate(updates++, performance.now());
    });
    ws.on('error', reject);
  });
}

async function fanOut(
  h: HearthProcess,
): Promise<{ p50: number; p99: number; max: number; samples: number; expected: number }> {
  const sentAt: number[] = [];
  const latencies: number[] = [];
  const receivers: WebSocket[] = [];
  for (let i = 0; i < CLIENTS - 1; i += 20) {
    const batch = Array.from({ length: Math.min(20, CLIENTS - 1 - i) }, () =>
      rawReceiver(h, 'fanout', (n, at) => {
        if (sentAt[n] !== undefined) latencies.push(at - sentAt[n]!);
      }),
    );
    receivers.push(...(await Promise.all(batch)));
  }
  const sender = roomClient(h.baseUrl, 'fanout');
  await sender.synced();
  const stroke: CanvasElement = { id: 'bench-stroke', type: 'stroke', color: '#1e1e1e', width: 3, points: [0, 0] };
  const map = liveStroke(stroke);
  // Update 0 creates the stroke; update k adds its k-th point, 60 a second like a pen.
  sentAt[0] = performance.now();
  sender.doc.transact(() => elementsOf(sender.doc).push([map]));
  const points = map.get('points') as Y.Array<number>;
  const count = Math.round(SECONDS * 60);
  for (let k = 1; k <= count; k++) {
    await sleep(1000 / 60);
    sentAt[k] = performance.now();
    points.push([k, (k * 7) % 500]);
  }
  const expected = (count + 1) * receivers.length;
  await until(() => latencies.length >= expected, 30_000, 'every update reached every receiver').catch(() => undefined);
  sender.destroy();
  receivers.forEach((r) => r.close());
  const sorted = latencies.sort((a, b) => a - b);
  return {
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? NaN,
    samples: sorted.length,
    expected,
  };
}

async function fillBigRoom(h: HearthProcess): Promise<void> {
  const writer = roomClient(h.baseUrl, 'big');
  await writer.synced();
  const list = elementsOf(writer.doc);
  for (let i = 0; i < BIG_ROOM; i += 250) {
    writer.doc.transact(() => {
      for (let j = i; j < i + 250; j++) {
        const x = (j % 100) * 12,
          y = Math.floor(j / 100) * 12;
        const el: CanvasElement =
          j % 3 === 0
            ? {
                id: `s${j}`,
                type: 'stroke',
                color: '#1971c2',
                width: 2,
                points: [x, y, x + 4, y + 3, x + 8, y + 1, x + 10, y + 6],
              }
            : j % 3 === 1
              ? { id: `r${j}`, type: 'rect', color: '#e03131', width: 1, x, y, w: 9, h: 7 }
              : { id: `t${j}`, type: 'text', color: '#1e1e1e', width: 1, x, y: y + 9, text: `n${j}`, size: 8 };
        list.push([storedElement(el)]);
      }
    });
    await sleep(20);
  }
  await until(
    async () =>
      ((await (await fetch(`${h.baseUrl}/canvas/big/elements`)).json()) as { elements: unknown[] }).elements.length ===
      BIG_ROOM,
    30_000,
    'the server holds the big room',
  );
  writer.destroy();
}

async function lateJoinMs(h: HearthProcess): Promise<number> {
  const t0 = performance.now();
  const c = roomClient(h.baseUrl, 'big');
  await c.synced(30_000);
  await until(() => elementsOf(c.doc).length === BIG_ROOM, 30_000, 'the late joiner has the whole room');
  const ms = performance.now() - t0;
  c.destroy();
  return ms;
}

async function main(): Promise<void> {
  const h = await startHearth({
    config: `canvas:\n  idleUnloadMs: ${IDLE_UNLOAD_MS}\nsecurity:\n  rateLimit:\n    ip: { limit: 100000 }\n`,
    timeoutMs: 30_000,
  });
  try {
    await sleep(1000);
    const idle = rssMb(h.proc.pid!);
    const fan = await fanOut(h);
    await fillBigRoom(h);
    const hot = await lateJoinMs(h);
    const loaded = rssMb(h.proc.pid!);
    // Everyone gone: the rooms leave memory after idleUnloadMs (the sweep runs every half of it).
    const unloaded = await h.waitForLog(
      (l) => l.msg === 'canvas room unloaded' && l.roomsInMemory === 0,
      IDLE_UNLOAD_MS * 4,
    );
    await sleep(1000);
    const afterIdle = rssMb(h.proc.pid!);
    const cold = await lateJoinMs(h);
    const ok = (v: boolean) => (v ? 'ok' : 'MISSED');
    console.log(
      `canvas fan-out: ${CLIENTS} clients in one room (one y-websocket client drawing at 60 points/s for ${SECONDS} s, ${CLIENTS - 1} receivers timing each update's arrival on their socket)`,
    );
    console.log(
      `  per point to every other client: P50 ${fan.p50.toFixed(1)} ms, P99 ${fan.p99.toFixed(1)} ms, max ${fan.max.toFixed(1)} ms (${fan.samples}/${fan.expected} deliveries; goal P99 <= 25 ms: ${ok(fan.p99 <= 25)})`,
    );
    console.log(
      `canvas late join of a ${BIG_ROOM.toLocaleString('en')}-element room: ${hot.toFixed(0)} ms with the room in memory, ${cold.toFixed(0)} ms read from the room log (goal <= 1000 ms: ${ok(Math.max(hot, cold) <= 1000)})`,
    );
    console.log(
      `canvas server RSS: ${idle.toFixed(1)} MB idle, ${loaded.toFixed(1)} MB with the clients and rooms loaded, ${afterIdle.toFixed(1)} MB after the rooms went idle (rooms in memory: ${unloaded.roomsInMemory}; V8 keeps some freed heap)`,
    );
    console.log(
      `(machine load average while measuring: ${loadavg()
        .map((v) => v.toFixed(1))
        .join(' ')} on ${cpus().length} cores)`,
    );
  } finally {
    await h.stop();
  }
}

await main();
