/**
 * Approval buttons on Discord, end to end against the real `hearth` process and the fake Gateway +
 * REST: a sensitive call's question carries an action row (Approve / Deny) whose custom_ids are
 * bound to the approval; nothing runs before a press; a press arrives as INTERACTION_CREATE and is
 * answered through the interaction callback — UPDATE_MESSAGE (7) showing the decision without the
 * buttons, or an ephemeral CHANNEL_MESSAGE_WITH_SOURCE (4) when someone other than the user who was
 * asked pressed (the buttons stay, nothing runs).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { snowflake, startDiscordFake, type DiscordFake } from '../fakes/discord-server.js';
import { startOpenAIFake, type ModelFake } from '../fakes/openai-server.js';
import { startHearth, type HearthProcess } from '../harness.js';
import { eventually } from '../channels/test-context.js';
import { callLampOnRequest, exportedAuditRows, lampConfig, lampResults, lampRuns, lampSkillDir } from './lamp-skill.js';

type BotMessage = Record<string, unknown> & {
  id: string;
  content: string;
  channel_id: string;
  components?: Array<{ type: number; components: Array<{ label: string; custom_id: string; style: number }> }>;
};

describe('approval buttons on Discord', () => {
  let fake: DiscordFake;
  let model: ModelFake;
  let h: HearthProcess;
  const ada = { id: snowflake(), username: 'ada', global_name: 'Ada' };
  const bob = { id: snowflake(), username: 'bob' };
  const seen = new Set<string>();

  before(async () => {
    fake = await startDiscordFake();
    model = await startOpenAIFake();
    callLampOnRequest(model);
    h = await startHearth({
      env: { MODEL_ENDPOINT: model.baseUrl, MODEL_NAME: 'fake-model' },
      config: lampConfig(lampSkillDir()),
      channels:
        `discord:\n  token: ${fake.token}\n  apiBase: ${fake.baseUrl}\n  guildWaitMs: 2000\n` +
        `  streamEditIntervalMs: 100\n  allowFrom: ["*"]\n`,
      keepDataDir: true,
      timeoutMs: 30_000,
    });
    await h.waitForLog((l) => l.msg === 'channel discord ready', 10_000);
  });
  after(async () => {
    await h?.stop();
    await fake?.close();
    await model?.close();
  });

  const message = (id: string) => fake.botMessages.get(id) as BotMessage | undefined;
  const labels = (id: string) => message(id)?.components?.map((row) => row.components.map((b) => b.label));

  /** The bot's next message in a channel that carries buttons: the question. */
  async function nextQuestion(channelId: string): Promise<BotMessage> {
    let found: BotMessage | undefined;
    await eventually(() => {
      found = [...fake.botMessages.values()].find(
        (m) => m.channel_id === channelId && !seen.has(String(m.id)) && ((m.components as unknown[]) ?? []).length > 0,
      ) as BotMessage | undefined;
      return found !== undefined;
    }, `a question with buttons in channel ${channelId}`);
    seen.add(found!.id);
    return found!;
  }

  async function shows(channelId: string, pattern: RegExp): Promise<void> {
    await eventually(
      () => [...fake.botMessages.values()].some((m) => m.channel_id === channelId && pattern.test(String(m.content))),
      `a message matching ${pattern}`,
    );
  }

  it('the question carries Approve / Deny; nothing runs before the press; Approve runs the call', async () => {
    const dm = fake.dmChannelId(ada.id);
    fake.userMessage({ author: ada, content: 'switch the lamp in the kitchen on', where: 'dm' });
    const question = await nextQuestion(dm);
    assert.match(question.content, /lamp_on/);
    assert.doesNotMatch(question.content, /\[\[button/, 'no button markup in the text');
    assert.deepEqual(labels(question.id), [['Approve', 'Deny']]);
    assert.match(question.components![0].components[0].custom_id, /^approval:[0-9a-f-]{36}:approve$/);
    assert.equal(lampRuns(h.logs), 0, 'nothing runs before the press');

    const press = fake.pressButton({ messageId: question.id, user: ada, button: 'Approve' });
    await fake.waitForResponse(press);
    assert.equal(press.responseType, 7, 'UPDATE_MESSAGE');
    assert.match(message(question.id)!.content, /lamp_on[\s\S]*✅ Approved by Ada$/, 'the question shows the decision');
    assert.deepEqual(message(question.id)!.components, [], 'the buttons go');
    await shows(dm, /^Tool said: lamp in the kitchen is on$/);
    assert.equal(lampRuns(h.logs), 1);
    assert.deepEqual(lampResults(model), ['lamp in the kitchen is on']);
  });

  it('Deny: the call is not run', async () => {
    const dm = fake.dmChannelId(ada.id);
    fake.userMessage({ author: ada, content: 'lamp in the cellar please', where: 'dm' });
    const question = await nextQuestion(dm);
    const press = fake.pressButton({ messageId: question.id, user: ada, button: 'Deny' });
    await fake.waitForResponse(press);
    assert.equal(press.responseType, 7);
    assert.match(message(question.id)!.content, /❌ Denied by Ada$/);
    await shows(dm, /did not run lamp_on/);
    assert.equal(lampRuns(h.logs), 1, 'only the approved call ran');
  });

  it('in a guild channel, a press by someone else is refused ephemerally and the buttons stay', async () => {
    const channel = fake.textChannel.id;
    fake.userMessage({ author: ada, content: 'lamp in the garden', where: 'guild', mentionBot: true });
    const question = await nextQuestion(channel);
    const refused = fake.pressButton({ messageId: question.id, user: bob, button: 'Approve' });
    await fake.waitForResponse(refused);
    assert.equal(refused.responseType, 4, 'CHANNEL_MESSAGE_WITH_SOURCE');
    assert.equal(refused.response!.flags, 64, 'ephemeral: only Bob sees it');
    assert.match(String(refused.response!.content), /Only the person who asked/);
    assert.deepEqual(labels(question.id), [['Approve', 'Deny']], 'the buttons stay');
    assert.equal(lampRuns(h.logs), 1, "Bob's press ran nothing");

    const press = fake.pressButton({ messageId: question.id, user: ada, button: 'Approve' });
    await fake.waitForResponse(press);
    assert.equal(press.responseType, 7);
    await shows(channel, /^Tool said: lamp in the garden is on$/);
    assert.equal(lampRuns(h.logs), 2);
  });

  it('every request, decision and refused press is in the audit log', async () => {
    await h.stop();
    const rows = await exportedAuditRows(h.dataDir);
    assert.deepEqual(
      rows.filter((r) => r.action.startsWith('approval.')).map((r) => [r.action, r.actor]),
      [
        ['approval.request', `user:${ada.id}`],
        ['approval.approve', `user:${ada.id}`],
        ['approval.request', `user:${ada.id}`],
        ['approval.deny', `user:${ada.id}`],
        ['approval.request', `user:${ada.id}`],
        ['approval.refuse', `user:${bob.id}`],
        ['approval.approve', `user:${ada.id}`],
      ],
    );
  });
});
