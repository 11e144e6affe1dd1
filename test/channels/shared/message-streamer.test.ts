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
    textLimit: 100,
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
  const streamer = new MessageStreamer(platform);
  await streamer.deliver(target, { ...base, type: 'start' } as ReplyEvent);
  await streamer.deliver(target, { ...base, type: 'start' } as ReplyEvent);
  await streamer.deliver(target, {
    ...base, type: 'done', text: 'hi', attachments: [], usage: { promptTokens: 1, completionTokens: 1 }, finishReason: 'stop',
  } as ReplyEvent);
  assert.deepEqual(platform.posts, ['hi']);
  const after = platform.typing;
  await new Promise((r) => setTimeout(r, 60));
  streamer.close();
  assert.equal(platform.typing, after, 'typing kept being sent after the answer was done');
});
