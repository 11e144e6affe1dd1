/**
 * End to end, Telegram misbehaving: flood control (429 with retry_after) is waited out and the
 * reply still lands; malformed updates are logged and skipped while the next good one is answered;
 * a dropped long poll and a failing Bot API put the channel in `backing-off` (visible in /readyz)
 * until it recovers and answers again.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eventually } from '../test-context.js';
import { privateChat, startTelegramRig, type TelegramRig } from './e2e-setup.js';

let rig: TelegramRig;

before(async () => {
  rig = await startTelegramRig('  allowFrom: ["*"]\n');
  await rig.hearth.waitForLog((l) => l.msg === 'channel telegram ready');
});

after(async () => {
  await rig?.close();
});

async function telegramState(): Promise<{ httpStatus: number; state: string; reason?: string }> {
  const res = await fetch(`${rig.hearth.baseUrl}/readyz`);
  const body = (await res.json()) as { channels: Record<string, { state: string; reason?: string }> };
  return { httpStatus: res.status, ...body.channels.telegram };
}

test('429 on sendMessage: Hearth waits retry_after, then the reply lands', async () => {
  const from = rig.fake.calls.length;
  rig.fake.failNext('sendMessage', {
    error_code: 429,
    description: 'Too Many Requests: retry after 1',
    parameters: { retry_after: 1 },
  });
  rig.fake.userMessage({ ...privateChat(901, 'Ada'), text: 'flood me' });
  await eventually(() => rig.shown(901).some((t) => t.includes('You said: flood me')), 'the answer after the wait');
  const sends = rig.fake.calls.slice(from).filter((c) => c.method === 'sendMessage' && c.params.chat_id === '901');
  assert.ok(sends.length >= 2, 'the refused call was repeated');
  assert.ok(sends[1].at - sends[0].at >= 950, `waited ${sends[1].at - sends[0].at} ms, retry_after asked for 1 s`);
  const line = await rig.hearth.waitForLog((l) => l.msg === 'telegram flood control: waiting retry_after');
  assert.equal(line.retryAfter, 1);
});

test('malformed updates are logged and skipped; the next good update is answered', async () => {
  const chat = privateChat(902, 'Bo');
  rig.fake.pushUpdate({
    message: { chat: chat.chat, from: { ...chat.from, is_bot: false }, date: 1, text: 'no message_id' },
  });
  rig.fake.pushUpdate({ message: { message_id: 1, date: 1, text: 'no chat' } });
  rig.fake.pushUpdate({ edited_message: 'not an object' });
  rig.fake.pushUpdate({ message: { message_id: 2, chat: chat.chat, date: 1, text: 'no sender' } });
  rig.fake.userMessage({ ...chat, text: 'a good one' });
  await eventually(
    () => rig.shown(902).some((t) => t.includes('You said: a good one')),
    'the answer to the good update',
  );
  const skipped = rig.hearth.logs.filter((l) => l.msg === 'telegram update skipped').map((l) => String(l.reason));
  assert.ok(
    skipped.some((r) => /message_id missing/.test(r)),
    skipped.join('; '),
  );
  assert.ok(
    skipped.some((r) => /chat\.id missing/.test(r)),
    skipped.join('; '),
  );
  assert.ok(
    skipped.some((r) => /sender missing/.test(r)),
    skipped.join('; '),
  );
  assert.ok(skipped.length >= 4, skipped.join('; '));
  assert.equal(rig.shown(902).length, 1, 'only the good update was answered');
  assert.equal(rig.hearth.proc.exitCode, null);
});

test('a dropped connection and 5xx answers: backing-off in /readyz, then polling resumes and answers', async () => {
  rig.fake.failNext('getUpdates', { error_code: 502, description: 'Bad Gateway' }, 1000);
  rig.fake.dropConnections();
  await eventually(async () => (await telegramState()).state === 'backing-off', 'telegram backing-off in /readyz');
  const down = await telegramState();
  assert.equal(down.httpStatus, 200, 'a channel backing off does not make Hearth unready');
  await eventually(async () => /502 Bad Gateway/.test((await telegramState()).reason ?? ''), 'the 5xx as the reason');
  const failedPolls = rig.fake.calls.filter((c) => c.method === 'getUpdates').length;
  await eventually(() => rig.fake.calls.filter((c) => c.method === 'getUpdates').length >= failedPolls + 2, 'retries');

  // Sent while the API is failing: Telegram keeps it until the bot polls successfully.
  rig.fake.userMessage({ ...privateChat(903, 'Cy'), text: 'while you were away' });
  rig.fake.clearFailures('getUpdates');
  await eventually(
    () => rig.shown(903).some((t) => t.includes('You said: while you were away')),
    'the answer after recovery',
  );
  assert.equal((await telegramState()).state, 'ready');
  assert.ok(rig.hearth.logs.some((l) => l.msg === 'channel telegram backing-off'));
});
