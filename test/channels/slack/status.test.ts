/** Connection states: backoff while Slack is unreachable, failed on a revoked token. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { createChannel } from '../../../src/channels/slack/index.js';
import { slackConfigSchema } from '../../../src/channels/slack/config.js';
import { startSlackFake } from '../../fakes/slack-server.js';
import { memoryContext } from './memory-context.js';

async function waitFor(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

test('an unreachable Slack means backing-off with a reason, then ready once it is up', async () => {
  const ctx = memoryContext();
  const port = await freePort();
  const channel = createChannel(
    slackConfigSchema.parse({
      mode: 'socket',
      botToken: 'xoxb-test-bot-token',
      appToken: 'xapp-test-app-token',
      apiUrl: `http://127.0.0.1:${port}/api/`,
      reconnect: { initialDelayMs: 30, maxDelayMs: 60 },
    }),
    { log: ctx.log, dataDir: '/nonexistent' },
  );
  await channel.start(ctx);
  await waitFor(() => channel.status().state === 'backing-off', 'backing-off', 8000);
  assert.ok(channel.status().reason);
  await ctx.waitForLog((l) => l.msg === 'slack: connect failed; retrying');
  await channel.stop();
  assert.equal(channel.status().state, 'stopped');
});

test('a revoked bot token means failed, with no retry loop', async () => {
  const fake = await startSlackFake();
  fake.revokeBotToken();
  const ctx = memoryContext();
  const channel = createChannel(
    slackConfigSchema.parse({
      mode: 'socket',
      botToken: 'xoxb-test-bot-token',
      appToken: 'xapp-test-app-token',
      apiUrl: fake.apiUrl,
      reconnect: { initialDelayMs: 30, maxDelayMs: 60 },
    }),
    { log: ctx.log, dataDir: '/nonexistent' },
  );
  await channel.start(ctx);
  await waitFor(() => channel.status().state === 'failed', 'failed');
  assert.equal(channel.status().reason, 'invalid_auth');
  assert.ok(!JSON.stringify(ctx.logs).includes('xoxb-test-bot-token'), 'token never logged');
  await channel.stop();
  await fake.close();
});

test('config: socket mode needs appToken, events mode needs signingSecret', () => {
  assert.throws(() => slackConfigSchema.parse({ mode: 'socket', botToken: 'x' }), /appToken/);
  assert.throws(() => slackConfigSchema.parse({ mode: 'events', botToken: 'x' }), /signingSecret/);
  assert.throws(() => slackConfigSchema.parse({ mode: 'events', botToken: 'x', signingSecret: 's', extra: 1 }));
  assert.equal(
    slackConfigSchema.parse({ mode: 'events', botToken: 'x', signingSecret: 's' }).apiUrl,
    'https://slack.com/api/',
  );
});
