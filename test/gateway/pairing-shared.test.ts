/**
 * Pending pairing codes live in the SessionStore: with Redis they are shared by every gateway
 * replica and survive a restart of any of them.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Message } from '../../src/core/message.js';
import type { HistoryStore } from '../../src/core/stores.js';
import { AccessControl } from '../../src/gateway/pipeline/access.js';
import { RedisSessionStore } from '../../src/storage/sessions/redis.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const stranger = (id: string): Message => ({
  id: `telegram:${randomUUID()}`,
  kind: 'message',
  channel: 'telegram',
  chatId: `chat-${id}`,
  sender: { id, username: `user${id}` },
  text: 'hello?',
  attachments: [],
  isGroup: false,
  mentioned: true,
  timestamp: Date.now(),
});

describe('pairing codes in a shared session store', () => {
  const keyPrefix = `hearth:test:pairing:${randomUUID()}:`;
  const stores: RedisSessionStore[] = [];
  // The approved-senders list is in the history store, itself shared by the replicas.
  const approved = new Set<string>();
  const history = {
    isSenderApproved: async (c: string, s: string) => approved.has(`${c}:${s}`),
    approveSender: async (c: string, s: string) => void approved.add(`${c}:${s}`),
  } as unknown as HistoryStore;
  /** One gateway replica (a fresh Redis connection, as after a restart). */
  async function replica(): Promise<AccessControl> {
    const sessions = new RedisSessionStore({ url: REDIS_URL, keyPrefix });
    await sessions.open();
    stores.push(sessions);
    return new AccessControl(history, sessions);
  }
  after(async () => {
    for (const s of stores) await s.close();
  });

  it('a code issued by one replica is listed, repeated and approved by another, and after a restart', async () => {
    const a = await replica();
    const first = await a.decide(stranger('42'), undefined);
    assert.equal(first.kind, 'pair');
    const code = (first as { code: string }).code;

    const b = await replica();
    const again = await b.decide(stranger('42'), undefined);
    assert.deepEqual(
      again,
      { kind: 'pair', code, isNew: false },
      'the same sender gets the same code from every replica',
    );
    assert.deepEqual(
      (await b.list()).map((p) => [p.code, p.senderId, p.senderName]),
      [[code, '42', 'user42']],
    );

    // A restart: the process holding the code is gone; a new one still knows it.
    await stores[0].close();
    stores.shift();
    const restarted = await replica();
    assert.equal((await restarted.list()).length, 1);
    const approvedPairing = await restarted.approve(code.toLowerCase());
    assert.equal(approvedPairing?.senderId, '42');
    assert.deepEqual(await b.decide(stranger('42'), undefined), { kind: 'allow' });
    assert.deepEqual(await b.list(), []);
    assert.equal(await b.approve(code), undefined, 'a code is used once');
  });

  it('codes issued by two replicas at once are both listed', async () => {
    const [a, b] = [await replica(), await replica()];
    const [x, y] = await Promise.all([a.decide(stranger('7'), undefined), b.decide(stranger('8'), undefined)]);
    const listed = (await a.list()).map((p) => p.code).sort();
    assert.deepEqual(listed, [(x as { code: string }).code, (y as { code: string }).code].sort());
  });
});
