/**
 * The update offset is confirmed only after the gateway took the message: an update refused during
 * shutdown (or while the bus is down) is delivered again after the restart, not dropped; an update
 * Telegram sends twice (after a crash, before the offset was confirmed) is handled once.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Fastify from 'fastify';
import { telegramConfigSchema } from '../../../src/channels/telegram/config.js';
import { createChannel } from '../../../src/channels/telegram/index.js';
import { ErrorCode, HearthError } from '../../../src/core/errors.js';
import type { Message } from '../../../src/core/message.js';
import { startTelegramFake, type TelegramFake } from '../../fakes/telegram-api.js';
import { createTestContext, eventually } from '../test-context.js';

const bo = { id: 7, first_name: 'Bo' };
const boChat = { id: 7, type: 'private' as const, first_name: 'Bo' };

function polling(fake: TelegramFake) {
  return telegramConfigSchema.parse({
    token: fake.token,
    apiRoot: fake.baseUrl,
    pollTimeoutSeconds: 1,
    reconnect: { initialDelayMs: 50, maxDelayMs: 200 },
  });
}

const confirmedOffsets = (fake: TelegramFake): number[] =>
  fake.calls.filter((c) => c.method === 'getUpdates').map((c) => Number(c.params.offset ?? 0));

test('an update refused during shutdown is not confirmed, and arrives after the restart', async (t) => {
  const fake = await startTelegramFake();
  t.after(() => fake.close());
  const ctx = createTestContext();
  const refused: Message[] = [];
  // The gateway is shutting down: the pipeline's shutdown gate refuses every message.
  const shuttingDown = {
    ...ctx,
    async receive(m: Message) {
      refused.push(m);
      throw new HearthError(ErrorCode.shuttingDown, 'Hearth is shutting down', 503);
    },
  };
  const first = createChannel(polling(fake), { log: ctx.log, dataDir: '/x' });
  await first.start(shuttingDown);
  const { update } = fake.userMessage({ chat: boChat, from: bo, text: 'sent while Hearth stops' });
  await eventually(() => refused.length > 0, 'the refused delivery');
  await first.stop();
  assert.ok(
    confirmedOffsets(fake).every((o) => o <= update.update_id),
    `the refused update was confirmed: offsets ${confirmedOffsets(fake).join(', ')} passed ${update.update_id}`,
  );

  // After the restart (same session store), Telegram delivers it again and it is taken.
  const second = createChannel(polling(fake), { log: ctx.log, dataDir: '/x' });
  await second.start(ctx);
  t.after(() => second.stop());
  const [message] = await ctx.waitForMessages(1);
  assert.equal(message.text, 'sent while Hearth stops');
  await fake.waitForCall('getUpdates', (c) => c.params.offset === update.update_id + 1);
});

test('while the bus refuses messages the poller backs off and retries the same update', async (t) => {
  const fake = await startTelegramFake();
  t.after(() => fake.close());
  const ctx = createTestContext();
  let failures = 2;
  const flaky = {
    ...ctx,
    async receive(m: Message) {
      if (failures-- > 0) throw new Error('redis: connection refused');
      await ctx.receive(m);
    },
  };
  const channel = createChannel(polling(fake), { log: ctx.log, dataDir: '/x' });
  await channel.start(flaky);
  t.after(() => channel.stop());
  const { update } = fake.userMessage({ chat: boChat, from: bo, text: 'first' });
  fake.userMessage({ chat: boChat, from: bo, text: 'second' });
  const messages = await ctx.waitForMessages(2, 10_000);
  assert.deepEqual(
    messages.map((m) => m.text),
    ['first', 'second'],
    'in order, none lost',
  );
  assert.equal(
    ctx.logs.filter((l) => l.msg === 'telegram update not accepted; Telegram will deliver it again').length,
    2,
  );
  assert.equal(channel.status().state, 'ready');
  await fake.waitForCall('getUpdates', (c) => c.params.offset === update.update_id + 2);
});

test('an update delivered twice (a crash before the offset was confirmed) is handled once', async (t) => {
  const fake = await startTelegramFake();
  t.after(() => fake.close());
  const ctx = createTestContext();
  // The first process puts the message on the bus and then hangs (as good as crashed): its next
  // getUpdates, which would confirm the offset, never goes out.
  let release!: () => void;
  const hung = new Promise<void>((resolve) => (release = resolve));
  const crashing = {
    ...ctx,
    async receive(m: Message) {
      await ctx.receive(m);
      await hung;
    },
  };
  const first = createChannel(polling(fake), { log: ctx.log, dataDir: '/x' });
  const second = createChannel(polling(fake), { log: ctx.log, dataDir: '/x' });
  t.after(async () => {
    release();
    await second.stop();
    await first.stop();
  });
  await first.start(crashing);
  const { update } = fake.userMessage({ chat: boChat, from: bo, text: 'once' });
  await ctx.waitForMessages(1);
  assert.ok(
    confirmedOffsets(fake).every((o) => o <= update.update_id),
    'not confirmed yet',
  );

  // The restarted process (same session store) is sent the unconfirmed update again.
  await second.start(ctx);
  fake.userMessage({ chat: boChat, from: bo, text: 'next' });
  const messages = await ctx.waitForMessages(2);
  assert.deepEqual(
    messages.map((m) => m.text),
    ['once', 'next'],
  );
  await ctx.waitForLog(
    (l) => l.msg === 'telegram update seen before; not handled twice' && l.updateId === update.update_id,
  );
  assert.equal(ctx.received.length, 2);
});

test('webhook mode: an update the gateway cannot take gets a 503 (Telegram retries), a repeat is not handled twice', async (t) => {
  const fake = await startTelegramFake();
  const ctx = createTestContext();
  let accepting = false;
  const gated = {
    ...ctx,
    async receive(m: Message) {
      if (!accepting) throw new HearthError(ErrorCode.shuttingDown, 'Hearth is shutting down', 503);
      await ctx.receive(m);
    },
  };
  const app = Fastify();
  const config = telegramConfigSchema.parse({
    token: fake.token,
    apiRoot: fake.baseUrl,
    mode: 'webhook',
    webhook: { url: 'https://placeholder.invalid/webhooks/telegram', secretToken: 'S3cret' },
  });
  const channel = createChannel(config, { log: ctx.log, dataDir: '/x' });
  await channel.routes!(app);
  await app.listen({ port: 0, host: '127.0.0.1' });
  t.after(async () => {
    await channel.stop();
    await app.close();
    await fake.close();
  });
  config.webhook!.url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}/webhooks/telegram`;
  await channel.start(gated);
  await eventually(() => channel.status().state === 'ready', 'ready');

  const { update } = fake.userMessage({ chat: boChat, from: bo, text: 'via webhook' });
  await eventually(() => fake.webhookResponses.length === 1, 'the first delivery');
  assert.deepEqual(fake.webhookResponses, [503]);
  accepting = true;
  fake.pushUpdate({ ...update }); // Telegram's retry
  fake.pushUpdate({ ...update }); // and a duplicate
  await eventually(() => fake.webhookResponses.length === 3, 'the retries');
  assert.deepEqual(fake.webhookResponses, [503, 200, 200]);
  assert.deepEqual(
    ctx.received.map((m) => m.text),
    ['via webhook'],
  );
});
