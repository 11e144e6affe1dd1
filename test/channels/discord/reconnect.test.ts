/**
 * An admin's Reconnect of the Discord channel (`POST /admin/channels/discord/reconnect`) against the
 * real `hearth` process and the Gateway + REST fake: the bot logs out and identifies again, the
 * channel is back to `ready`, and a message after it is answered.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { snowflake, startDiscordFake, type DiscordFake } from '../../fakes/discord-server.js';
import { startOpenAIFake, type ModelFake } from '../../fakes/openai-server.js';
import { startHearth, type HearthProcess } from '../../harness.js';
import { eventually } from '../test-context.js';

describe('reconnecting the Discord channel from the admin API', () => {
  let fake: DiscordFake;
  let model: ModelFake;
  let h: HearthProcess;
  const ada = { id: snowflake(), username: 'ada' };

  before(async () => {
    fake = await startDiscordFake();
    model = await startOpenAIFake();
    h = await startHearth({
      env: { MODEL_ENDPOINT: model.baseUrl, MODEL_NAME: 'fake-model' },
      channels: `discord:\n  token: ${fake.token}\n  apiBase: ${fake.baseUrl}\n  guildWaitMs: 2000\n  allowFrom: ["*"]\n`,
      timeoutMs: 30_000,
    });
    await h.waitForLog((l) => l.msg === 'channel discord ready', 10_000);
  });
  after(async () => {
    await h?.stop();
    await fake?.close();
    await model?.close();
  });

  const admin = (path: string, method = 'GET') =>
    fetch(h.baseUrl + path, { method, headers: { authorization: `Bearer ${h.token}` } });
  const channels = async () =>
    (await (await admin('/admin/channels')).json()) as Record<string, { state: string; reconnectable?: boolean }>;

  it('logs in again and answers the next message', async () => {
    assert.equal((await channels()).discord?.reconnectable, true);
    const identifies = fake.identifies;
    const res = await admin('/admin/channels/discord/reconnect', 'POST');
    assert.equal(res.status, 202, await res.clone().text());
    await eventually(() => fake.identifies === identifies + 1, 'a new IDENTIFY');
    await eventually(async () => (await channels()).discord?.state === 'ready', 'discord ready again', 15_000);
    fake.userMessage({ author: ada, content: 'still there?', where: 'dm' });
    const dm = fake.dmChannelId(ada.id);
    await eventually(
      () => [...fake.botMessages.values()].some((m) => m.channel_id === dm && /still there\?/.test(String(m.content))),
      'the answer after the reconnect',
    );
  });
});
