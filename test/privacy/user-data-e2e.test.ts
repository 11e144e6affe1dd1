/**
 * End to end, per-user export and deletion (`GET /admin/users/:id/export`, `DELETE /admin/users/:id`)
 * on the real `hearth start` process with Telegram (the fake Bot API) and the fake model: a person's
 * turns in a group and in their DM, the photo they sent (blob), the note the assistant saved for
 * them, their reminder, their usage, their approved-sender entry and a pending pairing code are all in the export
 * and all gone after deletion, while the other group member's turns stay; both are audited.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Chat } from 'grammy/types';
import type { Json } from '../json.js';
import { adminCall, eventually, lastUserTurn } from '../channels/test-context.js';
import { privateChat, startTelegramRig, type TelegramRig } from '../channels/telegram/e2e-setup.js';

let rig: TelegramRig;
const ada = privateChat(901, 'Ada', 'ada');
const bob = privateChat(902, 'Bob', 'bob');
const cyd = privateChat(903, 'Cyd', 'cyd');
const group: Chat = { id: -300, type: 'group', title: 'Team' };
/** The blob key of Ada's photo, as the export names it. */
let photoKey = '';

/** The last message of a model request, when it is the user's. */
function lastUserText(body: Json): string {
  const messages: Json[] = Array.isArray(body?.messages) ? body.messages : [];
  const last = messages[messages.length - 1];
  return last?.role === 'user' && typeof last.content === 'string' ? last.content : '';
}

/** Pairs a user through the admin API, as the owner would. */
async function pair(user: ReturnType<typeof privateChat>): Promise<void> {
  rig.fake.userMessage({ ...user, text: 'hello?' });
  await eventually(() => rig.shown(user.chat.id).some((t) => /pairing code [A-Z0-9]+\./.test(t)), 'a pairing code');
  const code = /pairing code ([A-Z0-9]+)\./.exec(rig.shown(user.chat.id).at(-1)!)![1];
  assert.equal((await adminCall(rig.hearth, 'POST', `/admin/pairings/${code}/approve`)).status, 200);
}

before(async () => {
  rig = await startTelegramRig('  requireMention: false\n');
  // "remember …" makes the model save a note for the sender; everything else is echoed.
  rig.model.setReply((body) => {
    const text = lastUserText(body);
    if (/remind me to (.+)/.test(text))
      return {
        toolCalls: [
          {
            name: 'reminder_set',
            arguments: JSON.stringify({ text: /remind me to (.+)/.exec(text)![1], in_minutes: 600 }),
          },
        ],
      };
    return /remember (.+)/.test(text)
      ? { toolCalls: [{ name: 'note_save', arguments: JSON.stringify({ text: /remember (.+)/.exec(text)![1] }) }] }
      : { text: `You said: ${lastUserTurn(body).text}` };
  });
  await pair(ada);
  await pair(bob);
  rig.fake.userMessage({ ...cyd, text: 'let me in' }); // Cyd stays pending
  await eventually(() => rig.shown(cyd.chat.id).length === 1, "Cyd's pairing code");

  const photo = rig.fake.addFile(Buffer.from('ada photo bytes'), 'photos/ada.jpg');
  rig.fake.userMessage({
    chat: group,
    from: ada.from,
    extra: { photo: [{ ...photo, width: 10, height: 10 }], caption: 'ada in the group' },
  });
  await eventually(() => rig.shown(-300).some((t) => t.includes('ada in the group')), "the answer to Ada's photo");
  rig.fake.userMessage({ chat: group, from: bob.from, text: 'bob in the group' });
  await eventually(() => rig.shown(-300).some((t) => t.includes('bob in the group')), 'the answer to Bob');
  rig.fake.userMessage({ ...ada, text: 'please remember ada-secret-note' });
  await eventually(() => rig.model.requests.some((r) => JSON.stringify(r.body).includes('Saved note')), 'the note');
  await eventually(
    () => rig.shown(901).some((t) => t.includes('You said: please remember')),
    'the answer after the note',
  );
  for (const [who, task] of [
    [ada, 'water the ada-plants'],
    [bob, 'call the bob-office'],
  ] as const) {
    const asked = rig.model.requests.length;
    rig.fake.userMessage({ ...who, text: `remind me to ${task}` });
    await eventually(
      () => rig.model.requests.slice(asked).some((r) => JSON.stringify(r.body).includes('"role":"tool"')),
      `${who.from.first_name}'s reminder`,
    );
  }
});

after(async () => {
  await rig?.close();
});

test("the export holds everything about the person, and none of the other group member's words", async () => {
  const res = await adminCall(rig.hearth, 'GET', '/admin/users/901/export');
  assert.equal(res.status, 200);
  const dump = res.body;
  assert.equal(dump.userId, '901');
  assert.deepEqual(dump.conversations.map((c: Json) => c.id).sort(), ['telegram:-300', 'telegram:901']);
  const texts = dump.messages.map((m: Json) => String(m.content));
  assert.ok(
    texts.some((t: string) => t.includes('ada in the group')),
    'her group turn',
  );
  assert.ok(
    texts.some((t: string) => t.includes('ada-secret-note')),
    'her DM turn',
  );
  assert.ok(!texts.some((t: string) => t.includes('bob in the group')), "not Bob's turn");
  assert.ok(!texts.some((t: string) => t.includes('You said: bob')), 'not the reply to Bob');
  assert.deepEqual(
    dump.blobs.map((b: Json) => Buffer.from(b.base64, 'base64').toString()),
    ['ada photo bytes'],
  );
  photoKey = dump.blobs[0].key;
  assert.ok(existsSync(join(rig.hearth.dataDir, 'blobs', photoKey)), 'the photo is stored before deletion');
  assert.deepEqual(
    dump.notes.map((n: Json) => n.text),
    ['ada-secret-note'],
  );
  assert.deepEqual(
    dump.reminders.map((r: Json) => r.text),
    ['water the ada-plants'],
    "her reminder, not Bob's",
  );
  assert.ok(dump.usage.length >= 2, 'her usage rows');
  assert.ok(dump.usage.every((u: Json) => u.userId === '901'));
  assert.deepEqual(
    dump.approvedSenders.map((a: Json) => [a.channel, a.senderId]),
    [['telegram', '901']],
  );

  const audit = await adminCall(rig.hearth, 'GET', '/admin/audit?action=user.export');
  const row = audit.body.rows.find((r: Json) => r.target === '901');
  assert.ok(row, 'the export is audited');
  assert.equal(row.actor, 'api-token');
  assert.equal(row.result, 'ok');
});

test('deletion removes all of it, keeps the other member and the group, and is audited', async () => {
  const res = await adminCall(rig.hearth, 'DELETE', '/admin/users/901');
  assert.equal(res.status, 200);
  assert.equal(res.body.deletedConversations, 1, 'her DM went whole; the group stays');
  assert.equal(res.body.deleted.blobs, 1);
  assert.equal(res.body.deleted.notes, 1);
  assert.equal(res.body.deleted.reminders, 1);
  assert.equal(res.body.deleted.approvedSenders, 1);
  assert.ok(res.body.deleted.messages >= 2, 'her group turn and the reply to it');

  const dump = (await adminCall(rig.hearth, 'GET', '/admin/users/901/export')).body;
  assert.deepEqual(
    [dump.conversations, dump.messages, dump.blobs, dump.notes, dump.reminders, dump.usage, dump.approvedSenders],
    [[], [], [], [], [], [], []],
  );
  assert.equal(existsSync(join(rig.hearth.dataDir, 'blobs', photoKey)), false, 'the photo file is gone');

  const bobs = (await adminCall(rig.hearth, 'GET', '/admin/users/902/export')).body;
  const texts = bobs.messages.map((m: Json) => String(m.content));
  assert.ok(
    texts.some((t: string) => t.includes('bob in the group')),
    "Bob's group turn stays",
  );
  assert.ok(bobs.conversations.some((c: Json) => c.id === 'telegram:-300' && c.userId === '902'));
  assert.deepEqual(
    bobs.reminders.map((r: Json) => r.text),
    ['call the bob-office'],
    "Bob's reminder stays",
  );

  const audit = await adminCall(rig.hearth, 'GET', '/admin/audit?action=user.delete');
  const row = audit.body.rows.find((r: Json) => r.target === '901');
  assert.ok(row, 'the deletion is audited with what went');
  assert.equal(row.detail.notes, 1);

  // No longer approved: her next message gets a pairing code instead of an answer.
  const shown = rig.shown(901).length;
  rig.fake.userMessage({ ...ada, text: 'am I still known?' });
  await eventually(() => rig.shown(901).length > shown, 'a reply');
  assert.match(rig.shown(901).at(-1)!, /pairing code/);
});

test("a pending pairing code is part of the person's data and goes with them", async () => {
  const before = (await adminCall(rig.hearth, 'GET', '/admin/users/903/export')).body;
  assert.deepEqual(
    before.pendingPairings.map((p: Json) => p.senderId),
    ['903'],
  );
  const res = await adminCall(rig.hearth, 'DELETE', '/admin/users/903');
  assert.equal(res.body.deleted.pendingPairings, 1);
  const pending = (await adminCall(rig.hearth, 'GET', '/admin/pairings')).body.pending;
  assert.ok(!pending.some((p: Json) => p.senderId === '903'));
});
