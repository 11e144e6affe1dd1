import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { MessageStreamer, type StreamingPlatform } from '../../../src/channels/shared/message-streamer.js';
import type { ReplyEvent, ReplyTarget } from '../../../src/core/message.js';

const target: ReplyTarget = { channel: 'fake', chatId: 'c1', messageId: 'm1' };
const base = { replyId: 'r1', inReplyTo: 'fake:m1', conversationId: 'conv', model: 'x' };

function fakePlatform(): StreamingPlatform<number> & { typing: number; posts: string[] } {
  const platform = {
    channel: 'fake',
    log: pino({ level: 'silent' }),
    editIntervalMs: 0,
    typingRenewMs: 10,
    typing: 0,
    posts: [] as string[],
    render: (m: string) => m,
    sendTyping: () => void platform.typing++,
    post: async (_t: ReplyTarget, content: string) => platform.posts.push(content),
    edit: async () => {},
    sendAttachments: async () => {},
    sendError: async () => {},
    describe: (err: unknown) => String(err),
  };
  return platform;
}

test('a redelivered start event does not leave "typing…" renewing forever after the answer', async () => {
  const platform = fakePlatform();
  const streamer = new MessageStreamer(platform, { editsInPlace: true, maxMessageLength: 100 });
  await streamer.deliver(target, { ...base, type: 'start' } as ReplyEvent);
  await streamer.deliver(target, { ...base, type: 'start' } as ReplyEvent);
  await streamer.deliver(target, {
    ...base,
    type: 'done',
    text: 'hi',
    attachments: [],
    usage: { promptTokens: 1, completionTokens: 1 },
    finishReason: 'stop',
  } as ReplyEvent);
  assert.deepEqual(platform.posts, ['hi']);
  const after = platform.typing;
  await new Promise((r) => setTimeout(r, 60));
  streamer.close();
  assert.equal(platform.typing, after, 'typing kept being sent after the answer was done');
});

const done = (text: string) =>
  ({
    ...base,
    type: 'done',
    text,
    attachments: [],
    usage: { promptTokens: 1, completionTokens: 1 },
    finishReason: 'stop',
  }) as ReplyEvent;

test('a channel that declares editsInPlace shows the answer growing in one message', async () => {
  const platform = fakePlatform();
  const streamer = new MessageStreamer(platform, { editsInPlace: true, maxMessageLength: 100 });
  await streamer.deliver(target, { ...base, type: 'start' } as ReplyEvent);
  await streamer.deliver(target, { ...base, type: 'delta', text: 'partial' } as ReplyEvent);
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(platform.posts, ['partial'], 'the preview was posted before the answer was done');
  await streamer.deliver(target, done('partial and the rest'));
  streamer.close();
});

test('a channel without edits in place gets the answer once, whole, split at its declared length', async () => {
  const platform = fakePlatform();
  const streamer = new MessageStreamer(platform, { editsInPlace: false, maxMessageLength: 10 });
  await streamer.deliver(target, { ...base, type: 'start' } as ReplyEvent);
  await streamer.deliver(target, { ...base, type: 'delta', text: 'partial' } as ReplyEvent);
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(platform.posts.length, 0, 'no preview on a channel that cannot edit');
  await streamer.deliver(target, done('one two three four'));
  assert.ok(platform.posts.length >= 2, `split into pieces: ${JSON.stringify(platform.posts)}`);
  assert.ok(platform.posts.every((p) => p.length <= 10));
  assert.equal(platform.posts.join('').replace(/\s/g, ''), 'onetwothreefour', 'nothing lost');
  streamer.close();
});

test('a reply whose final event never arrives stops "typing…" and is forgotten after the reply timeout', async () => {
  const platform = { ...fakePlatform(), replyTimeoutMs: 80 };
  let typing = 0;
  platform.sendTyping = () => void typing++;
  const streamer = new MessageStreamer(platform, { editsInPlace: false, maxMessageLength: 100 });
  await streamer.deliver(target, { ...base, type: 'start' } as ReplyEvent);
  await streamer.deliver(target, { ...base, type: 'delta', text: 'half an ans' } as ReplyEvent);
  // The engine died: no done, no error. Wait (on the condition, generously) until typing stops.
  const deadline = Date.now() + 10_000;
  let last = -1;
  while (typing !== last && Date.now() < deadline) {
    last = typing;
    await new Promise((r) => setTimeout(r, 200)); // > 10 renewals apart while typing is on
  }
  assert.equal(typing, last, 'typing stopped');
  // The forgotten reply does not leak into a later one with the same id: a fresh answer arrives whole.
  await streamer.deliver(target, { ...base, type: 'start' } as ReplyEvent);
  await streamer.deliver(target, done('a new answer'));
  assert.deepEqual(platform.posts, ['a new answer']);
  streamer.close();
});
