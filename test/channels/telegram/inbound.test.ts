import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Message as TgMessage } from 'grammy/types';
import { toMessage } from '../../../src/channels/telegram/inbound.js';

const bot = { id: 999, username: 'hearth_bot' };
const user = { id: 42, is_bot: false, first_name: 'Ada', last_name: 'L', username: 'ada' };
const privateChat = { id: 42, type: 'private', first_name: 'Ada' } as const;
const group = { id: -100777, type: 'supergroup', title: 'Team' } as const;

function convert(m: Record<string, unknown>, kind: 'message' | 'edit' = 'message') {
  return toMessage(m as unknown as TgMessage, { channel: 'telegram', bot, kind });
}

test('private text message', () => {
  const r = convert({ message_id: 5, from: user, chat: privateChat, date: 1_700_000_000, text: 'hi' });
  assert.ok(r.ok);
  assert.deepEqual(r.message, {
    id: 'telegram:42:5',
    kind: 'message',
    channel: 'telegram',
    chatId: '42',
    sender: { id: '42', name: 'Ada L', username: 'ada', isBot: false },
    text: 'hi',
    attachments: [],
    isGroup: false,
    mentioned: false,
    timestamp: 1_700_000_000_000,
  });
  assert.deepEqual(r.media, []);
});

test('group: @mention entity sets mentioned; other mentions do not', () => {
  const text = '@hearth_bot what time is it';
  const r = convert({
    message_id: 1,
    from: user,
    chat: group,
    date: 1,
    text,
    entities: [{ type: 'mention', offset: 0, length: 11 }],
  });
  assert.ok(r.ok && r.message.isGroup && r.message.mentioned);
  const other = convert({
    message_id: 2,
    from: user,
    chat: group,
    date: 1,
    text: '@someone hi',
    entities: [{ type: 'mention', offset: 0, length: 8 }],
  });
  assert.ok(other.ok && !other.message.mentioned);
  const plain = convert({ message_id: 3, from: user, chat: group, date: 1, text: 'hearth_bot without at' });
  assert.ok(plain.ok && !plain.message.mentioned);
});

test('group: replying to the bot counts as a mention and sets replyTo', () => {
  const r = convert({
    message_id: 9,
    from: user,
    chat: group,
    date: 1,
    text: 'and then?',
    reply_to_message: {
      message_id: 8,
      from: { id: 999, is_bot: true, first_name: 'Hearth' },
      chat: group,
      date: 1,
      text: 'x',
    },
  });
  assert.ok(r.ok && r.message.mentioned);
  assert.equal(r.ok && r.message.replyTo, '8');
});

test('text_mention and /command@bot mention the bot', () => {
  const tm = convert({
    message_id: 1,
    from: user,
    chat: group,
    date: 1,
    text: 'Hearth hi',
    entities: [{ type: 'text_mention', offset: 0, length: 6, user: { id: 999, is_bot: true, first_name: 'Hearth' } }],
  });
  assert.ok(tm.ok && tm.message.mentioned);
  const cmd = convert({
    message_id: 2,
    from: user,
    chat: group,
    date: 1,
    text: '/help@Hearth_Bot',
    entities: [{ type: 'bot_command', offset: 0, length: 16 }],
  });
  assert.ok(cmd.ok && cmd.message.mentioned);
});

test('photo with caption: largest size, caption as text, blob key per chat and message', () => {
  const r = convert({
    message_id: 7,
    from: user,
    chat: group,
    date: 1,
    caption: 'look @hearth_bot',
    caption_entities: [{ type: 'mention', offset: 5, length: 11 }],
    photo: [
      { file_id: 'small', file_unique_id: 's', width: 90, height: 90, file_size: 100 },
      { file_id: 'big', file_unique_id: 'b', width: 800, height: 800, file_size: 5000 },
    ],
  });
  assert.ok(r.ok);
  assert.equal(r.message.text, 'look @hearth_bot');
  assert.equal(r.message.mentioned, true);
  assert.deepEqual(
    r.media.map((m) => [m.fileId, m.blobKey]),
    [['big', 'media/telegram/-100777-7.jpg']],
  );
  assert.deepEqual(r.message.attachments, [{ kind: 'image', mimeType: 'image/jpeg', size: 5000 }]);
  assert.equal(
    r.media[0].attachment,
    r.message.attachments[0],
    'the channel fills blobKey into the message attachment',
  );
});

test('document, voice and sticker map to their kinds', () => {
  const doc = convert({
    message_id: 1,
    from: user,
    chat: privateChat,
    date: 1,
    document: { file_id: 'd', file_unique_id: 'd', file_name: 'report.PDF', mime_type: 'application/pdf' },
  });
  assert.ok(doc.ok);
  assert.deepEqual(doc.message.attachments, [
    { kind: 'document', mimeType: 'application/pdf', fileName: 'report.PDF' },
  ]);
  assert.equal(doc.media[0].blobKey, 'media/telegram/42-1.pdf');
  const voice = convert({
    message_id: 2,
    from: user,
    chat: privateChat,
    date: 1,
    voice: { file_id: 'v', file_unique_id: 'v', duration: 3, mime_type: 'audio/ogg' },
  });
  assert.ok(voice.ok && voice.message.attachments[0].kind === 'voice' && voice.media[0].blobKey.endsWith('.ogg'));
  const sticker = convert({
    message_id: 3,
    from: user,
    chat: privateChat,
    date: 1,
    sticker: {
      file_id: 's',
      file_unique_id: 's',
      type: 'regular',
      width: 512,
      height: 512,
      is_animated: false,
      is_video: false,
      emoji: '👍',
      set_name: 'pack',
    },
  });
  assert.ok(sticker.ok);
  assert.deepEqual(sticker.message.attachments, [
    { kind: 'sticker', mimeType: 'image/webp', description: 'Sticker 👍 from set pack' },
  ]);
});

test('edits get their own id and the edit time', () => {
  const r = convert({ message_id: 5, from: user, chat: privateChat, date: 100, edit_date: 200, text: 'fixed' }, 'edit');
  assert.ok(r.ok);
  assert.equal(r.message.id, 'telegram:42:5:edit:200');
  assert.equal(r.message.kind, 'edit');
  assert.equal(r.message.timestamp, 200_000);
});

test('forum topic messages carry the thread id', () => {
  const r = convert({
    message_id: 5,
    message_thread_id: 3,
    is_topic_message: true,
    from: user,
    chat: { ...group, is_forum: true },
    date: 1,
    text: 'x',
  });
  assert.ok(r.ok && r.message.threadId === '3');
});

test('malformed or unusable payloads are rejected with a reason, never thrown', () => {
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ from: user, chat: privateChat, date: 1, text: 'x' }, /message_id/],
    [{ message_id: 1, from: user, date: 1, text: 'x' }, /chat/],
    [{ message_id: 1, chat: privateChat, date: 1, text: 'x' }, /sender/],
    [{ message_id: 1, from: user, chat: group, date: 1, new_chat_members: [user] }, /service/],
  ];
  for (const [payload, reason] of cases) {
    const r = convert(payload);
    assert.equal(r.ok, false);
    assert.match(!r.ok ? r.reason : '', reason);
  }
  assert.equal(convert(null as unknown as Record<string, unknown>).ok, false);
});
