/**
 * The SessionStore contract, run against the in-memory store and a real Redis (127.0.0.1:6379 or
 * HEARTH_TEST_REDIS_URL). Two Redis store instances stand for two replicas sharing state.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { SessionStore } from '../../src/core/stores.js';
import { MemorySessionStore } from '../../src/storage/sessions/memory.js';
import { RedisSessionStore } from '../../src/storage/sessions/redis.js';
import { REDIS_URL } from './backend-urls.js';

function sessionContract(name: string, create: () => Promise<[SessionStore, SessionStore]>): void {
  describe(`SessionStore contract: ${name}`, () => {
    let a: SessionStore;
    let b: SessionStore;
    before(async () => ([a, b] = await create()));
    after(async () => {
      await a.close();
      if (b !== a) await b.close();
    });

    it('stores JSON values and returns copies', async () => {
      const value = { code: '1234', list: [1, 2], nested: { ok: true } };
      await a.set('pair:1', value);
      value.code = 'changed';
      assert.deepEqual(await b.get('pair:1'), { code: '1234', list: [1, 2], nested: { ok: true } });
      assert.equal(await b.get('missing'), undefined);
      await a.set('n', 0);
      assert.equal(await b.get('n'), 0);
    });

    it('expires values after their TTL', async () => {
      await a.set('ttl', 'soon', 60);
      assert.equal(await b.get('ttl'), 'soon');
      await sleep(120);
      assert.equal(await b.get('ttl'), undefined);
    });

    it('sets only when absent, once across instances, and again after expiry', async () => {
      const results = await Promise.all([
        a.setIfAbsent('lock', 'a', 80),
        b.setIfAbsent('lock', 'b', 80),
        a.setIfAbsent('lock', 'c', 80),
      ]);
      assert.equal(results.filter(Boolean).length, 1);
      await sleep(150);
      assert.equal(await b.setIfAbsent('lock', 'later'), true);
      assert.equal(await a.get('lock'), 'later');
    });

    it('increments counters atomically across instances, keeping the first expiry', async () => {
      const results = await Promise.all(
        Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).increment('count', 5, 60_000)),
      );
      assert.equal(Math.max(...results), 200);
      assert.equal(new Set(results).size, 40, 'every increment saw its own total');
      assert.equal(await a.increment('count', -50), 150);
      assert.equal(await b.get('count'), 150);
      await a.increment('brief', 1, 80);
      await b.increment('brief', 1, 60_000);
      await sleep(150);
      assert.equal(await a.get('brief'), undefined, 'a later increment does not extend the expiry');
    });

    it('deletes', async () => {
      await a.set('gone', 1);
      await b.delete('gone');
      assert.equal(await a.get('gone'), undefined);
    });
  });
}

sessionContract('memory', async () => {
  const s = new MemorySessionStore();
  return [s, s];
});

sessionContract('redis', async () => {
  const keyPrefix = `hearth-test:${randomBytes(4).toString('hex')}:`;
  const a = new RedisSessionStore({ url: REDIS_URL, keyPrefix });
  const b = new RedisSessionStore({ url: REDIS_URL, keyPrefix });
  await a.open();
  await b.open();
  return [a, b];
});

describe('RedisSessionStore', () => {
  it('fails to open with a storage error when Redis does not answer', async () => {
    const s = new RedisSessionStore({ url: 'redis://127.0.0.1:1', keyPrefix: 'x:' });
    await assert.rejects(s.open(), (err: Error & { code?: string }) => err.code === 'HEARTH_E_STORAGE');
    await s.close();
  });
});
