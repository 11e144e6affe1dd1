/**
 * The Slack channel in Events API mode: signed requests to /webhooks/slack on a real Fastify server.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify, { type FastifyInstance } from 'fastify';
import { createChannel } from '../../../src/channels/slack/index.js';
import { slackConfigSchema } from '../../../src/channels/slack/config.js';
import type { Channel } from '../../../src/core/channel.js';
import { postSignedToSlackWebhook, startSlackFake, type SlackFake } from '../../fakes/slack-server.js';
import { memoryContext, type TestContext } from './memory-context.js';

const secret = 'test-signing-secret';
let fake: SlackFake;
let channel: Channel;
let ctx: TestContext;
let app: FastifyInstance;
let webhook: string;

before(async () => {
  fake = await startSlackFake();
  ctx = memoryContext();
  channel = createChannel(
    slackConfigSchema.parse({
      mode: 'events',
      botToken: 'xoxb-test-bot-token',
      signingSecret: secret,
      apiUrl: fake.apiUrl,
      reconnect: { initialDelayMs: 50, maxDelayMs: 100 },
    }),
    { log: ctx.log, dataDir: '/nonexistent' },
  );
  app = Fastify();
  // Sibling routes keep the default JSON parser: the channel's raw-body parser is scoped.
  app.post('/other', async (req) => ({ echoed: req.body }));
  await channel.routes!(app);
  await app.listen({ port: 0, host: '127.0.0.1' });
  webhook = `http://127.0.0.1:${(app.server.address() as { port: number }).port}/webhooks/slack`;
  await channel.start(ctx);
  const until = Date.now() + 5000;
  while (channel.status().state !== 'ready' && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  assert.equal(channel.status().state, 'ready');
});

after(async () => {
  await channel.stop();
  await app.close();
  await fake.close();
});

test('url_verification is answered with the challenge', async () => {
  const res = await postSignedToSlackWebhook(webhook, secret, {
    token: 'x',
    challenge: 'chal-123',
    type: 'url_verification',
  });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { challenge: 'chal-123' });
});

test('a signed event is accepted and handed on; a Slack retry of it is not handed on twice', async () => {
  const body = fake.eventCallback({
    type: 'message',
    channel: 'D1',
    channel_type: 'im',
    user: 'U1',
    text: 'hello',
    ts: '1700001000.1',
  });
  const res = await postSignedToSlackWebhook(webhook, secret, body);
  assert.equal(res.status, 200);
  const m = await ctx.waitForMessage((x) => x.chatId === 'D1');
  assert.equal(m.text, 'hello');
  const retry = await postSignedToSlackWebhook(webhook, secret, body, { retryNum: 1 });
  assert.equal(retry.status, 200);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(ctx.received.filter((x) => x.chatId === 'D1').length, 1);
});

test('a bad signature gets 401 and a log line; nothing is handed on', async () => {
  const res = await postSignedToSlackWebhook(
    webhook,
    secret,
    fake.eventCallback({ type: 'message', channel: 'D2', channel_type: 'im', user: 'U1', text: 'forged', ts: '1.1' }),
    { badSignature: true },
  );
  assert.equal(res.status, 401);
  await ctx.waitForLog((l) => l.msg === 'slack: webhook request rejected' && l.reason === 'bad signature');
  assert.equal(ctx.received.filter((x) => x.chatId === 'D2').length, 0);
});

test('a stale timestamp gets 401 and a log line', async () => {
  const res = await postSignedToSlackWebhook(
    webhook,
    secret,
    fake.eventCallback({ type: 'message', channel: 'D3', channel_type: 'im', user: 'U1', text: 'old', ts: '1.1' }),
    { timestamp: Math.floor(Date.now() / 1000) - 600 },
  );
  assert.equal(res.status, 401);
  await ctx.waitForLog((l) => l.msg === 'slack: webhook request rejected' && l.reason === 'stale timestamp');
});

test('unsigned requests get 401', async () => {
  const res = await fetch(webhook, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  assert.equal(res.status, 401);
});

test('malformed payloads are skipped with a warning, never crash', async () => {
  const res = await postSignedToSlackWebhook(
    webhook,
    secret,
    fake.eventCallback({ type: 'message', channel_type: 'im', user: 'U1', text: 'no channel' }),
  );
  assert.equal(res.status, 200);
  await ctx.waitForLog((l) => l.msg === 'slack: malformed event skipped');
  const raw = await fetch(webhook, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-slack-request-timestamp': String(Math.floor(Date.now() / 1000)),
      'x-slack-signature': 'v0=0',
    },
    body: 'not json',
  });
  assert.equal(raw.status, 401);
  const sibling = await fetch(webhook.replace('/webhooks/slack', '/other'), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"a":1}',
  });
  assert.deepEqual(await sibling.json(), { echoed: { a: 1 } });
});

test('a form-encoded button click (interactivity) becomes an action and marks the choice', async () => {
  await channel.deliver(
    { channel: 'slack', chatId: 'D9', messageId: '8.1' },
    {
      type: 'done',
      replyId: 'r9',
      inReplyTo: 'm9',
      conversationId: 'c9',
      text: 'pick [[button:Now|now]][[button:Later|later]]',
      attachments: [],
      model: 'fake',
      usage: { promptTokens: 1, completionTokens: 1 },
      finishReason: 'stop',
    },
  );
  const ts = String((await fake.waitForCall('chat.postMessage', (c) => c.args.channel === 'D9')).result?.ts);
  const res = await postSignedToSlackWebhook(webhook, secret, fake.blockActions('D9', ts, 'U9', 1), { form: true });
  assert.equal(res.status, 200);
  const m = await ctx.waitForMessage((x) => x.kind === 'action' && x.chatId === 'D9');
  assert.equal(m.value, 'later');
  assert.equal(m.threadId, undefined);
  assert.equal(m.isGroup, false);
  await fake.waitForCall('chat.update', (c) => c.args.channel === 'D9' && c.args.ts === ts);
  assert.match(JSON.stringify(fake.message('D9', ts)?.blocks), /<@U9> chose \*Later\*/);
});
