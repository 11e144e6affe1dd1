/**
 * Web chat identity (SPEC §14): the server issues one per browser, the page sends it in every hello,
 * and the person's conversation list and budget follow it; a client without one is a new anonymous
 * user, and a forged one is no one's.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startOpenAIFake, type ModelFake } from '../fakes/openai-server.js';
import { startHearth, type HearthProcess } from '../harness.js';
import { WebChatSocket } from '../webchat-client.js';

describe('web chat identity', () => {
  let model: ModelFake;
  let h: HearthProcess;

  before(async () => {
    model = await startOpenAIFake();
    h = await startHearth({ env: { MODEL_ENDPOINT: model.baseUrl } });
  });
  after(async () => {
    await h?.stop();
    await model?.close();
  });

  it('is issued once and keeps the same user, conversations and history across reloads', async () => {
    const first = await WebChatSocket.open(h.baseUrl);
    const identity = first.ready.identity as string;
    assert.match(identity, /^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/);
    assert.match(first.ready.userId, /^web-/);
    assert.deepEqual(first.ready.conversations, []);
    assert.equal((await first.socket.ask('remember the blue door')).type, 'done');
    first.socket.close();
    const conversationId = first.ready.conversationId as string;
    for (let reload = 0; reload < 2; reload++) {
      const again = await WebChatSocket.open(h.baseUrl, { identity, conversationId });
      assert.equal(again.ready.identity, undefined, 'no new identity for a browser that has one');
      assert.equal(again.ready.userId, first.ready.userId);
      assert.equal(again.ready.conversationId, conversationId);
      assert.equal(again.ready.history[0].content, 'remember the blue door');
      assert.deepEqual(
        again.ready.conversations.map((c: { id: string; title: string }) => [c.id, c.title]),
        [[conversationId, 'remember the blue door']],
      );
      again.socket.close();
    }
  });

  it('treats a client without identity, or with a forged one, as a new anonymous user who sees nothing of others', async () => {
    const alice = await WebChatSocket.open(h.baseUrl);
    await alice.socket.ask('alice secret plan');
    const aliceChat = alice.ready.conversationId as string;
    const aliceIdentity = alice.ready.identity as string;
    const [uid, mac] = aliceIdentity.split('.');
    const forgedMac = (mac![0] === 'A' ? 'B' : 'A') + mac!.slice(1);
    for (const hello of [{}, { identity: `${uid}.${forgedMac}` }, { identity: 'made-up' }]) {
      const other = await WebChatSocket.open(h.baseUrl, { ...hello, conversationId: aliceChat });
      assert.ok(other.ready.identity, `a new identity is issued for ${JSON.stringify(hello)}`);
      assert.notEqual(other.ready.userId, alice.ready.userId);
      assert.notEqual(other.ready.conversationId, aliceChat, 'naming her conversation opens a new one');
      assert.deepEqual(other.ready.history, []);
      assert.deepEqual(other.ready.conversations, []);
      other.socket.send({ type: 'rename', conversationId: aliceChat, title: 'hijacked' });
      assert.equal((await other.socket.next((f) => f.type === 'error')).code, 'HEARTH_E_NOT_FOUND');
      other.socket.send({ type: 'delete', conversationId: aliceChat });
      assert.equal((await other.socket.next((f) => f.type === 'error')).code, 'HEARTH_E_NOT_FOUND');
      other.socket.send({ type: 'list' });
      assert.deepEqual((await other.socket.next((f) => f.type === 'conversations')).conversations, []);
      other.socket.close();
    }
    alice.socket.send({ type: 'list' });
    const mine = await alice.socket.next((f) => f.type === 'conversations');
    assert.deepEqual(
      mine.conversations.map((c: { id: string; title: string }) => [c.id, c.title]),
      [[aliceChat, 'alice secret plan']],
    );
    alice.socket.close();
  });

  it('renames and deletes the owner’s conversations; a deleted one comes back empty', async () => {
    const me = await WebChatSocket.open(h.baseUrl);
    const identity = me.ready.identity as string;
    await me.socket.ask('first conversation');
    me.socket.close();
    const second = await WebChatSocket.open(h.baseUrl, { identity });
    await second.socket.ask('second conversation');
    second.socket.send({ type: 'list' });
    const [newest, oldest] = (await second.socket.next((f) => f.type === 'conversations')).conversations;
    assert.equal(newest.title, 'second conversation');
    assert.equal(oldest.title, 'first conversation');
    second.socket.send({ type: 'rename', conversationId: oldest.id, title: '  Trip   planning ' });
    let list = (await second.socket.next((f) => f.type === 'conversations')).conversations;
    assert.deepEqual(
      list.map((c: { title: string }) => c.title),
      ['second conversation', 'Trip planning'],
    );
    second.socket.send({ type: 'rename', conversationId: oldest.id, title: '' });
    assert.equal((await second.socket.next((f) => f.type === 'error')).code, 'HEARTH_E_BAD_REQUEST');
    second.socket.send({ type: 'delete', conversationId: oldest.id });
    list = (await second.socket.next((f) => f.type === 'conversations')).conversations;
    assert.deepEqual(
      list.map((c: { title: string }) => c.title),
      ['second conversation'],
    );
    second.socket.close();
    const reopened = await WebChatSocket.open(h.baseUrl, { identity, conversationId: oldest.id });
    assert.deepEqual(reopened.ready.history, [], 'its turns are gone');
    assert.deepEqual(
      reopened.ready.conversations.map((c: { title: string }) => c.title),
      ['second conversation'],
    );
    reopened.socket.close();
  });
});
