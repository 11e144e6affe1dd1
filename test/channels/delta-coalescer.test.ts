import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeltaCoalescer } from '../../src/channels/delta-coalescer.js';
import type { ReplyEvent } from '../../src/core/message.js';

const target = { channel: 'webchat', chatId: 'c', messageId: 'm' };
const base = { replyId: 'r', inReplyTo: 'm', conversationId: 'c' };

describe('DeltaCoalescer', () => {
  it('merges deltas of one loop turn, keeps order with the events around them', async () => {
    const out: ReplyEvent[] = [];
    const c = new DeltaCoalescer((_t, e) => out.push(e));
    c.push(target, { type: 'start', ...base, model: 'x' });
    c.push(target, { type: 'delta', ...base, text: 'a' });
    c.push(target, { type: 'delta', ...base, text: 'b' });
    await new Promise((r) => setImmediate(r));
    c.push(target, { type: 'delta', ...base, text: 'c' });
    c.push(target, {
      type: 'done',
      ...base,
      text: 'abc',
      attachments: [],
      model: 'x',
      usage: { promptTokens: 1, completionTokens: 1 },
      finishReason: 'stop',
    });
    assert.deepEqual(
      out.map((e) => (e.type === 'delta' ? `delta:${e.text}` : e.type)),
      ['start', 'delta:ab', 'delta:c', 'done'],
    );
  });
});
