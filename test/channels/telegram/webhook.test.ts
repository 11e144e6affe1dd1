/**
 * Webhook mode: setWebhook with the secret token, updates POSTed to /webhooks/telegram, requests
 * without the right X-Telegram-Bot-Api-Secret-Token rejected; and stop() in polling mode.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Fastify from 'fastify';
import { telegramConfigSchema } from '../../../src/channels/telegram/config.js';
import { createChannel } from '../../../src/channels/telegram/index.js';
import { startTelegramFake } from '../../fakes/telegram-api.js';
import { createTestContext } from '../test-context.js';

test('webhook mode: registers the webhook with its secret and accepts only requests that carry it', async (t) => {
  const fake = await startTelegramFake();
  const ctx = createTestContext();
  // Routes are registered before listen (as the gateway does); the URL is known once listening.
  const app = Fastify();
  const webhook = { url: 'https://placeholder.invalid/webhooks/telegram', secretToken: 'S3cret_token-1' };
  const config = telegramConfigSchema.parse({
    token: fake.token,
    apiRoot: fake.baseUrl,
    mode: 'webhook',
    webhook,
    reconnect: { initialDelayMs: 50, maxDelayMs: 100 },
  });
  const channel = createChannel(config, { log: ctx.log, dataDir: '/nonexistent' });
  await channel.routes!(app);
  await app.listen({ port: 0, host: '127.0.0.1' });
  t.after(async () => {
    await channel.stop();
    await app.close();
    await fake.close();
  });
  const realUrl = `http://127.0.0.1:${(app.server.address() as { port: number }).port}/webhooks/telegram`;
  config.webhook!.url = realUrl;
  await channel.start(ctx);

  const setWebhook = await fake.waitForCall('setWebhook');
  assert.equal(setWebhook.params.url, realUrl);
  assert.equal(setWebhook.params.secret_token, 'S3cret_token-1');
  const deadline = Date.now() + 3000;
  while (channel.status().state !== 'ready' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.equal(channel.status().state, 'ready');

  fake.userMessage({
    chat: { id: 7, type: 'private', first_name: 'Bo' },
    from: { id: 7, first_name: 'Bo' },
    text: 'via webhook',
  });
  const [message] = await ctx.waitForMessages(1);
  assert.equal(message.text, 'via webhook');
  while (fake.webhookResponses.length === 0) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(fake.webhookResponses, [200]);

  const forged = await fetch(realUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': 'wrong' },
    body: JSON.stringify({
      update_id: 1,
      message: {
        message_id: 1,
        chat: { id: 1, type: 'private' },
        from: { id: 1, is_bot: false, first_name: 'x' },
        date: 1,
        text: 'evil',
      },
    }),
  });
  assert.equal(forged.status, 401);
  const missing = await fetch(realUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  assert.equal(missing.status, 401);
  await ctx.waitForLog((l) => /bad or missing secret/.test(String(l.msg)));
  assert.equal(ctx.received.length, 1, 'forged updates never reach the pipeline');
});

test('stop() cancels the long poll and confirms the offset with getUpdates {offset, limit: 1}', async () => {
  const fake = await startTelegramFake();
  const ctx = createTestContext();
  const channel = createChannel(
    telegramConfigSchema.parse({ token: fake.token, apiRoot: fake.baseUrl, pollTimeoutSeconds: 30 }),
    { log: ctx.log, dataDir: '/x' },
  );
  await channel.start(ctx);
  const { update } = fake.userMessage({
    chat: { id: 5, type: 'private', first_name: 'C' },
    from: { id: 5, first_name: 'C' },
    text: 'one',
  });
  await ctx.waitForMessages(1);
  await fake.waitForCall('getUpdates', (c) => c.params.offset === update.update_id + 1);
  const started = Date.now();
  await channel.stop();
  assert.ok(Date.now() - started < 2000, 'stop does not wait for the 30 s poll');
  const last = fake.calls.at(-1)!;
  assert.equal(last.method, 'getUpdates');
  assert.equal(last.params.offset, update.update_id + 1);
  assert.equal(last.params.limit, 1);
  assert.equal(channel.status().state, 'stopped');
  await fake.close();
});

test('a rejected token marks the channel failed with a reason', async () => {
  const fake = await startTelegramFake();
  const ctx = createTestContext();
  const channel = createChannel(telegramConfigSchema.parse({ token: '1:wrong', apiRoot: fake.baseUrl }), {
    log: ctx.log,
    dataDir: '/x',
  });
  await channel.start(ctx);
  const deadline = Date.now() + 3000;
  while (channel.status().state !== 'failed' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.equal(channel.status().state, 'failed');
  assert.match(channel.status().reason ?? '', /401/);
  await channel.stop();
  await fake.close();
});

test('config: webhook mode requires the webhook section; secret token charset is enforced', () => {
  assert.equal(telegramConfigSchema.safeParse({ token: 'x', mode: 'webhook' }).success, false);
  assert.equal(
    telegramConfigSchema.safeParse({
      token: 'x',
      mode: 'webhook',
      webhook: { url: 'https://a.b/webhooks/telegram', secretToken: 'has space' },
    }).success,
    false,
  );
  assert.equal(telegramConfigSchema.safeParse({ token: 'x', tokne: 'typo' }).success, false);
  const ok = telegramConfigSchema.parse({ token: 'x', allowFrom: [42, '@ada'] });
  assert.equal(ok.apiRoot, 'https://api.telegram.org');
  assert.deepEqual(ok.allowFrom, ['42', '@ada']);
});
