/**
 * End to end, Discord misbehaving: a 429 on message create is waited out (discord.js's rate-limit
 * handling) and the reply still lands; malformed dispatches are skipped without taking Hearth
 * down, and the next good message is answered.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { snowflake } from '../../fakes/discord-server.js';
import { eventually } from '../test-context.js';
import { startDiscordRig, type DiscordRig } from './e2e-setup.js';

let rig: DiscordRig;
const ada = { id: snowflake(), username: 'ada' };

before(async () => {
  rig = await startDiscordRig('  allowFrom: ["*"]\n');
});

after(async () => {
  await rig?.close();
});

test('429 on message create: Hearth waits retry_after, then the reply lands', async () => {
  const from = rig.fake.calls.length;
  rig.fake.rateLimitNext(/^POST \/channels\/\d+\/messages$/, 1);
  rig.fake.userMessage({ author: ada, content: 'flood me', where: 'dm' });
  const dm = rig.fake.dmChannelId(ada.id);
  await eventually(() => rig.answers(dm).some((t) => t.includes('You said: flood me')), 'the answer after the wait');
  const posts = rig.fake.calls.slice(from).filter((c) => c.method === 'POST' && c.path === `/channels/${dm}/messages`);
  assert.ok(posts.length >= 2, 'the refused call was repeated');
  assert.ok(posts[1].at - posts[0].at >= 950, `waited ${posts[1].at - posts[0].at} ms, retry_after asked for 1 s`);
});

test('malformed dispatches are skipped; Hearth stays up and answers the next message', async () => {
  const { fake } = rig;
  const dm = fake.dmChannelId(ada.id);
  const base = {
    channel_id: dm,
    channel_type: 1,
    content: 'x',
    timestamp: new Date().toISOString(),
    edited_timestamp: null,
    tts: false,
    mention_everyone: false,
    mentions: [],
    mention_roles: [],
    attachments: [],
    embeds: [],
    pinned: false,
    type: 0,
  };
  fake.dispatch('MESSAGE_CREATE', {
    ...base,
    id: snowflake(),
    content: '',
    author: { id: ada.id, username: 'ada', discriminator: '0', global_name: null, avatar: null },
  });
  fake.dispatch('MESSAGE_CREATE', { ...base, id: snowflake() }); // no author
  fake.dispatch('MESSAGE_CREATE', null);
  fake.dispatch('MESSAGE_CREATE', {
    ...base,
    id: snowflake(),
    author: { id: ada.id, username: 'ada' },
    attachments: 'not a list',
  });
  fake.dispatch('SOMETHING_NEW', { what: 'an event type this client does not know' });
  fake.userMessage({ author: ada, content: 'still alive', where: 'dm' });
  await eventually(
    () => rig.answers(dm).some((t) => t.includes('You said: still alive')),
    'the answer to the good message',
  );
  assert.equal(rig.hearth.proc.exitCode, null);
  const skippedBecause = (pattern: RegExp) =>
    rig.hearth.waitForLog(
      (l) =>
        (l.msg === 'discord message skipped' || l.msg === 'discord dispatch skipped') && pattern.test(String(l.reason)),
    );
  for (const reason of [/no content/, /author missing/, /data is not an object/, /attachments is not an array/])
    await skippedBecause(reason);
  assert.ok(
    !rig.hearth.logs.some((l) => l.msg === 'unhandled rejection' || l.msg === 'uncaught exception'),
    'nothing escaped to the process',
  );
  assert.ok(!rig.answers(dm).some((t) => t === 'You said: x'));
});
