import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reactionToMessage, toMessage, type DiscordInbound } from '../../../src/channels/discord/inbound.js';
import { markdownToDiscord } from '../../../src/channels/discord/markdown.js';

const bot = { id: '900000000000000001', username: 'hearth' };
const base: DiscordInbound = {
  id: '111111111111111111',
  channelId: '222222222222222222',
  guildId: '333333333333333333',
  author: { id: '444444444444444444', username: 'ada', globalName: 'Ada', bot: false },
  content: 'hi',
  createdTimestamp: 1_700_000_000_000,
  attachments: [],
  mentionedUserIds: [],
};
const convert = (m: Partial<DiscordInbound>, kind: 'message' | 'edit' = 'message') =>
  toMessage({ ...base, ...m }, { channel: 'discord', bot, kind });

test('guild message without mention: group, not mentioned', () => {
  const r = convert({});
  assert.ok(r.ok);
  assert.deepEqual(r.message, {
    id: 'discord:111111111111111111',
    kind: 'message',
    channel: 'discord',
    chatId: '222222222222222222',
    sender: { id: '444444444444444444', username: 'ada', name: 'Ada', isBot: false },
    text: 'hi',
    attachments: [],
    isGroup: true,
    mentioned: false,
    timestamp: 1_700_000_000_000,
  });
});

test('mention and reply-to-bot both count; the mention token reads as @name', () => {
  const m = convert({ content: `<@!${bot.id}> hello`, mentionedUserIds: [bot.id] });
  assert.ok(m.ok && m.message.mentioned && m.message.text === '@hearth hello');
  const r = convert({ repliedUserId: bot.id, referenceMessageId: '555555555555555555' });
  assert.ok(r.ok && r.message.mentioned && r.message.replyTo === '555555555555555555');
});

test('DM is not a group; thread message: chat = parent, thread = the thread channel', () => {
  const dm = convert({ guildId: null });
  assert.ok(dm.ok && !dm.message.isGroup);
  const t = convert({ threadParentId: '666666666666666666' });
  assert.ok(t.ok && t.message.chatId === '666666666666666666' && t.message.threadId === '222222222222222222');
});

test('attachments map to kinds and blob keys; voice messages are voice', () => {
  const r = convert({
    content: '',
    attachments: [
      { id: '1', name: 'pic.PNG', url: 'https://cdn/1', contentType: 'image/png', size: 10 },
      { id: '2', name: 'voice-message.ogg', url: 'https://cdn/2', contentType: 'audio/ogg', size: 20 },
      { id: '3', name: 'notes', url: 'https://cdn/3', contentType: null, size: 30 },
    ],
  });
  assert.ok(r.ok);
  assert.deepEqual(
    r.message.attachments.map((a) => a.kind),
    ['image', 'voice', 'document'],
  );
  assert.deepEqual(
    r.media.map((m) => m.blobKey),
    [
      'media/discord/111111111111111111-1.png',
      'media/discord/111111111111111111-2.ogg',
      'media/discord/111111111111111111-3.bin',
    ],
  );
});

test('edits get their own id; empty and malformed messages are rejected with a reason', () => {
  const e = convert({ editedTimestamp: 1_700_000_001_000 }, 'edit');
  assert.ok(e.ok && e.message.id === 'discord:111111111111111111:edit:1700000001000' && e.message.kind === 'edit');
  const empty = convert({ content: '  ' });
  assert.ok(!empty.ok && /Message Content intent/.test(empty.reason));
  const noAuthor = convert({ author: undefined as never });
  assert.ok(!noAuthor.ok);
});

test('reactions become reaction events on the same chat', () => {
  const m = reactionToMessage(
    { messageId: '1', channelId: '2', guildId: '3', emoji: '👍', user: { id: '4', username: 'ada' }, at: 5 },
    'discord',
  );
  assert.equal(m.kind, 'reaction');
  assert.equal(m.value, '👍');
  assert.equal(m.replyTo, '1');
  assert.equal(m.chatId, '2');
});

test('markdown: tables become code blocks, images links, deep headings bold; fences untouched', () => {
  assert.equal(
    markdownToDiscord('| a | b |\n|---|---|\n| 1 | 2 |\nafter'),
    '```\n| a | b |\n|---|---|\n| 1 | 2 |\n```\nafter',
  );
  assert.equal(
    markdownToDiscord('![cat](https://x/c.png) and ![](https://x/d.png)'),
    '[cat](https://x/c.png) and https://x/d.png',
  );
  assert.equal(markdownToDiscord('#### Deep\n## Kept'), '**Deep**\n## Kept');
  assert.equal(markdownToDiscord('```\n![x](y)\n#### z\n```'), '```\n![x](y)\n#### z\n```');
});
