/**
 * The Discord channel on discord.js against the fake Gateway + REST, without the Hearth gateway.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Channel } from '../../../src/core/channel.js';
import type { ReplyEvent } from '../../../src/core/message.js';
import { discordConfigSchema } from '../../../src/channels/discord/config.js';
import { createChannel } from '../../../src/channels/discord/index.js';
import { startDiscordFake, snowflake, type DiscordFake } from '../../fakes/discord-server.js';
import { createTestContext } from '../test-context.js';

const ada = { id: snowflake(), username: 'ada', global_name: 'Ada' };
let fake: DiscordFake;
let channel: Channel;
let ctx: ReturnType<typeof createTestContext>;

async function until(probe: () => boolean, what: string, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function done(
  replyId: string,
  text: string,
  attachments: Extract<ReplyEvent, { type: 'done' }>['attachments'] = [],
): ReplyEvent {
  return {
    type: 'done',
    replyId,
    inReplyTo: 'x',
    conversationId: 'c',
    text,
    attachments,
    model: 'm',
    usage: { promptTokens: 1, completionTokens: 1 },
    finishReason: 'stop',
  };
}

before(async () => {
  fake = await startDiscordFake();
  ctx = createTestContext();
  const config = discordConfigSchema.parse({
    token: fake.token,
    apiBase: fake.baseUrl,
    streamEditIntervalMs: 30,
    guildWaitMs: 2000,
    reconnect: { initialDelayMs: 50, maxDelayMs: 200 },
  });
  channel = createChannel(config, { log: ctx.log, dataDir: '/nonexistent' });
  await channel.start(ctx);
  await until(() => channel.status().state === 'ready', 'ready');
});

after(async () => {
  await channel.stop();
  await fake.close();
});

test('connects: GET /v10/gateway/bot, HELLO, IDENTIFY with intents, READY, heartbeats acknowledged', async () => {
  assert.ok(fake.calls.some((c) => c.method === 'GET' && c.path === '/gateway/bot'));
  assert.equal(fake.identifies, 1);
  const ins = fake.gatewayLog.filter((l) => l.dir === 'in').map((l) => l.op);
  assert.ok(ins.includes(2));
  await until(() => fake.gatewayLog.some((l) => l.dir === 'out' && l.op === 11), 'a heartbeat ack', 3000);
});

test('guild message mentioning the bot arrives normalized', async () => {
  const sent = fake.userMessage({ author: ada, content: 'hello there', where: 'guild', mentionBot: true });
  const [m] = await ctx.waitForMessages(1);
  assert.equal(m.id, `discord:${sent.id as string}`);
  assert.equal(m.chatId, fake.textChannel.id);
  assert.equal(m.isGroup, true);
  assert.equal(m.mentioned, true);
  assert.equal(m.text, '@hearth hello there');
  assert.equal(m.sender.id, ada.id);
});

test('DM arrives (Partials.Channel) as a direct chat; thread messages carry the thread id', async () => {
  const n = ctx.received.length;
  fake.userMessage({ author: ada, content: 'in private', where: 'dm' });
  fake.userMessage({ author: ada, content: 'in a thread', where: 'thread' });
  const all = await ctx.waitForMessages(n + 2);
  const dm = all.find((m) => m.text === 'in private')!;
  assert.equal(dm.isGroup, false);
  assert.equal(dm.chatId, fake.dmChannelId(ada.id));
  const inThread = all.find((m) => m.text === 'in a thread')!;
  assert.equal(inThread.chatId, fake.textChannel.id);
  assert.equal(inThread.threadId, fake.thread.id);
});

test('inbound attachment is downloaded into the blob store', async () => {
  const n = ctx.received.length;
  const bytes = Buffer.from('fake-png');
  const url = fake.addCdnFile('pic.png', bytes, 'image/png');
  fake.userMessage({
    author: ada,
    content: 'see',
    where: 'dm',
    attachments: [{ filename: 'pic.png', url, size: bytes.length, content_type: 'image/png' }],
  });
  const all = await ctx.waitForMessages(n + 1);
  const a = all[n].attachments[0];
  assert.equal(a.kind, 'image');
  assert.deepEqual(await ctx.blobs.get(a.blobKey!), bytes);
});

test('streamed reply: typing, a message edited in place, reply reference, no pings', async () => {
  const from = fake.calls.length;
  const userMsg = snowflake();
  const target = { channel: 'discord', chatId: fake.textChannel.id, messageId: `discord:${userMsg}` };
  const base = { replyId: 'd1', inReplyTo: 'x', conversationId: 'c' };
  await channel.deliver(target, { type: 'start', ...base, model: 'm' });
  await fake.waitForCall(
    (c) => c.method === 'POST' && c.path === `/channels/${fake.textChannel.id}/typing`,
    3000,
    from,
  );
  await channel.deliver(target, { type: 'delta', ...base, text: 'Hello ' });
  await fake.waitForCall((c) => c.method === 'POST' && c.path.endsWith('/messages'), 3000, from);
  await channel.deliver(target, { type: 'delta', ...base, text: 'wor' });
  await fake.waitForCall((c) => c.method === 'PATCH', 3000, from);
  await channel.deliver(target, done('d1', 'Hello world @everyone'));
  const posts = fake.calls.slice(from).filter((c) => c.method === 'POST' && c.path.endsWith('/messages'));
  assert.equal(posts.length, 1);
  assert.deepEqual(posts[0].body.message_reference, { message_id: userMsg, fail_if_not_exists: false });
  assert.deepEqual((posts[0].body.allowed_mentions as { parse: unknown[] }).parse, []);
  const final = [...fake.botMessages.values()].at(-1)!;
  assert.equal(final.content, 'Hello world @everyone');
});

test('long answers split at 2000; thread replies go to the thread channel', async () => {
  const from = fake.calls.length;
  const long = Array.from({ length: 300 }, (_, i) => `Line ${i} of the answer.`).join('\n');
  await channel.deliver(
    { channel: 'discord', chatId: fake.textChannel.id, threadId: fake.thread.id, messageId: snowflake() },
    done('d2', long),
  );
  const posts = fake.calls.slice(from).filter((c) => c.method === 'POST');
  assert.ok(posts.length >= 4);
  assert.ok(
    posts.every((p) => p.path === `/channels/${fake.thread.id}/messages` && String(p.body.content).length <= 2000),
  );
});

test('attachments upload from the blob store; link images become embeds', async () => {
  const from = fake.calls.length;
  await ctx.blobs.put('out/a.png', Buffer.from('png!'), { mimeType: 'image/png' });
  await channel.deliver(
    { channel: 'discord', chatId: fake.textChannel.id, messageId: snowflake() },
    done('d3', 'files:', [
      { kind: 'image', blobKey: 'out/a.png', fileName: 'a.png', mimeType: 'image/png' },
      { kind: 'image', url: 'https://example.com/cat.png' },
    ]),
  );
  const upload = fake.calls.slice(from).find((c) => c.files.length > 0)!;
  assert.equal(upload.files[0].fileName, 'a.png');
  assert.deepEqual(upload.files[0].bytes, Buffer.from('png!'));
  assert.deepEqual(upload.body.embeds, [{ image: { url: 'https://example.com/cat.png' } }]);
});

test('error: the user-safe text is sent and the message gets a ⚠️ reaction', async () => {
  const from = fake.calls.length;
  const userMsg = snowflake();
  await channel.deliver(
    { channel: 'discord', chatId: fake.textChannel.id, messageId: userMsg },
    {
      type: 'error',
      replyId: 'd4',
      inReplyTo: 'x',
      conversationId: 'c',
      code: 'HEARTH_E_MODEL_FAILED',
      message: 'Sorry, no model answered.',
    },
  );
  const post = await fake.waitForCall((c) => c.method === 'POST' && c.path.endsWith('/messages'), 2000, from);
  assert.equal(post.body.content, 'Sorry, no model answered.');
  await fake.waitForCall(
    (c) =>
      c.method === 'PUT' &&
      c.path === `/channels/${fake.textChannel.id}/messages/${userMsg}/reactions/${encodeURIComponent('⚠️')}/@me`,
    2000,
    from,
  );
});

test('429: discord.js waits retry_after and the message lands', async () => {
  const from = fake.calls.length;
  fake.rateLimitNext(/^POST \/channels\/\d+\/messages$/, 0.5);
  const started = Date.now();
  await channel.deliver(
    { channel: 'discord', chatId: fake.textChannel.id, messageId: snowflake() },
    done('d5', 'after the limit'),
  );
  const posts = fake.calls.slice(from).filter((c) => c.method === 'POST');
  assert.equal(posts.length, 2);
  assert.ok(Date.now() - started >= 400);
  assert.ok([...fake.botMessages.values()].some((m) => m.content === 'after the limit'));
});

test('malformed dispatches are skipped without crashing; the session goes on', async () => {
  const n = ctx.received.length;
  fake.dispatch('MESSAGE_CREATE', {
    id: snowflake(),
    channel_id: fake.textChannel.id,
    guild_id: fake.guild.id,
    author: { id: ada.id, username: 'ada', discriminator: '0' },
    content: '',
    attachments: [],
    embeds: [],
    mentions: [],
    mention_roles: [],
    timestamp: new Date().toISOString(),
    type: 0,
  });
  fake.userMessage({ author: ada, content: 'still alive', where: 'dm' });
  const all = await ctx.waitForMessages(n + 1);
  assert.equal(all[n].text, 'still alive');
  await ctx.waitForLog((l) => l.msg === 'discord message skipped');
});

test('a dropped Gateway connection resumes the session and missed events are replayed', async () => {
  const n = ctx.received.length;
  fake.dropGateway();
  fake.userMessage({ author: ada, content: 'sent while down', where: 'dm' });
  await until(() => fake.resumes >= 1, 'a RESUME');
  const all = await ctx.waitForMessages(n + 1);
  assert.equal(all[n].text, 'sent while down');
  assert.equal(fake.identifies, 1, 'resumed, not re-identified');
  await until(() => channel.status().state === 'ready', 'ready again');
});
