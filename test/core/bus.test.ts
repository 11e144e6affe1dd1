import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryBus } from '../../src/core/bus.js';
import type { Message } from '../../src/core/message.js';

function msg(chatId: string, n: number): Message {
  return {
    id: `t:${chatId}:${n}`,
    kind: 'message',
    channel: 't',
    chatId,
    sender: { id: 'u' },
    text: String(n),
    attachments: [],
    isGroup: false,
    mentioned: false,
    timestamp: n,
  };
}

describe('MemoryBus', () => {
  it('handles one conversation in order, one at a time, and others concurrently', async () => {
    const bus = new MemoryBus(() => undefined);
    const log: string[] = [];
    let active = 0;
    let maxActive = 0;
    let maxActiveSameChat = 0;
    const activeByChat = new Map<string, number>();
    bus.consumeInbound(async (m) => {
      active++;
      maxActive = Math.max(maxActive, active);
      activeByChat.set(m.chatId, (activeByChat.get(m.chatId) ?? 0) + 1);
      maxActiveSameChat = Math.max(maxActiveSameChat, activeByChat.get(m.chatId)!);
      await new Promise((r) => setTimeout(r, m.chatId === 'a' ? 20 - Number(m.text) * 5 : 1));
      log.push(`${m.chatId}${m.text}`);
      activeByChat.set(m.chatId, activeByChat.get(m.chatId)! - 1);
      active--;
    });
    for (let i = 0; i < 3; i++) await bus.publishInbound(msg('a', i));
    await bus.publishInbound(msg('b', 0));
    assert.equal(bus.pending(), 4);
    await bus.drain();
    assert.equal(bus.pending(), 0);
    assert.deepEqual(
      log.filter((x) => x.startsWith('a')),
      ['a0', 'a1', 'a2'],
    );
    assert.ok(log.indexOf('b0') < log.indexOf('a2'), 'b is not blocked behind a');
    assert.equal(maxActiveSameChat, 1);
    assert.equal(maxActive, 2, 'a and b are handled at the same time');
  });

  it('reports a failing handler and keeps the conversation going', async () => {
    const errors: string[] = [];
    const bus = new MemoryBus((_e, m) => errors.push(m.id));
    const seen: string[] = [];
    bus.consumeInbound(async (m) => {
      if (m.text === '0') throw new Error('boom');
      seen.push(m.text);
    });
    await bus.publishInbound(msg('a', 0));
    await bus.publishInbound(msg('a', 1));
    await bus.drain();
    assert.deepEqual(errors, ['t:a:0']);
    assert.deepEqual(seen, ['1']);
  });

  it('fans outbound events out to the channel subscribers only', async () => {
    const bus = new MemoryBus(() => undefined);
    const got: string[] = [];
    const off = bus.subscribeOutbound('web', (o) => void got.push(o.event.type));
    bus.subscribeOutbound('other', () => void got.push('wrong'));
    const target = { channel: 'web', chatId: 'c', messageId: 'm' };
    await bus.publishOutbound({
      target,
      event: { type: 'delta', replyId: 'r', inReplyTo: 'm', conversationId: 'c', text: 'x' },
    });
    off();
    await bus.publishOutbound({
      target,
      event: { type: 'delta', replyId: 'r', inReplyTo: 'm', conversationId: 'c', text: 'y' },
    });
    assert.deepEqual(got, ['delta']);
  });
});
