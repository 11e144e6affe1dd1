/**
 * The durable bus on a real Redis: one consumer per message, per-conversation order across
 * several engines, redelivery after an engine dies, back-pressure, and reply fan-out versus
 * exactly-once delivery.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import type { Message, Outbound } from '../../src/core/message.js';
import { busFactory, message, reply, until, REDIS_URL } from './bus-fixtures.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('RedisStreamBus', () => {
  const cleanups: Array<() => Promise<void>> = [];
  after(async () => {
    for (const c of cleanups) await c();
  });

  it('answers each message once, in order per conversation, never two of one conversation at a time, across two engines', async () => {
    const f = busFactory();
    cleanups.push(f.closeAll);
    const gateway = await f.open();
    const engines = [await f.open(), await f.open()];
    const handled = new Map<string, string[]>();
    const running = new Set<string>();
    const byEngine = [0, 0];
    let overlaps = 0;
    engines.forEach((bus, i) =>
      bus.consumeInbound(async (m) => {
        if (running.has(m.chatId)) overlaps++;
        running.add(m.chatId);
        await sleep(Math.random() * 4);
        running.delete(m.chatId);
        byEngine[i]++;
        const list = handled.get(m.chatId) ?? [];
        list.push(m.id);
        handled.set(m.chatId, list);
      }),
    );
    await sleep(300); // both engines hold partitions
    const sent: Message[] = [];
    for (let n = 0; n < 20; n++) for (let c = 0; c < 10; c++) sent.push(message(`chat${c}`, n));
    await Promise.all(sent.map((m) => gateway.publishInbound(m)));
    await until(() => [...handled.values()].reduce((s, l) => s + l.length, 0) >= sent.length, 15_000, 'all handled');
    await sleep(200);
    for (let c = 0; c < 10; c++) {
      assert.deepEqual(
        handled.get(`chat${c}`),
        Array.from({ length: 20 }, (_, n) => `webchat:chat${c}-${n}`),
      );
    }
    assert.equal(overlaps, 0);
    assert.ok(byEngine[0] > 0 && byEngine[1] > 0, `both engines answered (${byEngine})`);
    assert.equal(await gateway.queueDepth(), 0);
  });

  it('re-answers, in order, what a dead engine had taken but not finished', async () => {
    const f = busFactory({ shards: 2, leaseMs: 600 });
    cleanups.push(f.closeAll);
    const gateway = await f.open();
    const doomed = await f.open();
    const seenByDoomed: string[] = [];
    doomed.consumeInbound(async (m) => {
      seenByDoomed.push(m.id);
      await new Promise(() => undefined); // hangs: the process will "die" mid-turn
    });
    await sleep(200);
    const sent = [0, 1, 2, 3].map((n) => message('solo', n));
    for (const m of sent) await gateway.publishInbound(m);
    await until(() => seenByDoomed.length === 1, 5000, 'the doomed engine to start');
    doomed.abandon();

    const survivor = await f.open();
    const handled: string[] = [];
    survivor.consumeInbound(async (m) => void handled.push(m.id));
    await until(() => handled.length === 4, 10_000, 'the survivor to take over');
    assert.deepEqual(
      handled,
      sent.map((m) => m.id),
    );
    await sleep(100);
    assert.equal(await gateway.queueDepth(), 0);
  });

  it('answers busy beyond the configured queue depth, and accepts again once engines catch up', async () => {
    const f = busFactory({ maxQueueDepth: 5 });
    cleanups.push(f.closeAll);
    const gateway = await f.open();
    for (let n = 0; n < 5; n++) await gateway.publishInbound(message('bp', n));
    await sleep(300);
    await assert.rejects(
      gateway.publishInbound(message('bp', 5)),
      (err: Error & { code?: string; httpStatus?: number }) => err.code === 'HEARTH_E_BUSY' && err.httpStatus === 503,
    );
    assert.equal(await gateway.queueDepth(), 5);
    const engine = await f.open();
    let done = 0;
    engine.consumeInbound(async () => void done++);
    await until(() => done === 5, 5000, 'the backlog');
    await sleep(400);
    await gateway.publishInbound(message('bp', 6));
  });

  it('fans web chat replies out to every gateway, and delivers chat-app replies through exactly one, in order', async () => {
    const f = busFactory();
    cleanups.push(f.closeAll);
    const engine = await f.open();
    const gateways = [await f.open(), await f.open()];
    const web: Outbound[][] = [[], []];
    const tg: Outbound[][] = [[], []];
    gateways.forEach((g, i) => {
      g.subscribeOutbound('webchat', (o) => void web[i].push(o));
      g.subscribeOutbound('telegram', (o) => void tg[i].push(o));
    });
    await sleep(200);
    const w = message('w1', 0);
    await engine.publishOutbound(reply(w, 'start'));
    await engine.publishOutbound(reply(w, 'done', 'hi'));
    const tgMessages = [0, 1, 2, 3, 4, 5].map((n) => message('t1', n, 'telegram'));
    for (const m of tgMessages) {
      await engine.publishOutbound(reply(m, 'start'));
      await engine.publishOutbound(reply(m, 'delta', 'a'));
      await engine.publishOutbound(reply(m, 'done', 'a'));
    }
    await until(
      () => web[0].length === 2 && web[1].length === 2 && tg[0].length + tg[1].length === 18,
      5000,
      'deliveries',
    );
    await sleep(100);
    assert.equal(tg[0].length + tg[1].length, 18, 'each chat-app event delivered once');
    for (const m of tgMessages) {
      const events = [...tg[0], ...tg[1]].filter((o) => o.event.inReplyTo === m.id);
      const holders = [tg[0], tg[1]].filter((list) => list.some((o) => o.event.inReplyTo === m.id));
      assert.equal(holders.length, 1, 'one gateway delivers a whole reply');
      assert.deepEqual(
        events.map((e) => e.event.type),
        ['start', 'delta', 'done'],
      );
    }
  });

  it('lets a live gateway deliver the end of a chat-app reply whose gateway died', async () => {
    const f = busFactory();
    cleanups.push(f.closeAll);
    const engine = await f.open();
    const first = await f.open();
    const firstGot: Outbound[] = [];
    first.subscribeOutbound('telegram', (o) => void firstGot.push(o));
    await sleep(200);
    const m = message('t2', 0, 'telegram');
    await engine.publishOutbound(reply(m, 'start'));
    await until(() => firstGot.length === 1, 3000, 'the claim');
    first.abandon();
    const redis = new Redis(REDIS_URL);
    await redis.del(`${f.prefix}gw:${first.id}`); // its liveness key expires (6 s); skip the wait
    await redis.quit();
    const second = await f.open();
    const secondGot: Outbound[] = [];
    second.subscribeOutbound('telegram', (o) => void secondGot.push(o));
    await sleep(200);
    await engine.publishOutbound(reply(m, 'delta', 'x'));
    await engine.publishOutbound(reply(m, 'done', 'x'));
    await until(() => secondGot.length === 1, 3000, 'the final event');
    assert.equal(secondGot[0].event.type, 'done');
  });
});
