/**
 * End to end: the real `hearth start` process with the Discord channel pointed at the fake
 * Gateway/REST and the fake model. A DM and a guild mention are answered in the right channel;
 * the Gateway drops and the session resumes; a refused resume (INVALID_SESSION) re-identifies.
 * Needs `npx tsc -p tsconfig.json` (into dist/) first.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { snowflake } from '../../fakes/discord-server.js';
import { eventually } from '../test-context.js';
import { startDiscordRig, type DiscordRig } from './e2e-setup.js';
import type { Json } from '../../json.js';

let rig: DiscordRig;
const ada = { id: snowflake(), username: 'ada' };

before(async () => {
  rig = await startDiscordRig('  allowFrom: ["*"]\n');
});

after(async () => {
  await rig?.close();
});

test('a DM is answered by the model in the DM channel', async () => {
  rig.fake.userMessage({ author: ada, content: 'ping discord', where: 'dm' });
  await eventually(
    () => rig.answers(rig.fake.dmChannelId(ada.id)).some((t) => t.includes('You said: ping discord')),
    'the DM answer',
  );
  assert.deepEqual(rig.answers(rig.fake.textChannel.id), [], 'nothing lands in the guild channel');
});

test('in a guild channel, only a mention is answered', async () => {
  const { fake } = rig;
  fake.userMessage({ author: ada, content: 'not for the bot', where: 'guild' });
  fake.userMessage({ author: ada, content: 'for the bot', where: 'guild', mentionBot: true });
  await eventually(() => rig.answers(fake.textChannel.id).some((t) => t.includes('for the bot')), 'the mention answer');
  assert.ok(!rig.answers(fake.textChannel.id).some((t) => t.includes('not for the bot')));
});

test('after a Gateway drop the session resumes, and a message sent meanwhile is answered', async () => {
  const { fake } = rig;
  fake.dropGateway();
  fake.userMessage({ author: ada, content: 'after the drop', where: 'dm' });
  await eventually(
    () => rig.answers(fake.dmChannelId(ada.id)).some((t) => t.includes('after the drop')),
    'the answer after resume',
  );
  assert.ok(fake.resumes >= 1);
  assert.equal(fake.identifies, 1, 'resumed, not re-identified');
});

test('a refused resume (INVALID_SESSION) makes Hearth identify again and keep answering', async () => {
  const { fake } = rig;
  fake.invalidateSessions();
  await eventually(() => fake.identifies === 2, 'a second IDENTIFY');
  assert.ok(
    fake.gatewayLog.some((e) => e.dir === 'out' && e.op === 9),
    'INVALID_SESSION was sent',
  );
  await eventually(
    async () =>
      ((await (await fetch(`${rig.hearth.baseUrl}/readyz`)).json()) as Json).channels.discord.state === 'ready',
    'ready again',
  );
  fake.userMessage({ author: ada, content: 'new session', where: 'dm' });
  await eventually(
    () => rig.answers(fake.dmChannelId(ada.id)).some((t) => t.includes('You said: new session')),
    'the answer in the new session',
  );
});
