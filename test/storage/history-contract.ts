/**
 * The HistoryStore contract: every backend (SQLite, PostgreSQL, MongoDB) runs these same tests.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Conversation, HistoryStore, StoredMessage } from '../../src/core/stores.js';

export interface HistoryBackend {
  /** A fresh, empty, not yet opened store. */
  create(): Promise<HistoryStore>;
  /** Drops whatever `create` set up (schemas, servers). */
  cleanup?(): Promise<void>;
}

function conv(id: string, userId: string, at: number, channel = 'webchat'): Conversation {
  return { id, channel, chatId: id.split(':')[1] ?? id, userId, agent: 'default', createdAt: at, updatedAt: at };
}

function msg(
  id: string,
  conversationId: string,
  at: number,
  role: StoredMessage['role'] = 'user',
  tokens = 10,
): StoredMessage {
  return { id, conversationId, role, content: `text of ${id}`, attachments: [], author: 'u1', createdAt: at, tokens };
}

/** Registers the contract tests for one backend. */
export function historyContract(name: string, backend: HistoryBackend): void {
  describe(`HistoryStore contract: ${name}`, () => {
    let store: HistoryStore;
    before(async () => {
      store = await backend.create();
      await store.open();
    });
    after(async () => {
      await store?.close();
      await backend.cleanup?.();
    });

    it('upserts and reads conversations; an upsert keeps creation facts and moves updatedAt', async () => {
      await store.upsertConversation(conv('webchat:c1', 'u1', 1000));
      await store.upsertConversation({ ...conv('webchat:c1', 'someone-else', 5000), agent: 'helper' });
      const c = await store.getConversation('webchat:c1');
      assert.deepEqual(c, { ...conv('webchat:c1', 'u1', 1000), agent: 'helper', updatedAt: 5000 });
      assert.equal(await store.getConversation('webchat:none'), undefined);
    });

    it('appends once per id (at-least-once delivery) and reports stored ids', async () => {
      assert.equal(await store.append(msg('webchat:m1', 'webchat:c1', 1100)), true);
      assert.equal(await store.append({ ...msg('webchat:m1', 'webchat:c1', 1100), content: 'changed' }), false);
      assert.equal(await store.hasMessage('webchat:m1'), true);
      assert.equal(await store.hasMessage('webchat:m1#reply'), false);
      const [only] = await store.recent('webchat:c1', 1000);
      assert.equal(only.content, 'text of webchat:m1');
    });

    it('starts a turn: appendTurn creates or moves its conversation and appends the turn once', async () => {
      assert.equal(
        await store.appendTurn(conv('webchat:t1', 'u1', 1500), msg('webchat:t1m1', 'webchat:t1', 1500)),
        true,
      );
      assert.deepEqual(await store.getConversation('webchat:t1'), conv('webchat:t1', 'u1', 1500));
      // A redelivered turn: not new, stored once; the conversation still moves on.
      const later = { ...conv('webchat:t1', 'u1', 1500), updatedAt: 1600 };
      assert.equal(
        await store.appendTurn(later, { ...msg('webchat:t1m1', 'webchat:t1', 1500), content: 'again' }),
        false,
      );
      assert.equal((await store.getConversation('webchat:t1'))?.updatedAt, 1600);
      assert.deepEqual(
        (await store.recent('webchat:t1', 1000)).map((m) => m.content),
        ['text of webchat:t1m1'],
      );
    });

    it('returns the newest turns oldest first within the token budget and the limit, attachments intact', async () => {
      await store.upsertConversation(conv('webchat:c2', 'u1', 2000));
      const attachment = { kind: 'image' as const, blobKey: 'media/a.png', mimeType: 'image/png', size: 3 };
      for (let i = 0; i < 6; i++) {
        await store.append({
          ...msg(`webchat:w${i}`, 'webchat:c2', 2000 + i, i % 2 ? 'assistant' : 'user', 10),
          attachments: i === 5 ? [attachment] : [],
        });
      }
      // Same timestamp: insertion order breaks the tie.
      await store.append(msg('webchat:w6', 'webchat:c2', 2005));
      const all = await store.recent('webchat:c2', 10_000);
      assert.deepEqual(
        all.map((m) => m.id),
        ['webchat:w0', 'webchat:w1', 'webchat:w2', 'webchat:w3', 'webchat:w4', 'webchat:w5', 'webchat:w6'],
      );
      assert.deepEqual(all[5].attachments, [attachment]);
      assert.equal(all[1].role, 'assistant');
      assert.deepEqual(
        (await store.recent('webchat:c2', 30)).map((m) => m.id),
        ['webchat:w4', 'webchat:w5', 'webchat:w6'],
      );
      assert.deepEqual(
        (await store.recent('webchat:c2', 10_000, 2)).map((m) => m.id),
        ['webchat:w5', 'webchat:w6'],
      );
    });

    it('sums usage since a time, filtered by user and agent', async () => {
      const base = {
        conversationId: 'webchat:c1',
        agent: 'default',
        model: 'm',
        provider: 'openai',
        latencyMs: 12.7,
        ok: true,
      };
      await store.recordUsage({
        ...base,
        userId: 'u1',
        usage: { promptTokens: 10, completionTokens: 5, cachedPromptTokens: 2 },
        createdAt: 100,
      });
      await store.recordUsage({
        ...base,
        userId: 'u1',
        usage: { promptTokens: 7, completionTokens: 3 },
        createdAt: 200,
      });
      await store.recordUsage({
        ...base,
        userId: 'u2',
        agent: 'other',
        usage: { promptTokens: 100, completionTokens: 100 },
        createdAt: 300,
      });
      assert.deepEqual(await store.usageSince({ userId: 'u1' }, 0), {
        promptTokens: 17,
        completionTokens: 8,
        cachedPromptTokens: 2,
      });
      assert.deepEqual(await store.usageSince({ userId: 'u1' }, 150), {
        promptTokens: 7,
        completionTokens: 3,
        cachedPromptTokens: 0,
      });
      assert.deepEqual(await store.usageSince({ agent: 'other' }, 0), {
        promptTokens: 100,
        completionTokens: 100,
        cachedPromptTokens: 0,
      });
      assert.deepEqual(await store.usageSince({ userId: 'nobody' }, 0), {
        promptTokens: 0,
        completionTokens: 0,
        cachedPromptTokens: 0,
      });
    });

    it('sums usage and cost per UTC day, user, agent and model', async () => {
      const base = {
        conversationId: 'webchat:c9',
        agent: 'shop',
        model: 'gpt',
        provider: 'openai',
        latencyMs: 5,
        ok: true,
      };
      const day1 = Date.parse('2026-03-01T23:59:00Z');
      const day2 = Date.parse('2026-03-02T00:01:00Z');
      await store.recordUsage({
        ...base,
        userId: 'buyer',
        usage: { promptTokens: 10, completionTokens: 5, cachedPromptTokens: 4 },
        costUsd: 0.25,
        createdAt: day1,
      });
      await store.recordUsage({
        ...base,
        userId: 'buyer',
        usage: { promptTokens: 20, completionTokens: 5 },
        costUsd: 0.5,
        createdAt: day1 + 1,
      });
      await store.recordUsage({
        ...base,
        userId: 'buyer',
        usage: { promptTokens: 1, completionTokens: 1 },
        createdAt: day2,
      });
      await store.recordUsage({
        ...base,
        userId: 'window',
        usage: { promptTokens: 1, completionTokens: 1 },
        createdAt: day2,
      });
      const rows = await store.usageByDay({
        agent: 'shop',
        userId: 'buyer',
        since: Date.parse('2026-03-01T00:00:00Z'),
      });
      assert.deepEqual(rows, [
        {
          day: '2026-03-01',
          userId: 'buyer',
          agent: 'shop',
          model: 'gpt',
          promptTokens: 30,
          completionTokens: 10,
          cachedPromptTokens: 4,
          costUsd: 0.75,
          turns: 2,
        },
        {
          day: '2026-03-02',
          userId: 'buyer',
          agent: 'shop',
          model: 'gpt',
          promptTokens: 1,
          completionTokens: 1,
          cachedPromptTokens: 0,
          costUsd: 0,
          turns: 1,
        },
      ]);
      assert.equal((await store.usageByDay({ agent: 'shop', since: day2 })).length, 2, 'both users on the second day');
      assert.deepEqual(await store.usageByDay({ agent: 'shop', since: 0, until: day1 }), []);
    });

    it('lists conversations newest first, filtered by user and channel, limited', async () => {
      await store.upsertConversation(conv('telegram:t1', 'u3', 9000, 'telegram'));
      await store.upsertConversation(conv('telegram:t2', 'u3', 9100, 'telegram'));
      assert.deepEqual(
        (await store.listConversations({ userId: 'u3' })).map((c) => c.id),
        ['telegram:t2', 'telegram:t1'],
      );
      assert.deepEqual(
        (await store.listConversations({ channel: 'telegram', limit: 1 })).map((c) => c.id),
        ['telegram:t2'],
      );
      assert.ok((await store.listConversations({})).length >= 4);
    });

    it('exports and deletes everything of one user, and nothing of others', async () => {
      await store.upsertConversation(conv('webchat:gone', 'leaver', 3000));
      await store.append({ ...msg('webchat:g1', 'webchat:gone', 3001), author: 'leaver' });
      await store.append(msg('webchat:g1#reply', 'webchat:gone', 3002, 'assistant'));
      await store.recordUsage({
        conversationId: 'webchat:gone',
        userId: 'leaver',
        agent: 'default',
        model: 'm',
        provider: 'p',
        usage: { promptTokens: 1, completionTokens: 1 },
        latencyMs: 1,
        ok: true,
        createdAt: 3003,
      });
      await store.approveSender('telegram', 'leaver');
      await store.addMemory({
        id: 'mem-leaver',
        conversationId: 'webchat:gone',
        userId: 'leaver',
        content: 'my cat is Tom',
        createdAt: 3004,
      });
      await store.saveSummary({
        conversationId: 'webchat:gone',
        content: 'the leaver talked about cats',
        throughMessageId: 'webchat:g1',
        updatedAt: 3005,
      });
      const dump = await store.exportUser('leaver');
      assert.deepEqual(
        dump.memories.map((m) => [m.id, m.content]),
        [['mem-leaver', 'my cat is Tom']],
      );
      assert.deepEqual(
        dump.summaries.map((x) => [x.conversationId, x.content]),
        [['webchat:gone', 'the leaver talked about cats']],
      );
      assert.deepEqual(
        dump.conversations.map((c) => c.id),
        ['webchat:gone'],
      );
      assert.deepEqual(
        dump.messages.map((m) => m.id),
        ['webchat:g1', 'webchat:g1#reply'],
      );
      assert.deepEqual(
        dump.usage.map((u) => [u.conversationId, u.usage.promptTokens]),
        [['webchat:gone', 1]],
      );
      assert.deepEqual(
        dump.approvedSenders.map((a) => [a.channel, a.senderId]),
        [['telegram', 'leaver']],
      );
      const deleted = await store.deleteUser('leaver');
      assert.deepEqual(deleted, {
        conversations: 1,
        messages: 0,
        usage: 1,
        approvedSenders: 1,
        memories: 0,
      });
      assert.deepEqual(await store.exportUser('leaver'), {
        conversations: [],
        messages: [],
        usage: [],
        approvedSenders: [],
        memories: [],
        summaries: [],
      });
      assert.deepEqual(await store.listMemories('webchat:gone'), []);
      assert.equal(await store.getSummary('webchat:gone'), undefined);
      assert.equal(await store.hasMessage('webchat:g1'), false);
      assert.equal(await store.isSenderApproved('telegram', 'leaver'), false);
      assert.deepEqual(await store.usageSince({ userId: 'leaver' }, 0), {
        promptTokens: 0,
        completionTokens: 0,
        cachedPromptTokens: 0,
      });
      assert.ok(await store.getConversation('webchat:c1'), 'other users keep their data');
      assert.deepEqual(await store.deleteUser('leaver'), {
        conversations: 0,
        messages: 0,
        usage: 0,
        approvedSenders: 0,
        memories: 0,
      });
    });

    it("in a group, exports and deletes only the leaver's turns and the replies to them; the others' stay", async () => {
      const group = 'telegram:-500';
      await store.upsertConversation(conv(group, 'ann', 4000, 'telegram'));
      const turn = (id: string, author: string, at: number, role: StoredMessage['role'] = 'user') => ({
        ...msg(id, group, at, role),
        author: role === 'user' ? author : 'model-a',
      });
      await store.append(turn('telegram:-500:1', 'ann', 4001));
      await store.append(turn('telegram:-500:1#reply', 'ann', 4002, 'assistant'));
      await store.append(turn('telegram:-500:2', 'bob', 4003));
      await store.append(turn('telegram:-500:2#reply', 'bob', 4004, 'assistant'));
      await store.append(turn('telegram:-500:3', 'ann', 4005));
      // Bob wrote in a conversation Ann started; his own DM is his alone.
      await store.upsertConversation(conv('telegram:bob', 'bob', 4100, 'telegram'));
      await store.append({ ...msg('telegram:bob:1', 'telegram:bob', 4101), author: 'bob' });

      const bob = await store.exportUser('bob');
      assert.deepEqual(
        bob.conversations.map((c) => c.id),
        [group, 'telegram:bob'],
      );
      assert.deepEqual(
        bob.messages.map((m) => m.id).sort(),
        ['telegram:-500:2', 'telegram:-500:2#reply', 'telegram:bob:1'],
        "Ann's turns are not in Bob's export",
      );
      const ann = await store.exportUser('ann');
      assert.deepEqual(ann.messages.map((m) => m.id).sort(), [
        'telegram:-500:1',
        'telegram:-500:1#reply',
        'telegram:-500:3',
      ]);

      await store.addMemory({
        id: 'mem-ann',
        conversationId: group,
        userId: 'ann',
        content: 'ann: tea',
        createdAt: 4006,
      });
      await store.addMemory({
        id: 'mem-bob',
        conversationId: group,
        userId: 'bob',
        content: 'bob: coffee',
        createdAt: 4007,
      });
      await store.saveSummary({
        conversationId: group,
        content: 'ann and bob',
        throughMessageId: '1',
        updatedAt: 4008,
      });
      assert.deepEqual((await store.exportUser('bob')).summaries, [], "a group's summary quotes others: not exported");
      assert.deepEqual(
        (await store.exportUser('bob')).memories.map((m) => m.id),
        ['mem-bob'],
      );

      // Ann started the group; deleting her keeps the group and Bob's turns in it.
      assert.deepEqual(await store.deleteUser('ann'), {
        conversations: 0,
        messages: 3,
        usage: 0,
        approvedSenders: 0,
        memories: 1,
      });
      assert.deepEqual(
        (await store.listMemories(group)).map((m) => m.id),
        ['mem-bob'],
        "the others' memories stay",
      );
      assert.equal(await store.getSummary(group), undefined, 'a summary quoting the leaver goes');
      assert.deepEqual(
        (await store.recent(group, 10_000)).map((m) => m.id),
        ['telegram:-500:2', 'telegram:-500:2#reply'],
      );
      assert.equal(
        (await store.getConversation(group))?.userId,
        'bob',
        'the group now belongs to its remaining writer',
      );
      assert.deepEqual((await store.exportUser('ann')).messages, []);
      assert.deepEqual((await store.exportUser('ann')).conversations, []);

      // Bob is now the group's only writer: deleting him removes both conversations whole.
      assert.equal((await store.deleteUser('bob')).conversations, 2);
      assert.equal(await store.getConversation(group), undefined);
      assert.equal(await store.hasMessage('telegram:bob:1'), false);
    });

    it('retention: removes turns older than the cutoff on the named channels, and conversations left empty', async () => {
      const at = 1_000_000;
      await store.upsertConversation(conv('slack:old', 'r1', at, 'slack'));
      await store.append({
        ...msg('slack:old:1', 'slack:old', at + 1),
        attachments: [
          { kind: 'image', blobKey: 'media/old.jpg' },
          { kind: 'document', url: 'https://files.example/x' },
        ],
      });
      await store.upsertConversation({ ...conv('slack:mixed', 'r1', at, 'slack'), updatedAt: at + 5000 });
      await store.append(msg('slack:mixed:1', 'slack:mixed', at + 2));
      await store.append(msg('slack:mixed:2', 'slack:mixed', at + 5000));
      await store.upsertConversation(conv('discord:old', 'r1', at, 'discord'));
      await store.append({
        ...msg('discord:old:1', 'discord:old', at + 3),
        attachments: [{ kind: 'audio', blobKey: 'media/old.ogg' }],
      });

      const slack = await store.pruneMessages({ before: at + 1000, channels: ['slack'] });
      assert.deepEqual(slack, { messages: 2, conversations: 1, blobKeys: ['media/old.jpg'] });
      assert.equal(await store.getConversation('slack:old'), undefined);
      assert.deepEqual(
        (await store.recent('slack:mixed', 10_000)).map((m) => m.id),
        ['slack:mixed:2'],
        'the newer turn stays',
      );
      assert.equal(await store.hasMessage('discord:old:1'), true, 'another channel is untouched');

      // The default policy: every channel but those with their own.
      const rest = await store.pruneMessages({ before: at + 1000, exceptChannels: ['slack', 'webchat', 'telegram'] });
      assert.deepEqual(rest, { messages: 1, conversations: 1, blobKeys: ['media/old.ogg'] });
      assert.equal(await store.hasMessage('webchat:g1'), false);
      assert.ok(await store.getConversation('webchat:c1'), 'channels excluded from the default keep their history');
      assert.deepEqual(await store.pruneMessages({ before: at + 1000, channels: ['slack'] }), {
        messages: 0,
        conversations: 0,
        blobKeys: [],
      });
    });

    it('names, renames and deletes one conversation with its turns, and nothing else', async () => {
      await store.upsertConversation({ ...conv('webchat:named', 'namer', 4000), title: 'first words' });
      await store.append(msg('webchat:n1', 'webchat:named', 4001));
      await store.upsertConversation({ ...conv('webchat:named', 'namer', 4100), title: 'not this' });
      assert.equal((await store.getConversation('webchat:named'))?.title, 'first words', 'an upsert keeps the title');
      await store.setConversationTitle('webchat:named', 'Trip to Lisbon');
      assert.deepEqual(
        (await store.listConversations({ userId: 'namer' })).map((c) => c.title),
        ['Trip to Lisbon'],
      );
      await store.setConversationTitle('webchat:unknown', 'ignored');
      assert.equal(await store.getConversation('webchat:unknown'), undefined);
      assert.equal(await store.deleteConversation('webchat:named'), true);
      assert.equal(await store.getConversation('webchat:named'), undefined);
      assert.equal(await store.hasMessage('webchat:n1'), false);
      assert.deepEqual(await store.recent('webchat:named', 1000), []);
      assert.equal(await store.deleteConversation('webchat:named'), false);
      assert.ok(await store.getConversation('webchat:c1'), 'other conversations stay');
    });

    it('deletes the last answer (every turn after the last question) and nothing else (regenerate)', async () => {
      await store.upsertConversation(conv('webchat:regen', 'asker', 6000));
      await store.upsertConversation(conv('webchat:regen-other', 'asker', 6000));
      assert.equal(await store.deleteLastAnswer('webchat:regen'), 0, 'an empty conversation has no answer');
      await store.append(msg('webchat:r1', 'webchat:regen', 6001));
      await store.append(msg('webchat:r1#reply', 'webchat:regen', 6002, 'assistant'));
      await store.append(msg('webchat:r2', 'webchat:regen', 6003));
      // The answer to r2: a tool step and the reply, one stored at the same millisecond as the question.
      await store.append(msg('webchat:r2#tool', 'webchat:regen', 6003, 'tool'));
      await store.append(msg('webchat:r2#reply', 'webchat:regen', 6004, 'assistant'));
      await store.append(msg('webchat:o1', 'webchat:regen-other', 6001));
      await store.append(msg('webchat:o1#reply', 'webchat:regen-other', 6002, 'assistant'));

      assert.equal(await store.deleteLastAnswer('webchat:regen'), 2);
      assert.deepEqual(
        (await store.recent('webchat:regen', 1000)).map((m) => m.id),
        ['webchat:r1', 'webchat:r1#reply', 'webchat:r2'],
        'the question stays, once; the earlier exchange stays',
      );
      assert.equal(await store.hasMessage('webchat:r2#reply'), false);
      assert.equal(await store.deleteLastAnswer('webchat:regen'), 0, 'nothing after the last question any more');
      assert.deepEqual(
        (await store.recent('webchat:regen-other', 1000)).map((m) => m.id),
        ['webchat:o1', 'webchat:o1#reply'],
        'other conversations keep their answers',
      );
      // The answer given again is stored under the same reply id.
      assert.equal(await store.append(msg('webchat:r2#reply', 'webchat:regen', 6100, 'assistant')), true);
      assert.equal((await store.recent('webchat:regen', 1000)).length, 4);
      await store.deleteConversation('webchat:regen');
      await store.deleteConversation('webchat:regen-other');
    });

    it('stores, replaces and deletes the summary of a conversation with it', async () => {
      await store.upsertConversation(conv('webchat:sum', 'summer', 6000));
      assert.equal(await store.getSummary('webchat:sum'), undefined);
      const first = {
        conversationId: 'webchat:sum',
        content: 'talked about A',
        throughMessageId: 's2',
        updatedAt: 6001,
      };
      await store.saveSummary(first);
      assert.deepEqual(await store.getSummary('webchat:sum'), first);
      const second = { ...first, content: 'talked about A and B', throughMessageId: 's4', updatedAt: 6002 };
      await store.saveSummary(second);
      assert.deepEqual(await store.getSummary('webchat:sum'), second, 'a refresh replaces the summary');
      await store.saveSummary({ ...first, conversationId: 'webchat:no-such' });
      assert.equal(await store.getSummary('webchat:no-such'), undefined, 'no summary without its conversation');
      await store.deleteConversation('webchat:sum');
      assert.equal(await store.getSummary('webchat:sum'), undefined);
    });

    it("keeps a conversation's memories in order, deletes one by id, and all with the conversation", async () => {
      await store.upsertConversation(conv('webchat:mem', 'rememberer', 7000));
      await store.upsertConversation(conv('webchat:mem2', 'rememberer', 7000));
      const m = (id: string, conversationId: string, at: number) => ({
        id,
        conversationId,
        userId: 'rememberer',
        content: `fact ${id}`,
        createdAt: at,
      });
      await store.addMemory(m('f1', 'webchat:mem', 7001));
      await store.addMemory(m('f2', 'webchat:mem', 7002));
      await store.addMemory({ ...m('f2', 'webchat:mem', 7002), content: 'changed' });
      await store.addMemory(m('f3', 'webchat:mem2', 7003));
      assert.deepEqual(await store.listMemories('webchat:mem'), [
        m('f1', 'webchat:mem', 7001),
        m('f2', 'webchat:mem', 7002),
      ]);
      assert.equal(await store.deleteMemory('webchat:mem2', 'f1'), false, 'only within its conversation');
      assert.equal(await store.deleteMemory('webchat:mem', 'f1'), true);
      assert.equal(await store.deleteMemory('webchat:mem', 'f1'), false);
      assert.deepEqual(
        (await store.listMemories('webchat:mem')).map((x) => x.id),
        ['f2'],
      );
      await store.deleteConversation('webchat:mem');
      assert.deepEqual(await store.listMemories('webchat:mem'), []);
      assert.deepEqual(
        (await store.listMemories('webchat:mem2')).map((x) => x.id),
        ['f3'],
      );
    });

    it('remembers approved senders per channel', async () => {
      assert.equal(await store.isSenderApproved('telegram', '42'), false);
      await store.approveSender('telegram', '42');
      await store.approveSender('telegram', '42');
      assert.equal(await store.isSenderApproved('telegram', '42'), true);
      assert.equal(await store.isSenderApproved('slack', '42'), false);
    });
  });
}
