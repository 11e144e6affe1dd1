/**
 * The Telegram channel against the fake Bot API, without the gateway: long polling in, replies out.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Channel } from '../../../src/core/channel.js';
import type { ReplyEvent } from '../../../src/core/message.js';
import { telegramConfigSchema } from '../../../src/channels/telegram/config.js';
import { createChannel } from '../../../src/channels/telegram/index.js';
import { startTelegramFake, type TelegramFake } from '../../fakes/telegram-api.js';
import { parseTelegramHtml } from '../../fakes/telegram-html.js';
import { createTestContext } from '../test-context.js';

const ada = { id: 42, first_name: 'Ada', username: 'ada' };
const adaChat = { id: 42, type: 'private' as const, first_name: 'Ada' };

let fake: TelegramFake;
let channel: Channel;
let ctx: ReturnType<typeof createTestContext>;

before(async () => {
  fake = await startTelegramFake();
  ctx = createTestContext();
  const config = telegramConfigSchema.parse({
    token: fake.token,
    apiRoot: fake.baseUrl,
    pollTimeoutSeconds: 1,
    streamEditIntervalMs: 30,
    reconnect: { initialDelayMs: 50, maxDelayMs: 200 },
    maxMediaBytes: 1000,
  });
  channel = createChannel(config, { log: ctx.log, dataDir: '/nonexistent' });
  await channel.start(ctx);
});

after(async () => {
  await channel.stop();
  await fake.close();
});

function events(
  replyId: string,
  inReplyTo: string,
): { start: ReplyEvent; delta: (t: string) => ReplyEvent; done: (t: string, attachments?: []) => ReplyEvent } {
  const base = { replyId, inReplyTo, conversationId: 'c' };
  return {
    start: { type: 'start', ...base, model: 'm' },
    delta: (text) => ({ type: 'delta', ...base, text }),
    done: (text, attachments = []) => ({
      type: 'done',
      ...base,
      text,
      attachments,
      model: 'm',
      usage: { promptTokens: 1, completionTokens: 1 },
      finishReason: 'stop',
    }),
  };
}

async function until(probe: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('becomes ready after getMe, deleteWebhook and a first getUpdates', async () => {
  await until(() => channel.status().state === 'ready', 'ready');
  // Ready once the API answers; the first long poll follows at once.
  await fake.waitForCall('getUpdates');
  const methods = fake.calls.map((c) => c.method);
  assert.deepEqual(methods.slice(0, 3), ['getMe', 'deleteWebhook', 'getUpdates']);
  assert.deepEqual(fake.calls[2].params.allowed_updates, [
    'message',
    'edited_message',
    'channel_post',
    'edited_channel_post',
    'callback_query',
  ]);
});

test('a user message arrives normalized, and the offset confirms it', async () => {
  const before = ctx.received.length;
  const { update } = fake.userMessage({ chat: adaChat, from: ada, text: 'hello there' });
  const [, message] = await ctx.waitForMessages(before + 1).then((all) => [null, all[before]] as const);
  assert.equal(message.text, 'hello there');
  assert.equal(message.chatId, '42');
  assert.equal(message.sender.id, '42');
  await fake.waitForCall('getUpdates', (c) => c.params.offset === update.update_id + 1);
});

test('streamed reply: typing, one message edited in place, final Markdown rendered as HTML', async () => {
  const mark = fake.calls.length;
  const e = events('r1', 'telegram:42:1');
  const target = { channel: 'telegram', chatId: '42', messageId: 'telegram:42:1' };
  await channel.deliver(target, e.start);
  await fake.waitForCall(
    'sendChatAction',
    (c) => c.params.action === 'typing' && c.params.chat_id === '42',
    2000,
    mark,
  );
  await channel.deliver(target, e.delta('Hello **wor'));
  await fake.waitForCall('sendMessage', () => true, 2000, mark);
  await channel.deliver(target, e.delta('ld**, how'));
  await fake.waitForCall('editMessageText', () => true, 2000, mark);
  await channel.deliver(target, e.done('Hello **world**, how are you?'));
  const sends = fake.calls.slice(mark).filter((c) => c.method === 'sendMessage');
  assert.equal(sends.length, 1, 'one message, edited in place');
  assert.deepEqual(sends[0].params.reply_parameters, { message_id: 1, allow_sending_without_reply: true });
  const last = fake.calls
    .slice(mark)
    .filter((c) => c.method === 'editMessageText')
    .at(-1)!;
  assert.equal(last.params.text, 'Hello <b>world</b>, how are you?');
  assert.equal(last.params.parse_mode, 'HTML');
  const shown = [...fake.botMessages.values()].at(-1)!;
  assert.equal(shown.text, 'Hello world, how are you?');
});

test('mid-stream, an unclosed ** stays text and an unclosed fence shows as code; Telegram accepts every edit', async () => {
  const mark = fake.calls.length;
  const e = events('r-stream', 'telegram:42:1');
  const target = { channel: 'telegram', chatId: '42', messageId: 'telegram:42:1' };
  const shows = (html: string) => (c: { params: Record<string, unknown> }) => c.params.text === html;
  await channel.deliver(target, e.start);
  await channel.deliver(target, e.delta('Plan: **bold'));
  await fake.waitForCall('sendMessage', shows('Plan: **bold'), 2000, mark);
  await channel.deliver(target, e.delta(' step** then\n```ts\nconst a = 1 <'));
  await fake.waitForCall(
    'editMessageText',
    shows('Plan: <b>bold step</b> then\n<pre><code class="language-ts">const a = 1 &lt;</code></pre>'),
    2000,
    mark,
  );
  await channel.deliver(target, e.done('Plan: **bold step** then\n```ts\nconst a = 1 < 2;\n```\nend'));
  await fake.waitForCall(
    'editMessageText',
    shows('Plan: <b>bold step</b> then\n<pre><code class="language-ts">const a = 1 &lt; 2;</code></pre>\nend'),
    2000,
    mark,
  );
  const writes = fake.calls.slice(mark).filter((c) => c.method === 'sendMessage' || c.method === 'editMessageText');
  for (const call of writes) {
    assert.equal(call.params.parse_mode, 'HTML', `sent as HTML, never the plain fallback: ${String(call.params.text)}`);
    assert.ok(parseTelegramHtml(String(call.params.text)).ok, String(call.params.text));
  }
  assert.equal([...fake.botMessages.values()].at(-1)!.text, 'Plan: bold step then\nconst a = 1 < 2;\nend');
});

test('a long answer is split at 4096 characters into several messages', async () => {
  const mark = fake.calls.length;
  const long = Array.from({ length: 700 }, (_, i) => `Line ${i} of a long answer.`).join('\n');
  await channel.deliver({ channel: 'telegram', chatId: '42', messageId: '1' }, events('r2', 'x').done(long));
  const sends = fake.calls.slice(mark).filter((c) => c.method === 'sendMessage');
  assert.ok(sends.length >= 5, `${sends.length} messages`);
  for (const s of sends) {
    const parsed = parseTelegramHtml(String(s.params.text));
    assert.ok(parsed.ok && parsed.text.length <= 4096);
  }
  assert.ok(String(sends[0].params.text).startsWith('Line 0 of'));
  assert.ok(String(sends.at(-1)!.params.text).endsWith('Line 699 of a long answer.'));
});

test('429 with retry_after is waited out and the message still lands', async () => {
  const mark = fake.calls.length;
  fake.failNext('sendMessage', {
    error_code: 429,
    description: 'Too Many Requests: retry after 1',
    parameters: { retry_after: 1 },
  });
  const started = Date.now();
  await channel.deliver(
    { channel: 'telegram', chatId: '42', messageId: '1' },
    events('r3', 'x').done('after the flood'),
  );
  const sends = fake.calls.slice(mark).filter((c) => c.method === 'sendMessage');
  assert.equal(sends.length, 2, 'retried once');
  assert.ok(Date.now() - started >= 900, 'waited retry_after');
  assert.ok([...fake.botMessages.values()].some((m) => m.text === 'after the flood'));
});

test('an error event sends its user-safe text', async () => {
  const mark = fake.calls.length;
  await channel.deliver(
    { channel: 'telegram', chatId: '42', messageId: '1' },
    {
      type: 'error',
      replyId: 'r4',
      inReplyTo: 'x',
      conversationId: 'c',
      code: 'HEARTH_E_MODEL_FAILED',
      message: 'Every model failed <sorry>',
    },
  );
  const send = await fake.waitForCall('sendMessage', () => true, 2000, mark);
  assert.equal(send.params.text, 'Every model failed <sorry>');
  assert.equal(send.params.parse_mode, undefined);
});

test('inbound photo and document are downloaded into the blob store', async () => {
  const before = ctx.received.length;
  const png = Buffer.from('89504e470d0a1a0a-fake-png-bytes');
  const photo = fake.addFile(png, 'photos/file_1.jpg');
  fake.userMessage({
    chat: adaChat,
    from: ada,
    extra: { photo: [{ ...photo, width: 10, height: 10 }], caption: 'what is this?' },
  });
  const pdf = Buffer.from('%PDF-1.4 fake');
  const doc = fake.addFile(pdf, 'documents/file_2.pdf');
  fake.userMessage({
    chat: adaChat,
    from: ada,
    extra: { document: { ...doc, file_name: 'cv.pdf', mime_type: 'application/pdf' } },
  });
  const all = await ctx.waitForMessages(before + 2);
  const [photoMsg, docMsg] = all.slice(before);
  assert.equal(photoMsg.text, 'what is this?');
  const photoAttachment = photoMsg.attachments[0];
  assert.equal(photoAttachment.kind, 'image');
  assert.deepEqual(await ctx.blobs.get(photoAttachment.blobKey!), png);
  assert.equal(docMsg.attachments[0].fileName, 'cv.pdf');
  assert.deepEqual(await ctx.blobs.get(docMsg.attachments[0].blobKey!), pdf);
  assert.equal((await ctx.blobs.head(docMsg.attachments[0].blobKey!))?.mimeType, 'application/pdf');
});

test('a file over maxMediaBytes is not downloaded; the message still arrives, the file described', async () => {
  const before = ctx.received.length;
  const big = fake.addFile(Buffer.alloc(5000, 1), 'documents/file_big.bin');
  fake.userMessage({
    chat: adaChat,
    from: ada,
    extra: { document: { ...big, file_name: 'big.bin', mime_type: 'application/octet-stream' }, caption: 'too big?' },
  });
  const [msg] = (await ctx.waitForMessages(before + 1)).slice(before);
  assert.equal(msg.text, 'too big?');
  assert.equal(msg.attachments[0].fileName, 'big.bin');
  assert.equal(msg.attachments[0].blobKey, undefined);
});

test('outbound attachments from the blob store: photo, document, sticker uploaded as multipart', async () => {
  const mark = fake.calls.length;
  await ctx.blobs.put('out/chart.png', Buffer.from('png-bytes'), { mimeType: 'image/png', fileName: 'chart.png' });
  await ctx.blobs.put('out/notes.txt', Buffer.from('some notes'), { mimeType: 'text/plain', fileName: 'notes.txt' });
  await ctx.blobs.put('out/s.webp', Buffer.from('webp'), { mimeType: 'image/webp' });
  const done: ReplyEvent = {
    type: 'done',
    replyId: 'r5',
    inReplyTo: 'x',
    conversationId: 'c',
    text: 'Here you go',
    model: 'm',
    finishReason: 'stop',
    usage: { promptTokens: 1, completionTokens: 1 },
    attachments: [
      { kind: 'image', blobKey: 'out/chart.png', fileName: 'chart.png', mimeType: 'image/png' },
      { kind: 'document', blobKey: 'out/notes.txt', fileName: 'notes.txt' },
      { kind: 'sticker', blobKey: 'out/s.webp' },
    ],
  };
  await channel.deliver({ channel: 'telegram', chatId: '42', messageId: '1' }, done);
  const calls = fake.calls.slice(mark);
  const photo = calls.find((c) => c.method === 'sendPhoto')!;
  assert.deepEqual(photo.files.photo.bytes, Buffer.from('png-bytes'));
  assert.equal(photo.params.chat_id, 42);
  const document = calls.find((c) => c.method === 'sendDocument')!;
  assert.equal(document.files.document.fileName, 'notes.txt');
  assert.deepEqual(calls.find((c) => c.method === 'sendSticker')!.files.sticker.bytes, Buffer.from('webp'));
});

test('malformed updates are logged with a reason and skipped; polling goes on', async () => {
  const before = ctx.received.length;
  fake.pushUpdate({ message: { text: 'no ids at all' } });
  fake.pushUpdate({ message: { message_id: 77, chat: adaChat, date: 1 } });
  fake.userMessage({ chat: adaChat, from: ada, text: 'still here' });
  const all = await ctx.waitForMessages(before + 1);
  assert.equal(all[before].text, 'still here');
  const skipped = ctx.logs.filter((l) => l.msg === 'telegram update skipped');
  assert.ok(skipped.length >= 2);
  assert.ok(skipped.some((l) => /message_id/.test(String(l.reason))));
});

test('a dropped connection and a failing API back off, then polling resumes', async () => {
  fake.failNext('getUpdates', { error_code: 502, description: 'Bad Gateway' }, 2);
  fake.dropConnections();
  await until(() => channel.status().state === 'backing-off', 'backing-off');
  assert.match(channel.status().reason ?? '', /Network|Bad Gateway|failed/i);
  await until(() => channel.status().state === 'ready', 'ready again');
  const before = ctx.received.length;
  fake.userMessage({ chat: adaChat, from: ada, text: 'after the outage' });
  const all = await ctx.waitForMessages(before + 1);
  assert.equal(all[before].text, 'after the outage');
  assert.ok(!JSON.stringify(ctx.logs).includes(fake.token.split(':')[1]), 'the token never reaches the logs');
});
