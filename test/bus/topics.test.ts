/**
 * Topic broadcasts on the bus (what canvas rooms ride on): every subscriber of a topic in every
 * replica gets the bytes, other topics do not, and an unsubscribed handler gets nothing more.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { MemoryBus, type Bus } from '../../src/core/bus.js';
import { busFactory } from './bus-fixtures.js';

async function exercise(publisher: Bus, subscriber: Bus): Promise<void> {
  const got: string[] = [];
  const other: string[] = [];
  const off = await subscriber.subscribeTopic('canvas.room-a', (data) => got.push(Buffer.from(data).toString()));
  await subscriber.subscribeTopic('canvas.room-b', (data) => other.push(Buffer.from(data).toString()));
  await publisher.publishTopic('canvas.room-a', new Uint8Array([0, 1, 2, 255]));
  await publisher.publishTopic('canvas.room-a', Buffer.from('second'));
  for (let i = 0; i < 100 && got.length < 2; i++) await sleep(10);
  assert.deepEqual(got, [Buffer.from([0, 1, 2, 255]).toString(), 'second']);
  assert.deepEqual(other, []);
  off();
  await sleep(50);
  await publisher.publishTopic('canvas.room-a', Buffer.from('after'));
  await sleep(100);
  assert.equal(got.length, 2);
}

describe('bus topics', () => {
  it('MemoryBus delivers to subscribers in the process', async () => {
    const bus = new MemoryBus(() => undefined);
    await exercise(bus, bus);
    await bus.close();
  });

  const redis = busFactory();
  after(() => redis.closeAll());

  it('the Redis bus delivers binary payloads to other replicas', async () => {
    const a = await redis.open();
    const b = await redis.open();
    await exercise(a, b);
  });
});
