/**
 * Approval buttons on Slack (Block Kit over Socket Mode) and WhatsApp Cloud (interactive reply
 * buttons), end to end against the real `hearth` process and the platform fakes: the question of a
 * sensitive call carries Approve / Deny bound to that approval, nothing runs before the press,
 * Approve runs exactly that call and Deny runs nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startOpenAIFake, type ModelFake } from '../fakes/openai-server.js';
import { slackSocketChannels, startSlackFake, type SlackFake } from '../fakes/slack-server.js';
import {
  postSignedWhatsAppWebhook,
  startWhatsAppCloudFake,
  whatsAppCloudChannels,
  type WhatsAppCloudFake,
} from '../fakes/whatsapp-cloud.js';
import { eventually } from '../channels/test-context.js';
import { startHearth, type HearthProcess } from '../harness.js';
import { callLampOnRequest, lampConfig, lampResults, lampRuns, lampSkillDir } from './lamp-skill.js';

describe('approval buttons on Slack', () => {
  let fake: SlackFake;
  let model: ModelFake;
  let h: HearthProcess;
  let seq = 0;

  before(async () => {
    fake = await startSlackFake();
    model = await startOpenAIFake();
    callLampOnRequest(model);
    h = await startHearth({
      env: { MODEL_ENDPOINT: model.baseUrl, MODEL_NAME: 'fake-model' },
      config: lampConfig(lampSkillDir()),
      channels: slackSocketChannels(fake, 100),
      timeoutMs: 30_000,
    });
    await fake.waitForSocket(15_000);
  });
  after(async () => {
    await h?.stop();
    await fake?.close();
    await model?.close();
  });

  /** Sends a DM and returns the timestamp of the bot's message that carries buttons. */
  async function ask(channel: string, text: string): Promise<string> {
    await fake.sendEnvelope(
      'events_api',
      fake.eventCallback({
        type: 'message',
        channel,
        channel_type: 'im',
        user: 'U1',
        text,
        ts: `1700009${String(++seq).padStart(3, '0')}.1`,
      }),
    );
    let ts = '';
    await eventually(() => {
      const posted = fake.calls.filter((c) => c.method === 'chat.postMessage' && c.args.channel === channel);
      const withButtons = posted.find((c) => fake.message(channel, String(c.result?.ts))?.blocks?.length);
      ts = String(withButtons?.result?.ts ?? '');
      return ts !== '';
    }, `a question with buttons in ${channel}`);
    return ts;
  }

  const buttons = (channel: string, ts: string) =>
    (
      (fake.message(channel, ts)?.blocks ?? []).find((b) => b.type === 'actions') as
        { elements: Array<{ text: { text: string }; value: string }> } | undefined
    )?.elements ?? [];

  it('Approve runs the call; nothing runs before the press', async () => {
    const ts = await ask('D21', 'switch the lamp in the kitchen on');
    const shown = buttons('D21', ts);
    assert.deepEqual(
      shown.map((b) => b.text.text),
      ['Approve', 'Deny'],
    );
    assert.match(shown[0]!.value, /^approval:[0-9a-f-]{36}:approve$/);
    assert.match(JSON.stringify(fake.message('D21', ts)?.blocks), /lamp_on/);
    assert.equal(lampRuns(h.logs), 0, 'nothing runs before the press');
    await fake.sendEnvelope('interactive', fake.blockActions('D21', ts, 'U1', 0));
    await eventually(() => lampRuns(h.logs) === 1, 'the approved call ran');
    assert.deepEqual(lampResults(model), ['lamp in the kitchen is on']);
    await eventually(() => buttons('D21', ts).length === 0, 'the buttons are replaced by the choice');
  });

  it('Deny runs nothing', async () => {
    const ts = await ask('D22', 'lamp in the cellar please');
    await fake.sendEnvelope('interactive', fake.blockActions('D22', ts, 'U1', 1));
    await eventually(
      () => fake.calls.some((c) => c.args.channel === 'D22' && /did not run lamp_on/.test(String(c.args.text ?? ''))),
      'the denial is answered',
    );
    assert.equal(lampRuns(h.logs), 1, 'only the approved call ran');
  });
});

describe('approval buttons on WhatsApp Cloud', () => {
  const appSecret = 'approval-app-secret';
  const user = '4915166666666';
  let fake: WhatsAppCloudFake;
  let model: ModelFake;
  let h: HearthProcess;
  let webhook: string;

  before(async () => {
    fake = await startWhatsAppCloudFake();
    model = await startOpenAIFake();
    callLampOnRequest(model);
    h = await startHearth({
      env: { MODEL_ENDPOINT: model.baseUrl, MODEL_NAME: 'fake-model' },
      config: lampConfig(lampSkillDir()),
      channels: whatsAppCloudChannels(fake, appSecret, 'approval-verify'),
      timeoutMs: 30_000,
    });
    webhook = `${h.baseUrl}/webhooks/whatsapp`;
  });
  after(async () => {
    await h?.stop();
    await fake?.close();
    await model?.close();
  });

  type Interactive = { body: { text: string }; action: { buttons: Array<{ reply: { id: string; title: string } }> } };
  const questions = () =>
    fake.sent
      .filter((c) => c.body.to === user && c.body.type === 'interactive')
      .map((c) => c.body.interactive as Interactive);
  const texts = () =>
    fake.sent
      .filter((c) => c.body.to === user && c.body.type === 'text')
      .map((c) => (c.body.text as { body: string }).body);

  async function ask(text: string): Promise<Interactive> {
    const before = questions().length;
    await postSignedWhatsAppWebhook(
      webhook,
      appSecret,
      fake.webhook({ from: user, type: 'text', text: { body: text } }),
    );
    await eventually(() => questions().length > before, 'an interactive question');
    return questions().at(-1)!;
  }

  const tap = (reply: { id: string; title: string }) =>
    postSignedWhatsAppWebhook(
      webhook,
      appSecret,
      fake.webhook({ from: user, type: 'interactive', interactive: { type: 'button_reply', button_reply: reply } }),
    );

  it('Approve runs the call; nothing runs before the tap', async () => {
    const question = await ask('switch the lamp in the kitchen on');
    assert.match(question.body.text, /lamp_on/);
    const replies = question.action.buttons.map((b) => b.reply);
    assert.deepEqual(
      replies.map((r) => r.title),
      ['Approve', 'Deny'],
    );
    assert.match(replies[0]!.id, /^approval:[0-9a-f-]{36}:approve$/);
    assert.equal(lampRuns(h.logs), 0, 'nothing runs before the tap');
    await tap(replies[0]!);
    await eventually(() => texts().some((t) => /lamp in the kitchen is on/.test(t)), 'the tool result is answered');
    assert.equal(lampRuns(h.logs), 1);
  });

  it('Deny runs nothing', async () => {
    const question = await ask('lamp in the cellar please');
    await tap(question.action.buttons[1]!.reply);
    await eventually(() => texts().some((t) => /did not run lamp_on/.test(t)), 'the denial is answered');
    assert.equal(lampRuns(h.logs), 1, 'only the approved call ran');
  });
});
