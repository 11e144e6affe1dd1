/**
 * Approval buttons on Telegram, end to end against the real `hearth` process and the fake Bot API:
 * a sensitive call's question carries an inline keyboard (Approve / Deny) bound to the approval;
 * nothing runs before a press; Approve runs the call, Deny does not; a press by someone other than
 * the user who was asked is refused and leaves the buttons; every press is answered
 * (answerCallbackQuery) and a settled question is edited to show the decision. Long polling first,
 * then the same press in webhook mode.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Chat, Message } from 'grammy/types';
import { startOpenAIFake, type ModelFake } from '../fakes/openai-server.js';
import { startTelegramFake, type TelegramFake } from '../fakes/telegram-api.js';
import { startHearth, type HearthProcess } from '../harness.js';
import { eventually } from '../channels/test-context.js';
import { callLampOnRequest, exportedAuditRows, lampConfig, lampResults, lampRuns, lampSkillDir } from './lamp-skill.js';

const ada = { id: 1001, first_name: 'Ada' };
const bob = { id: 1002, first_name: 'Bob' };
const adaChat: Chat = { id: 1001, type: 'private', first_name: 'Ada' };
const group: Chat = { id: -100500, type: 'supergroup', title: 'Home' };

interface Rig {
  fake: TelegramFake;
  model: ModelFake;
  h: HearthProcess;
}

async function startRig(channelExtra = ''): Promise<Rig> {
  const fake = await startTelegramFake();
  const model = await startOpenAIFake();
  callLampOnRequest(model);
  const h = await startHearth({
    env: { MODEL_ENDPOINT: model.baseUrl, MODEL_NAME: 'fake-model' },
    config: lampConfig(lampSkillDir()),
    channels:
      `telegram:\n  token: ${fake.token}\n  apiRoot: ${fake.baseUrl}\n  pollTimeoutSeconds: 1\n  streamEditIntervalMs: 100\n` +
      `  reconnect: { initialDelayMs: 100, maxDelayMs: 400 }\n  allowFrom: ["*"]\n${channelExtra}`,
    keepDataDir: true,
    timeoutMs: 30_000,
  });
  return { fake, model, h };
}

/** Waits for the bot's next message in a chat (not in `seen`) that carries buttons: the question. */
async function nextQuestion(fake: TelegramFake, chatId: number, seen: Set<string>): Promise<Message> {
  let found: Message | undefined;
  await eventually(() => {
    found = [...fake.botMessages.values()].find(
      (m) => m.chat.id === chatId && !seen.has(`${chatId}:${m.message_id}`) && m.reply_markup !== undefined,
    );
    return found !== undefined;
  }, `a question with buttons in chat ${chatId}`);
  seen.add(`${chatId}:${found!.message_id}`);
  return found!;
}

/** Waits until the bot shows a message in the chat whose text matches. */
async function shows(fake: TelegramFake, chatId: number, pattern: RegExp): Promise<Message> {
  let found: Message | undefined;
  await eventually(() => {
    found = [...fake.botMessages.values()].find((m) => m.chat.id === chatId && pattern.test(m.text ?? ''));
    return found !== undefined;
  }, `a message matching ${pattern} in chat ${chatId}`);
  return found!;
}

describe('approval buttons on Telegram (long polling)', () => {
  let rig: Rig;
  const questions = new Set<string>();

  before(async () => {
    rig = await startRig();
    await rig.h.waitForLog((l) => l.msg === 'channel telegram ready');
  });
  after(async () => {
    await rig?.h.stop();
    await rig?.fake.close();
    await rig?.model.close();
  });

  it('the question carries Approve / Deny; nothing runs before the press; Approve runs the call', async () => {
    const { fake, model, h } = rig;
    fake.userMessage({ chat: adaChat, from: ada, text: 'switch the lamp in the kitchen on' });
    const question = await nextQuestion(fake, adaChat.id, questions);
    assert.match(question.text ?? '', /lamp_on/);
    assert.match(question.text ?? '', /room: "kitchen"/);
    assert.doesNotMatch(question.text ?? '', /\[\[button/, 'no button markup in the text');
    assert.deepEqual(fake.keyboardOf(adaChat.id, question.message_id), [['Approve', 'Deny']]);
    const data = question.reply_markup!.inline_keyboard[0].map((k) => ('callback_data' in k ? k.callback_data : ''));
    assert.match(data[0], /^approval:[0-9a-f-]{36}:approve$/, 'callback_data is bound to the approval');
    assert.equal(lampRuns(h.logs), 0, 'nothing runs before the press');

    const { query } = fake.pressButton({
      chatId: adaChat.id,
      messageId: question.message_id,
      from: ada,
      button: 'Approve',
    });
    await shows(fake, adaChat.id, /^Tool said: lamp in the kitchen is on$/);
    assert.equal(lampRuns(h.logs), 1);
    assert.deepEqual(lampResults(model), ['lamp in the kitchen is on']);
    await eventually(() => fake.callbackAnswers.has(query.id), 'the press is answered');
    assert.match(fake.callbackAnswers.get(query.id)!.text ?? '', /Approved/);
    await eventually(() => fake.keyboardOf(adaChat.id, question.message_id) === undefined, 'the buttons go');
    const edited = fake.botMessages.get(`${adaChat.id}:${question.message_id}`)!;
    assert.match(edited.text ?? '', /lamp_on[\s\S]*✅ Approved by Ada$/, 'the question shows the decision');
    assert.ok(
      !model.requests.some((r) =>
        (r.body.messages as Array<{ content: string }>).some((m) => /approval:|Approve/.test(String(m.content))),
      ),
      'the press never reaches the model as a turn',
    );
  });

  it('Deny: the call is not run, and the question says so', async () => {
    const { fake, h } = rig;
    fake.userMessage({ chat: adaChat, from: ada, text: 'lamp in the cellar please' });
    const question = await nextQuestion(fake, adaChat.id, questions);
    const { query } = fake.pressButton({
      chatId: adaChat.id,
      messageId: question.message_id,
      from: ada,
      button: 'Deny',
    });
    await shows(fake, adaChat.id, /did not run lamp_on/);
    await eventually(() => fake.callbackAnswers.has(query.id), 'the press is answered');
    assert.match(fake.callbackAnswers.get(query.id)!.text ?? '', /Denied/);
    await eventually(
      () => /❌ Denied by Ada$/.test(fake.botMessages.get(`${adaChat.id}:${question.message_id}`)?.text ?? ''),
      'the question shows the denial',
    );
    assert.equal(fake.keyboardOf(adaChat.id, question.message_id), undefined);
    assert.equal(lampRuns(h.logs), 1, 'only the approved call ran');
  });

  it('in a group, a press by someone else is refused and the buttons stay for the one who asked', async () => {
    const { fake, h } = rig;
    const handle = `@${fake.bot.username}`;
    fake.userMessage({
      chat: group,
      from: ada,
      text: `${handle} lamp in the garden`,
      extra: { entities: [{ type: 'mention', offset: 0, length: handle.length }] },
    });
    const question = await nextQuestion(fake, group.id, questions);
    const pressed = fake.pressButton({
      chatId: group.id,
      messageId: question.message_id,
      from: bob,
      button: 'Approve',
    });
    await eventually(() => fake.callbackAnswers.has(pressed.query.id), "Bob's press is answered");
    assert.match(fake.callbackAnswers.get(pressed.query.id)!.text ?? '', /Only the person who asked/);
    assert.deepEqual(fake.keyboardOf(group.id, question.message_id), [['Approve', 'Deny']], 'the buttons stay');
    assert.equal(lampRuns(h.logs), 1, "Bob's press ran nothing");

    fake.pressButton({ chatId: group.id, messageId: question.message_id, from: ada, button: 'Approve' });
    await shows(fake, group.id, /^Tool said: lamp in the garden is on$/);
    assert.equal(lampRuns(h.logs), 2);
    assert.match(fake.botMessages.get(`${group.id}:${question.message_id}`)?.text ?? '', /✅ Approved by Ada$/);
  });

  it('a second press on a settled question runs nothing again', async () => {
    const { fake, h } = rig;
    fake.userMessage({ chat: adaChat, from: ada, text: 'lamp in the attic' });
    const question = await nextQuestion(fake, adaChat.id, questions);
    // Two presses in flight at once (a double tap): the first settles it, the second finds it answered.
    const first = fake.pressButton({
      chatId: adaChat.id,
      messageId: question.message_id,
      from: ada,
      button: 'Approve',
    });
    const second = fake.pressButton({
      chatId: adaChat.id,
      messageId: question.message_id,
      from: ada,
      button: 'Approve',
    });
    await shows(fake, adaChat.id, /^Tool said: lamp in the attic is on$/);
    await eventually(
      () => fake.callbackAnswers.has(first.query.id) && fake.callbackAnswers.has(second.query.id),
      'both presses answered',
    );
    assert.match(fake.callbackAnswers.get(second.query.id)!.text ?? '', /no longer waiting/);
    assert.equal(lampRuns(h.logs), 3, 'the call ran once');
  });

  it('every request, decision and refused press is in the audit log', async () => {
    await rig.h.stop();
    const rows = await exportedAuditRows(rig.h.dataDir);
    const approvals = rows.filter((r) => r.action.startsWith('approval.')).map((r) => [r.action, r.actor]);
    assert.deepEqual(approvals, [
      ['approval.request', 'user:1001'],
      ['approval.approve', 'user:1001'],
      ['approval.request', 'user:1001'],
      ['approval.deny', 'user:1001'],
      ['approval.request', 'user:1001'],
      ['approval.refuse', 'user:1002'],
      ['approval.approve', 'user:1001'],
      ['approval.request', 'user:1001'],
      ['approval.approve', 'user:1001'],
    ]);
  });
});

describe('approval buttons on Telegram (webhook mode)', () => {
  const SECRET = 'buttons-Secret_token-7';
  let rig: Rig;

  before(async () => {
    rig = await startRig(
      `  mode: webhook\n  webhook: { url: "https://hearth.example.org/webhooks/telegram", secretToken: "${SECRET}" }\n`,
    );
    await rig.h.waitForLog((l) => l.msg === 'channel telegram ready');
    assert.ok(
      (rig.fake.calls.find((c) => c.method === 'setWebhook')!.params.allowed_updates as string[]).includes(
        'callback_query',
      ),
      'the webhook asks for button presses',
    );
    rig.fake.webhook = { url: `${rig.h.baseUrl}/webhooks/telegram`, secret_token: SECRET };
  });
  after(async () => {
    await rig?.h.stop();
    await rig?.fake.close();
    await rig?.model.close();
  });

  it('a press posted to the webhook answers the approval', async () => {
    const { fake, h } = rig;
    fake.userMessage({ chat: adaChat, from: ada, text: 'lamp in the hall' });
    const question = await nextQuestion(fake, adaChat.id, new Set());
    assert.equal(lampRuns(h.logs), 0);
    const { query } = fake.pressButton({
      chatId: adaChat.id,
      messageId: question.message_id,
      from: ada,
      button: 'Approve',
    });
    await shows(fake, adaChat.id, /^Tool said: lamp in the hall is on$/);
    await eventually(() => fake.callbackAnswers.has(query.id), 'the press is answered');
    assert.equal(lampRuns(h.logs), 1);
    assert.ok(
      fake.webhookResponses.every((s) => s === 200),
      `webhook answers: ${fake.webhookResponses.join(',')}`,
    );
  });
});
