/**
 * End to end: the real `hearth start` process with the Telegram channel pointed at the fake Bot
 * API and the fake model. A user message arrives, the model answers, the reply lands in the right
 * chat; the group mention rule holds. Needs `npx tsc -p tsconfig.json` (into dist/) first.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eventually } from '../test-context.js';
import { privateChat, startTelegramRig, type TelegramRig } from './e2e-setup.js';

let rig: TelegramRig;

before(async () => {
  rig = await startTelegramRig('  allowFrom: ["*"]\n');
});

after(async () => {
  await rig?.close();
});

test('a private message is answered by the model in the same chat', async () => {
  rig.fake.userMessage({ ...privateChat(501, 'Ada'), text: 'ping e2e' });
  await eventually(() => rig.shown(501).some((t) => t.includes('You said: ping e2e')), 'the answer in chat 501');
  assert.deepEqual(rig.shown(502), [], 'nothing lands in another chat');
});

test('allowFrom "*" admits any sender, never seen before', async () => {
  const stranger = privateChat(90_001, 'Zed');
  rig.fake.userMessage({ ...stranger, text: 'hi from a stranger' });
  await eventually(
    () => rig.shown(90_001).some((t) => t.includes('You said: hi from a stranger')),
    'the answer to the stranger',
  );
  assert.ok(!rig.hearth.logs.some((l) => l.msg === 'pairing code issued' || l.msg === 'sender ignored'));
});

test('in a group, only a message that mentions the bot is answered', async () => {
  const { fake } = rig;
  const group = { id: -100501, type: 'supergroup' as const, title: 'Team' };
  const from = { id: 502, first_name: 'Bo' };
  fake.userMessage({ chat: group, from, text: 'just chatting' });
  const handle = `@${fake.bot.username}`;
  fake.userMessage({
    chat: group,
    from,
    text: `${handle} answer me`,
    extra: { entities: [{ type: 'mention', offset: 0, length: handle.length }] },
  });
  await eventually(() => rig.shown(group.id).some((t) => t.includes('answer me')), 'the answer to the mention');
  assert.ok(!rig.shown(group.id).some((t) => t.includes('just chatting')), 'unmentioned group message ignored');
});
