/**
 * End to end: the real `hearth start` process with the Telegram channel pointed at the fake Bot
 * API and the fake model. Needs `npx tsc -p tsconfig.json` (into dist/) first.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startHearth, type HearthProcess } from '../../harness.js';
import { startOpenAIFake } from '../../fakes/openai-server.js';
import { startTelegramFake, type TelegramFake } from '../../fakes/telegram-api.js';

let fake: TelegramFake;
let model: Awaited<ReturnType<typeof startOpenAIFake>>;
let hearth: HearthProcess;

before(async () => {
  fake = await startTelegramFake();
  model = await startOpenAIFake();
  hearth = await startHearth({
    env: { MODEL_ENDPOINT: model.baseUrl },
    channels: `telegram:\n  token: ${fake.token}\n  apiRoot: ${fake.baseUrl}\n  allowFrom: ["*"]\n  pollTimeoutSeconds: 1\n  streamEditIntervalMs: 100\n`,
  });
});

after(async () => {
  await hearth?.stop();
  await fake?.close();
  await model?.close();
});

function shown(chatId: number): string[] {
  return [...fake.botMessages.values()].filter((m) => m.chat.id === chatId).map((m) => m.text ?? '');
}

async function until(probe: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('a private message is answered by the model in the same chat', async () => {
  fake.userMessage({ chat: { id: 501, type: 'private', first_name: 'Ada' }, from: { id: 501, first_name: 'Ada' }, text: 'ping e2e' });
  await until(() => shown(501).some((t) => t.includes('You said: ping e2e')), 'the answer in chat 501');
});

test('in a group, only a message that mentions the bot is answered', async () => {
  const group = { id: -100501, type: 'supergroup' as const, title: 'Team' };
  const from = { id: 502, first_name: 'Bo' };
  fake.userMessage({ chat: group, from, text: 'just chatting' });
  const handle = `@${fake.bot.username}`;
  fake.userMessage({ chat: group, from, text: `${handle} answer me`, extra: { entities: [{ type: 'mention', offset: 0, length: handle.length }] } });
  await until(() => shown(group.id).some((t) => t.includes('answer me')), 'the answer to the mention');
  assert.ok(!shown(group.id).some((t) => t.includes('just chatting')), 'unmentioned group message ignored');
});
