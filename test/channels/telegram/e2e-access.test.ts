/**
 * End to end, who may talk on Telegram: an `allowFrom` list admits ids and @usernames and ignores
 * everyone else (logged `sender ignored`); without `allowFrom`, an unknown sender gets a pairing
 * code, the admin API lists and approves it, and the next message is answered by the model.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { adminCall, eventually } from '../test-context.js';
import { privateChat, startTelegramRig, type TelegramRig } from './e2e-setup.js';

describe('allowFrom list', () => {
  let rig: TelegramRig;
  before(async () => {
    // 777 is a number in YAML: normalized to the string "777".
    rig = await startTelegramRig('  allowFrom: ["@ada", 777]\n');
  });
  after(async () => {
    await rig?.close();
  });

  test('listed senders (by @username and by id) are answered', async () => {
    rig.fake.userMessage({ ...privateChat(601, 'Ada', 'ada'), text: 'by username' });
    rig.fake.userMessage({ ...privateChat(777, 'Sam'), text: 'by id' });
    await eventually(() => rig.shown(601).some((t) => t.includes('You said: by username')), 'the answer to @ada');
    await eventually(() => rig.shown(777).some((t) => t.includes('You said: by id')), 'the answer to 777');
  });

  test('a sender not in the list is ignored and logged, and the model is never called for it', async () => {
    const asked = rig.model.requests.length;
    rig.fake.userMessage({ ...privateChat(666, 'Mallory', 'mallory'), text: 'let me in' });
    const line = await rig.hearth.waitForLog((l) => l.msg === 'sender ignored' && l.senderId === '666');
    assert.equal(line.channel, 'telegram');
    assert.equal(line.reason, 'sender not in allowFrom');
    // A listed sender's later message is answered, so the ignored one had its chance to be too.
    rig.fake.userMessage({ ...privateChat(601, 'Ada', 'ada'), text: 'after mallory' });
    await eventually(() => rig.shown(601).some((t) => t.includes('after mallory')), 'the next answer');
    assert.deepEqual(rig.shown(666), [], 'no reply to the stranger');
    assert.equal(rig.model.requests.length, asked + 1);
  });
});

describe('pairing (no allowFrom)', () => {
  let rig: TelegramRig;
  before(async () => {
    rig = await startTelegramRig('');
  });
  after(async () => {
    await rig?.close();
  });

  test('an unknown sender gets a code; the admin approves it; the next message is answered', async () => {
    const bo = privateChat(701, 'Bo', 'bo');
    rig.fake.userMessage({ ...bo, text: 'hello?' });
    await eventually(
      () => rig.shown(701).some((t) => /approve pairing code [A-Z0-9]+\./.test(t)),
      'the pairing message',
    );
    const code = /approve pairing code ([A-Z0-9]+)\./.exec(rig.shown(701)[0])![1];
    assert.equal(rig.model.requests.length, 0, 'the model is not asked before approval');

    // Asking again before approval repeats the same code.
    rig.fake.userMessage({ ...bo, text: 'still there?' });
    await eventually(() => rig.shown(701).length === 2, 'the second pairing message');
    assert.ok(rig.shown(701)[1].includes(code));

    const unauthorized = await fetch(`${rig.hearth.baseUrl}/admin/pairings`);
    assert.equal(unauthorized.status, 401);
    const listed = await adminCall(rig.hearth, 'GET', '/admin/pairings');
    assert.equal(listed.status, 200);
    const pending = listed.body.pending.find((p: { code: string }) => p.code === code);
    assert.deepEqual(
      { channel: pending.channel, senderId: pending.senderId, chatId: pending.chatId },
      { channel: 'telegram', senderId: '701', chatId: '701' },
    );

    const approved = await adminCall(rig.hearth, 'POST', `/admin/pairings/${code}/approve`);
    assert.equal(approved.status, 200);
    assert.deepEqual(approved.body, { approved: { channel: 'telegram', senderId: '701' } });
    assert.equal(
      (await adminCall(rig.hearth, 'POST', `/admin/pairings/${code}/approve`)).status,
      404,
      'a code works once',
    );

    rig.fake.userMessage({ ...bo, text: 'paired now' });
    await eventually(
      () => rig.shown(701).some((t) => t.includes('You said: paired now')),
      'the model answer after approval',
    );
    const after = await adminCall(rig.hearth, 'GET', '/admin/pairings');
    assert.ok(!after.body.pending.some((p: { code: string }) => p.code === code));
  });
});
