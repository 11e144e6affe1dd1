/**
 * An admin's Reconnect of the Slack channel (`POST /admin/channels/slack/reconnect`) against the
 * real `hearth` process and the Slack fake in Socket Mode: a new `apps.connections.open` and socket,
 * the channel back to `ready`, and a DM after it answered.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startOpenAIFake, type ModelFake } from '../../fakes/openai-server.js';
import { slackSocketChannels, startSlackFake, type SlackFake } from '../../fakes/slack-server.js';
import { startHearth, type HearthProcess } from '../../harness.js';
import { eventually } from '../test-context.js';

describe('reconnecting the Slack channel from the admin API', () => {
  let fake: SlackFake;
  let model: ModelFake;
  let h: HearthProcess;

  before(async () => {
    fake = await startSlackFake();
    model = await startOpenAIFake();
    h = await startHearth({
      env: { MODEL_ENDPOINT: model.baseUrl, MODEL_NAME: 'fake-model' },
      channels: slackSocketChannels(fake),
      timeoutMs: 30_000,
    });
    await fake.waitForSocket(15_000);
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
  const opens = () => fake.calls.filter((c) => c.method === 'apps.connections.open').length;

  it('opens a new Socket Mode connection and answers the next message', async () => {
    assert.equal((await channels()).slack?.reconnectable, true);
    const before = opens();
    const res = await admin('/admin/channels/slack/reconnect', 'POST');
    assert.equal(res.status, 202, await res.clone().text());
    await eventually(() => opens() === before + 1, 'a new apps.connections.open');
    await eventually(async () => (await channels()).slack?.state === 'ready', 'slack ready again', 15_000);
    await fake.waitForSocket(15_000);
    await fake.sendEnvelope(
      'events_api',
      fake.eventCallback({
        type: 'message',
        channel: 'D31',
        channel_type: 'im',
        user: 'U1',
        text: 'still there?',
        ts: '1700003100.1',
      }),
    );
    await eventually(
      () =>
        fake.calls.some(
          (c) => c.method === 'chat.postMessage' && c.args.channel === 'D31' && /still there/.test(String(c.args.text)),
        ),
      'the answer after the reconnect',
    );
  });
});
