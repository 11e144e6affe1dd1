/** WhatsApp Cloud API mode on a real Fastify server against the Graph API fake. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify, { type FastifyInstance } from 'fastify';
import { createChannel } from '../../../src/channels/whatsapp/index.js';
import { whatsappConfigSchema } from '../../../src/channels/whatsapp/config.js';
import type { WhatsAppCloudChannel } from '../../../src/channels/whatsapp/cloud.js';
import type { ReplyEvent } from '../../../src/core/message.js';
import { HearthError } from '../../../src/core/errors.js';
import {
  postSignedWhatsAppWebhook,
  startWhatsAppCloudFake,
  type WhatsAppCloudFake,
} from '../../fakes/whatsapp-cloud.js';
import { memoryContext, type TestContext } from '../slack/memory-context.js';

const appSecret = 'wa-app-secret';
let fake: WhatsAppCloudFake;
let channel: WhatsAppCloudChannel;
let ctx: TestContext;
let app: FastifyInstance;
let webhook: string;

const done = (text: string, extra: Partial<Extract<ReplyEvent, { type: 'done' }>> = {}): ReplyEvent => ({
  type: 'done',
  replyId: 'r',
  inReplyTo: 'm',
  conversationId: 'c',
  text,
  attachments: [],
  model: 'fake',
  usage: { promptTokens: 1, completionTokens: 1 },
  finishReason: 'stop',
  ...extra,
});

before(async () => {
  fake = await startWhatsAppCloudFake();
  ctx = memoryContext();
  const config = whatsappConfigSchema.parse({
    mode: 'cloud',
    cloud: {
      phoneNumberId: fake.phoneNumberId,
      accessToken: fake.accessToken,
      appSecret,
      verifyToken: 'verify-me',
      graphApiBase: fake.graphApiBase,
    },
  });
  channel = createChannel(config, { log: ctx.log, dataDir: '/nonexistent' }) as WhatsAppCloudChannel;
  app = Fastify();
  await channel.routes(app);
  await app.listen({ port: 0, host: '127.0.0.1' });
  webhook = `http://127.0.0.1:${(app.server.address() as { port: number }).port}/webhooks/whatsapp`;
  await channel.start(ctx);
});

after(async () => {
  await channel.stop();
  await app.close();
  await fake.close();
});

test('webhook verification answers hub.challenge only with the right verify token', async () => {
  const ok = await fetch(`${webhook}?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=1158201444`);
  assert.equal(ok.status, 200);
  assert.equal(await ok.text(), '1158201444');
  const bad = await fetch(`${webhook}?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1`);
  assert.equal(bad.status, 403);
});

test('a signed text webhook becomes a Message; a redelivery is handed on once', async () => {
  const body = fake.webhook(
    { from: '16315551181', type: 'text', text: { body: 'Hello from WhatsApp' } },
    { waId: '16315551181', name: 'Kerry' },
  );
  const res = await postSignedWhatsAppWebhook(webhook, appSecret, body);
  assert.equal(res.status, 200);
  const m = await ctx.waitForMessage((x) => x.chatId === '16315551181');
  assert.equal(m.text, 'Hello from WhatsApp');
  assert.equal(m.sender.name, 'Kerry');
  assert.equal(m.isGroup, false);
  assert.match(m.id, /^whatsapp:wamid\./);
  await postSignedWhatsAppWebhook(webhook, appSecret, body);
  await channel.idle();
  assert.equal(ctx.received.filter((x) => x.chatId === '16315551181').length, 1);
});

test('bad or missing signatures get 401 and a log line', async () => {
  const body = fake.webhook({ from: '1999', type: 'text', text: { body: 'forged' } });
  assert.equal((await postSignedWhatsAppWebhook(webhook, appSecret, body, { badSignature: true })).status, 401);
  assert.equal((await postSignedWhatsAppWebhook(webhook, appSecret, body, { unsigned: true })).status, 401);
  await ctx.waitForLog((l) => l.msg === 'whatsapp: webhook request rejected' && l.reason === 'bad signature');
  await ctx.waitForLog((l) => l.msg === 'whatsapp: webhook request rejected' && l.reason === 'missing signature');
  assert.equal(ctx.received.filter((x) => x.chatId === '1999').length, 0);
});

test('malformed payloads are skipped with a warning', async () => {
  assert.equal((await postSignedWhatsAppWebhook(webhook, appSecret, '{not json')).status, 400);
  const res = await postSignedWhatsAppWebhook(webhook, appSecret, fake.webhook({ from: '1888', type: 'text' }));
  assert.equal(res.status, 200);
  await ctx.waitForLog(
    (l) =>
      l.msg === 'whatsapp: malformed or unsupported payload skipped' && l.reason === 'text message without text.body',
  );
});

test('inbound media is fetched by media id, checked, and stored; voice notes are voice', async () => {
  const ogg = Buffer.from('OggS-fake-voice-note');
  const mediaId = fake.hostMedia(ogg, 'audio/ogg; codecs=opus');
  await postSignedWhatsAppWebhook(
    webhook,
    appSecret,
    fake.webhook({
      from: '1777',
      type: 'audio',
      audio: { id: mediaId, mime_type: 'audio/ogg; codecs=opus', sha256: 'unused', voice: true },
    }),
  );
  const m = await ctx.waitForMessage((x) => x.chatId === '1777');
  assert.equal(m.attachments[0].kind, 'voice');
  assert.equal(m.attachments[0].blobKey, `media/whatsapp/${mediaId}.ogg`);
  assert.deepEqual(ctx.blobsByKey.get(m.attachments[0].blobKey!)?.data, ogg);
});

test('an answer: read + typing on start, Markdown converted at done, attachments uploaded and sent', async () => {
  const target = { channel: 'whatsapp', chatId: '1666', messageId: 'wamid.IN1' };
  await channel.deliver(target, { type: 'start', replyId: 'r', inReplyTo: 'm', conversationId: 'c', model: 'fake' });
  const read = await fake.waitForSent((c) => c.body.status === 'read');
  assert.equal(read.body.message_id, 'wamid.IN1');
  assert.deepEqual(read.body.typing_indicator, { type: 'text' });
  await channel.deliver(target, {
    type: 'delta',
    replyId: 'r',
    inReplyTo: 'm',
    conversationId: 'c',
    text: 'ignored until done',
  });
  await ctx.blobs.put('media/out/chart.png', Buffer.from('PNGDATA'), { mimeType: 'image/png' });
  await channel.deliver(
    target,
    done('**Done**: see chart', {
      attachments: [{ kind: 'image', blobKey: 'media/out/chart.png', mimeType: 'image/png', fileName: 'chart.png' }],
    }),
  );
  const text = await fake.waitForSent((c) => c.body.to === '1666' && c.body.type === 'text');
  assert.deepEqual(text.body.text, { body: '*Done*: see chart', preview_url: false });
  assert.equal(text.body.recipient_type, 'individual');
  const image = await fake.waitForSent((c) => c.body.to === '1666' && c.body.type === 'image');
  const up = fake.uploads.find((u) => u.id === (image.body.image as { id: string }).id);
  assert.equal(up?.bytes.toString(), 'PNGDATA');
  assert.equal(up?.type, 'image/png');
});

test('buttons go out as interactive reply buttons and a tap comes back as an action', async () => {
  await channel.deliver(
    { channel: 'whatsapp', chatId: '1555', messageId: 'wamid.X' },
    done('Book it?\n[[button:Yes|book-yes]][[button:No|book-no]]'),
  );
  const sent = await fake.waitForSent((c) => c.body.to === '1555' && c.body.type === 'interactive');
  assert.deepEqual(sent.body.interactive, {
    type: 'button',
    body: { text: 'Book it?' },
    action: {
      buttons: [
        { type: 'reply', reply: { id: 'book-yes', title: 'Yes' } },
        { type: 'reply', reply: { id: 'book-no', title: 'No' } },
      ],
    },
  });
  await postSignedWhatsAppWebhook(
    webhook,
    appSecret,
    fake.webhook({
      from: '1555',
      type: 'interactive',
      context: { from: '15550783881', id: 'wamid.OUT' },
      interactive: { type: 'button_reply', button_reply: { id: 'book-yes', title: 'Yes' } },
    }),
  );
  const click = await ctx.waitForMessage((x) => x.chatId === '1555' && x.kind === 'action');
  assert.equal(click.value, 'book-yes');
  assert.equal(click.replyTo, 'wamid.OUT');
});

test('outside the 24-hour window the send fails with a clear, coded error', async () => {
  fake.closeWindow('1444');
  await assert.rejects(
    channel.deliver({ channel: 'whatsapp', chatId: '1444', messageId: 'wamid.Y' }, done('late answer')),
    (e: unknown) => {
      assert.ok(e instanceof HearthError);
      assert.equal(e.code, 'HEARTH_E_OUTSIDE_WINDOW');
      assert.match(e.message, /24 hours/);
      return true;
    },
  );
  await ctx.waitForLog((l) => l.code === 'HEARTH_E_OUTSIDE_WINDOW');
});
