/**
 * End to end, who may talk on Discord: an `allowFrom` list admits user ids and @usernames and
 * ignores everyone else (logged `sender ignored`); without `allowFrom`, an unknown sender gets a
 * pairing code in the DM, the admin API lists and approves it, and the next message is answered.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { snowflake } from '../../fakes/discord-server.js';
import { adminCall, eventually } from '../test-context.js';
import { startDiscordRig, type DiscordRig } from './e2e-setup.js';

const ada = { id: snowflake(), username: 'ada' };
const sam = { id: snowflake(), username: 'sam' };
const mallory = { id: snowflake(), username: 'mallory' };

describe('allowFrom list', () => {
  let rig: DiscordRig;
  before(async () => {
    rig = await startDiscordRig(`  allowFrom: ["@ada", "${sam.id}"]\n`);
  });
  after(async () => {
    await rig?.close();
  });

  test('listed senders (by @username and by id) are answered', async () => {
    rig.fake.userMessage({ author: ada, content: 'by username', where: 'dm' });
    rig.fake.userMessage({ author: sam, content: 'by id', where: 'dm' });
    await eventually(
      () => rig.answers(rig.fake.dmChannelId(ada.id)).some((t) => t.includes('You said: by username')),
      'the answer to @ada',
    );
    await eventually(
      () => rig.answers(rig.fake.dmChannelId(sam.id)).some((t) => t.includes('You said: by id')),
      'the answer to sam',
    );
  });

  test('a sender not in the list is ignored and logged, also when mentioning the bot in a guild', async () => {
    const asked = rig.model.requests.length;
    rig.fake.userMessage({ author: mallory, content: 'let me in', where: 'dm' });
    rig.fake.userMessage({ author: mallory, content: 'hey bot', where: 'guild', mentionBot: true });
    await eventually(
      () => rig.hearth.logs.filter((l) => l.msg === 'sender ignored' && l.senderId === mallory.id).length === 2,
      'two ignored messages',
    );
    const line = rig.hearth.logs.find((l) => l.msg === 'sender ignored')!;
    assert.equal(line.channel, 'discord');
    rig.fake.userMessage({ author: ada, content: 'after mallory', where: 'dm' });
    await eventually(
      () => rig.answers(rig.fake.dmChannelId(ada.id)).some((t) => t.includes('after mallory')),
      'the next answer',
    );
    assert.deepEqual(rig.answers(rig.fake.dmChannelId(mallory.id)), []);
    assert.deepEqual(rig.answers(rig.fake.textChannel.id), []);
    assert.equal(rig.model.requests.length, asked + 1);
  });
});

describe('pairing (no allowFrom)', () => {
  let rig: DiscordRig;
  before(async () => {
    rig = await startDiscordRig('');
  });
  after(async () => {
    await rig?.close();
  });

  test('an unknown sender gets a code; the admin approves it; the next message is answered', async () => {
    const dm = rig.fake.dmChannelId(ada.id);
    rig.fake.userMessage({ author: ada, content: 'hello?', where: 'dm' });
    await eventually(
      () => rig.answers(dm).some((t) => /approve pairing code [A-Z0-9]+\./.test(t)),
      'the pairing message',
    );
    const code = /approve pairing code ([A-Z0-9]+)\./.exec(rig.answers(dm)[0])![1];
    assert.equal(rig.model.requests.length, 0, 'the model is not asked before approval');

    const listed = await adminCall(rig.hearth, 'GET', '/admin/pairings');
    assert.equal(listed.status, 200);
    const pending = listed.body.pending.find((p: { code: string }) => p.code === code);
    assert.deepEqual(
      { channel: pending.channel, senderId: pending.senderId, chatId: pending.chatId },
      { channel: 'discord', senderId: ada.id, chatId: dm },
    );

    const approved = await adminCall(rig.hearth, 'POST', `/admin/pairings/${code}/approve`);
    assert.equal(approved.status, 200);
    assert.deepEqual(approved.body, { approved: { channel: 'discord', senderId: ada.id } });

    rig.fake.userMessage({ author: ada, content: 'paired now', where: 'dm' });
    await eventually(
      () => rig.answers(dm).some((t) => t.includes('You said: paired now')),
      'the model answer after approval',
    );
  });
});
