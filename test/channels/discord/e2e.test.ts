/**
 * End to end: the real `hearth start` process with the Discord channel pointed at the fake
 * Gateway/REST and the fake model. Needs `npx tsc -p tsconfig.json` (into dist/) first.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startHearth, type HearthProcess } from '../../harness.js';
import { startOpenAIFake } from '../../fakes/openai-server.js';
import { snowflake, startDiscordFake, type DiscordFake } from '../../fakes/discord-server.js';

let fake: DiscordFake;
let model: Awaited<ReturnType<typeof startOpenAIFake>>;
let hearth: HearthProcess;
const ada = { id: snowflake(), username: 'ada' };

before(async () => {
  fake = await startDiscordFake();
  model = await startOpenAIFake();
  hearth = await startHearth({
    env: { MODEL_ENDPOINT: model.baseUrl },
    channels: `discord:\n  token: ${fake.token}\n  apiBase: ${fake.baseUrl}\n  allowFrom: ["*"]\n  guildWaitMs: 2000\n  streamEditIntervalMs: 100\n`,
  });
  await hearth.waitForLog((l) => l.msg === 'channel discord ready', 10_000);
});

after(async () => {
  await hearth?.stop();
  await fake?.close();
  await model?.close();
});

async function until(probe: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const answers = (channelId: string) => [...fake.botMessages.values()].filter((m) => m.channel_id === channelId).map((m) => String(m.content));

test('a DM is answered by the model in the DM channel', async () => {
  fake.userMessage({ author: ada, content: 'ping discord', where: 'dm' });
  await until(() => answers(fake.dmChannelId(ada.id)).some((t) => t.includes('You said: ping discord')), 'the DM answer');
});

test('in a guild channel, only a mention is answered; after a Gateway drop the session resumes', async () => {
  fake.userMessage({ author: ada, content: 'not for the bot', where: 'guild' });
  fake.userMessage({ author: ada, content: 'for the bot', where: 'guild', mentionBot: true });
  await until(() => answers(fake.textChannel.id).some((t) => t.includes('for the bot')), 'the mention answer');
  assert.ok(!answers(fake.textChannel.id).some((t) => t.includes('not for the bot')));
  fake.dropGateway();
  fake.userMessage({ author: ada, content: 'after the drop', where: 'dm' });
  await until(() => answers(fake.dmChannelId(ada.id)).some((t) => t.includes('after the drop')), 'the answer after resume');
  assert.ok(fake.resumes >= 1);
});
