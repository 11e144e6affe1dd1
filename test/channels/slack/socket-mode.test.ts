/**
 * The Slack channel in Socket Mode against the fake Slack: real Bolt, real WebSocket, real Web API calls.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createChannel } from '../../../src/channels/slack/index.js';
import { slackConfigSchema } from '../../../src/channels/slack/config.js';
import type { Channel } from '../../../src/core/channel.js';
import type { ReplyEvent, ReplyTarget } from '../../../src/core/message.js';
import { startSlackFake, type SlackFake } from '../../fakes/slack-server.js';
import { memoryContext, type TestContext } from './memory-context.js';

let fake: SlackFake;
let channel: Channel;
let ctx: TestContext;

function config(extra: Record<string, unknown> = {}) {
  return slackConfigSchema.parse({
    mode: 'socket',
    botToken: 'xoxb-test-bot-token',
    appToken: 'xapp-test-app-token',
    apiUrl: fake.apiUrl,
    streamEditIntervalMs: 50,
    reconnect: { initialDelayMs: 50, maxDelayMs: 200 },
    ...extra,
  });
}

async function waitFor(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const ids = { replyId: 'r1', inReplyTo: 'm1', conversationId: 'c1' };
const done = (text: string, replyId = 'r1'): ReplyEvent => ({
  type: 'done',
  ...ids,
  replyId,
  text,
  attachments: [],
  model: 'fake',
  usage: { promptTokens: 1, completionTokens: 1 },
  finishReason: 'stop',
});

before(async () => {
  fake = await startSlackFake();
  ctx = memoryContext();
  channel = createChannel(config(), { log: ctx.log, dataDir: '/nonexistent' });
  await channel.start(ctx);
  await fake.waitForSocket();
  await waitFor(() => channel.status().state === 'ready', 'ready');
});

after(async () => {
  await channel.stop();
  await fake.close();
});

test('apps.connections.open goes to the configured API with the app token; auth.test with the bot token', async () => {
  const open = await fake.waitForCall('apps.connections.open');
  assert.equal(open.token, 'xapp-test-app-token');
  const auth = await fake.waitForCall('auth.test');
  assert.equal(auth.token, 'xoxb-test-bot-token');
});

test('a DM arrives over the socket, is acked, and becomes a Message', async () => {
  const ack = await fake.sendEnvelope(
    'events_api',
    fake.eventCallback({
      type: 'message',
      channel: 'D100',
      channel_type: 'im',
      user: 'U1',
      text: 'hi there',
      ts: '1700000100.000100',
    }),
  );
  assert.ok(typeof ack.envelope_id === 'string');
  const m = await ctx.waitForMessage((x) => x.chatId === 'D100');
  assert.equal(m.text, 'hi there');
  assert.equal(m.isGroup, false);
  assert.equal(m.id, 'slack:D100:1700000100.000100');
});

test('one mention delivered as message and app_mention is handed on once, threaded under itself', async () => {
  const inner = { channel: 'C200', user: 'U1', text: `<@${fake.botUserId}> help`, ts: '1700000200.000100' };
  await fake.sendEnvelope('events_api', fake.eventCallback({ ...inner, type: 'message', channel_type: 'channel' }));
  await fake.sendEnvelope('events_api', fake.eventCallback({ ...inner, type: 'app_mention' }));
  const m = await ctx.waitForMessage((x) => x.chatId === 'C200');
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(ctx.received.filter((x) => x.chatId === 'C200').length, 1);
  assert.equal(m.threadId, '1700000200.000100');
  assert.equal(m.mentioned, true);
  assert.equal(m.text, 'help');
});

test('the bot’s own messages are ignored', async () => {
  await fake.sendEnvelope(
    'events_api',
    fake.eventCallback({
      type: 'message',
      channel: 'D101',
      channel_type: 'im',
      user: fake.botUserId,
      text: 'me',
      ts: '1700000300.000100',
    }),
  );
  await fake.sendEnvelope(
    'events_api',
    fake.eventCallback({
      type: 'message',
      channel: 'D101',
      channel_type: 'im',
      bot_id: 'BOTHER',
      text: 'a bot',
      ts: '1700000300.000200',
    }),
  );
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(ctx.received.filter((x) => x.chatId === 'D101').length, 0);
});

test('a streamed answer is posted in the thread, edited in place, and finished with mrkdwn', async () => {
  const target: ReplyTarget = {
    channel: 'slack',
    chatId: 'C200',
    threadId: '1700000200.000100',
    messageId: '1700000200.000100',
  };
  await channel.deliver(target, { type: 'start', ...ids, replyId: 'stream1', model: 'fake' });
  await channel.deliver(target, { type: 'delta', ...ids, replyId: 'stream1', text: 'Hello ' });
  const post = await fake.waitForCall('chat.postMessage', (c) => c.args.channel === 'C200' && c.args.text === 'Hello');
  assert.equal(post.args.thread_ts, '1700000200.000100');
  await channel.deliver(target, { type: 'delta', ...ids, replyId: 'stream1', text: '**world**' });
  await fake.waitForCall('chat.update', (c) => c.args.channel === 'C200' && c.args.text === 'Hello *world*');
  await channel.deliver(target, done('Hello **world**, done.', 'stream1'));
  const final = await fake.waitForCall('chat.update', (c) => c.args.text === 'Hello *world*, done.');
  assert.ok(final.args.ts);
  assert.equal(fake.calls.filter((c) => c.method === 'chat.postMessage' && c.args.channel === 'C200').length, 1);
});

test('a lone done (gateway text such as a pairing code) is posted as a new message', async () => {
  await channel.deliver(
    { channel: 'slack', chatId: 'D300', messageId: '1.1' },
    done('Your pairing code is 1234', 'lone'),
  );
  const post = await fake.waitForCall('chat.postMessage', (c) => c.args.channel === 'D300');
  assert.equal(post.args.text, 'Your pairing code is 1234');
  assert.equal(post.args.thread_ts, undefined);
});

test('buttons render as Block Kit and a click comes back as an action in the same conversation', async () => {
  await channel.deliver(
    { channel: 'slack', chatId: 'C400', threadId: '9.1', messageId: '9.1' },
    done('Ship it?\n[[button:Yes|ship-yes]][[button:No|ship-no]]', 'btn'),
  );
  const post = await fake.waitForCall('chat.postMessage', (c) => c.args.channel === 'C400');
  const blocks = post.args.blocks as Array<{
    type: string;
    elements?: Array<{ action_id: string; value: string; text: { text: string } }>;
  }>;
  assert.equal(blocks[0].type, 'section');
  const actions = blocks.find((b) => b.type === 'actions');
  assert.deepEqual(
    actions?.elements?.map((e) => [e.text.text, e.value]),
    [
      ['Yes', 'ship-yes'],
      ['No', 'ship-no'],
    ],
  );
  assert.equal(post.args.text, 'Ship it?');
  const ts = String(post.result?.ts);
  const ack = await fake.sendEnvelope('interactive', fake.blockActions('C400', ts, 'U1', 0));
  assert.ok(ack.envelope_id);
  const click = await ctx.waitForMessage((m) => m.kind === 'action' && m.chatId === 'C400');
  assert.equal(click.value, 'ship-yes');
  assert.equal(click.text, 'Yes');
  assert.equal(click.threadId, '9.1');
  assert.equal(click.replyTo, ts);
});

test('after a click the message shows the choice and its buttons are gone (chat.update)', async () => {
  await channel.deliver(
    { channel: 'slack', chatId: 'C450', threadId: '9.2', messageId: '9.2' },
    done('Deploy to *prod*?\n[[button:Deploy|go]][[button:Cancel|stop]]', 'btn2'),
  );
  const post = await fake.waitForCall('chat.postMessage', (c) => c.args.channel === 'C450');
  const ts = String(post.result?.ts);
  assert.ok(fake.message('C450', ts)?.blocks?.some((b) => b.type === 'actions'));
  await fake.sendEnvelope('interactive', fake.blockActions('C450', ts, 'U7', 1));
  const update = await fake.waitForCall('chat.update', (c) => c.args.channel === 'C450' && c.args.ts === ts);
  assert.equal(update.args.text, 'Deploy to _prod_?', 'the fallback text stays');
  const shown = fake.message('C450', ts)!;
  assert.ok(!shown.blocks!.some((b) => b.type === 'actions'), 'no buttons left');
  assert.deepEqual(shown.blocks![0], { type: 'section', text: { type: 'mrkdwn', text: 'Deploy to _prod_?' } });
  assert.deepEqual(shown.blocks!.at(-1), {
    type: 'context',
    elements: [{ type: 'mrkdwn', text: '✅ <@U7> chose *Cancel*' }],
  });
  const click = await ctx.waitForMessage((m) => m.kind === 'action' && m.chatId === 'C450');
  assert.equal(click.value, 'stop');
});

test('files in are downloaded with the bot token into the blob store; files out are uploaded in the thread', async () => {
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
  const file = fake.hostFile(png, 'pic.png', 'image/png');
  await fake.sendEnvelope(
    'events_api',
    fake.eventCallback({
      type: 'message',
      subtype: 'file_share',
      channel: 'D500',
      channel_type: 'im',
      user: 'U1',
      text: 'look',
      ts: '1700000600.1',
      files: [file],
    }),
  );
  const m = await ctx.waitForMessage((x) => x.chatId === 'D500');
  assert.equal(m.attachments[0].kind, 'image');
  assert.equal(m.attachments[0].blobKey, `media/slack/${file.id}.png`);
  assert.deepEqual(ctx.blobsByKey.get(m.attachments[0].blobKey!)?.data, png);

  await ctx.blobs.put('media/out/report.txt', Buffer.from('report body'), {
    mimeType: 'text/plain',
    fileName: 'report.txt',
  });
  const ev = done('Here is the report', 'files');
  if (ev.type === 'done')
    ev.attachments = [
      { kind: 'document', blobKey: 'media/out/report.txt', fileName: 'report.txt', mimeType: 'text/plain' },
    ];
  await channel.deliver({ channel: 'slack', chatId: 'C600', threadId: '6.1', messageId: '6.1' }, ev);
  await fake.waitForCall('files.completeUploadExternal');
  const up = fake.uploads.find((u) => u.channelId === 'C600');
  assert.ok(up);
  assert.equal(up.filename, 'report.txt');
  assert.equal(up.bytes.toString(), 'report body');
  assert.equal(up.threadTs, '6.1');
});

test('a 429 with Retry-After is waited out, then the call succeeds', async () => {
  fake.rateLimit('chat.postMessage', 1);
  const started = Date.now();
  await channel.deliver({ channel: 'slack', chatId: 'D700', messageId: '1.1' }, done('after the limit', 'rl'));
  const post = await fake.waitForCall('chat.postMessage', (c) => c.args.channel === 'D700');
  assert.ok(post.at - started >= 950, `retried after ${post.at - started} ms`);
  assert.ok(fake.calls.some((c) => c.method === 'chat.postMessage#429'));
});

test('when Slack recycles the socket the channel reconnects', async () => {
  const opens = fake.calls.filter((c) => c.method === 'apps.connections.open').length;
  fake.dropSockets();
  await waitFor(
    () => fake.calls.filter((c) => c.method === 'apps.connections.open').length > opens && fake.socketCount() > 0,
    'reconnect',
    8000,
  );
  await waitFor(() => channel.status().state === 'ready', 'ready again', 8000);
  await fake.sendEnvelope(
    'events_api',
    fake.eventCallback({
      type: 'message',
      channel: 'D800',
      channel_type: 'im',
      user: 'U1',
      text: 'still there?',
      ts: '1700000800.1',
    }),
  );
  await ctx.waitForMessage((x) => x.chatId === 'D800');
});
