/**
 * End to end: the real `hearth start` process with the Slack channel (Socket Mode, then Events API)
 * pointed at the fake Slack and the fake model. Needs `npx tsc -p tsconfig.json` (into dist/) first.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startHearth, type HearthProcess } from '../../harness.js';
import { startOpenAIFake } from '../../fakes/openai-server.js';
import { lastUserTurn } from '../test-context.js';
import {
  postSignedToSlackWebhook,
  slackSocketChannels,
  startSlackFake,
  type SlackFake,
} from '../../fakes/slack-server.js';

type ModelFake = Awaited<ReturnType<typeof startOpenAIFake>>;

async function until(probe: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Everything the bot wrote into a channel: posts and their latest edits. */
function written(fake: SlackFake, channel: string): Array<{ text: string; thread?: string; blocks?: unknown }> {
  const out = new Map<string, { text: string; thread?: string; blocks?: unknown }>();
  let n = 0;
  for (const c of fake.calls) {
    if (c.args.channel !== channel) continue;
    if (c.method === 'chat.postMessage')
      out.set(`p${n++}`, {
        text: String(c.args.text),
        thread: c.args.thread_ts as string | undefined,
        blocks: c.args.blocks,
      });
    if (c.method === 'chat.update') {
      const last = [...out.keys()].pop();
      if (last)
        out.set(last, { ...out.get(last)!, text: String(c.args.text), blocks: c.args.blocks ?? out.get(last)!.blocks });
    }
  }
  return [...out.values()];
}

function lastUserText(body: { messages?: Array<{ role: string; content: unknown }> }): string {
  const m = [...(body.messages ?? [])].reverse().find((x) => x.role === 'user');
  return typeof m?.content === 'string' ? m.content : JSON.stringify(m?.content ?? '');
}

function buttonsWhenAsked(model: ModelFake): void {
  model.setReply((body) => {
    const text = lastUserText(body);
    if (text.includes('offer buttons')) return { text: 'Pick one [[button:Red|color-red]] [[button:Blue|color-blue]]' };
    return { text: `You said: ${text}` };
  });
}

describe('Slack Socket Mode', () => {
  let fake: SlackFake;
  let model: ModelFake;
  let hearth: HearthProcess;

  before(async () => {
    fake = await startSlackFake();
    model = await startOpenAIFake();
    buttonsWhenAsked(model);
    hearth = await startHearth({
      env: { MODEL_ENDPOINT: model.baseUrl },
      channels: slackSocketChannels(fake, 100),
    });
    await fake.waitForSocket(15_000);
  });

  after(async () => {
    await hearth?.stop();
    await fake?.close();
    await model?.close();
  });

  test('a DM is answered by the model in the DM', async () => {
    await fake.sendEnvelope(
      'events_api',
      fake.eventCallback({
        type: 'message',
        channel: 'D1',
        channel_type: 'im',
        user: 'U1',
        text: 'ping slack',
        ts: '1700002000.1',
      }),
    );
    await until(() => written(fake, 'D1').some((m) => m.text.includes('You said: ping slack')), 'answer in D1');
    assert.equal(written(fake, 'D1')[0].thread, undefined);
  });

  test('a channel mention sent as message and app_mention is answered once, in a thread under it', async () => {
    const inner = { channel: 'C1', user: 'U1', text: `<@${fake.botUserId}> hello team`, ts: '1700002100.1' };
    await fake.sendEnvelope('events_api', fake.eventCallback({ ...inner, type: 'message', channel_type: 'channel' }));
    await fake.sendEnvelope('events_api', fake.eventCallback({ ...inner, type: 'app_mention' }));
    await until(() => written(fake, 'C1').some((m) => m.text.includes('hello team')), 'answer in C1');
    await new Promise((r) => setTimeout(r, 1000));
    const answers = written(fake, 'C1');
    assert.equal(answers.length, 1, JSON.stringify(answers));
    assert.equal(answers[0].thread, '1700002100.1');
    assert.ok(!answers[0].text.includes('<@'), 'the bot mention is not echoed back');
  });

  test('an unmentioned channel message is not answered', async () => {
    await fake.sendEnvelope(
      'events_api',
      fake.eventCallback({
        type: 'message',
        channel: 'C2',
        channel_type: 'channel',
        user: 'U1',
        text: 'just chatting',
        ts: '1700002200.1',
      }),
    );
    await new Promise((r) => setTimeout(r, 800));
    assert.equal(written(fake, 'C2').length, 0);
  });

  test('an image in reaches the model as an image part with its bytes, and is answered', async () => {
    const png = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      Buffer.from('slack png'),
    ]);
    const file = fake.hostFile(png, 'pic.png', 'image/png');
    await fake.sendEnvelope(
      'events_api',
      fake.eventCallback({
        type: 'message',
        subtype: 'file_share',
        channel: 'D3',
        channel_type: 'im',
        user: 'U1',
        text: 'what is in this picture',
        ts: '1700002300.1',
        files: [file],
      }),
    );
    await until(() => written(fake, 'D3').some((m) => m.text.includes('what is in this picture')), 'answer in D3');
    const turn = model.requests
      .map((r) => lastUserTurn(r.body))
      .find((t) => t.text.includes('what is in this picture'));
    assert.deepEqual(turn?.images, [`data:image/png;base64,${png.toString('base64')}`]);
  });

  test('buttons round trip: Block Kit out, the click comes back and is answered in the same conversation', async () => {
    await fake.sendEnvelope(
      'events_api',
      fake.eventCallback({
        type: 'message',
        channel: 'D4',
        channel_type: 'im',
        user: 'U1',
        text: 'offer buttons',
        ts: '1700002400.1',
      }),
    );
    await until(() => written(fake, 'D4').some((m) => Array.isArray(m.blocks)), 'buttons in D4');
    const withButtons = written(fake, 'D4').find((m) => Array.isArray(m.blocks))!;
    assert.equal(withButtons.text, 'Pick one');
    const actions = (
      withButtons.blocks as Array<{ type: string; elements?: Array<{ action_id: string; value: string }> }>
    ).find((b) => b.type === 'actions')!;
    assert.ok(actions.elements!.length === 2);
    const ts = String(fake.calls.find((c) => c.method === 'chat.postMessage' && c.args.channel === 'D4')!.result?.ts);
    await fake.sendEnvelope('interactive', fake.blockActions('D4', ts, 'U1', 1));
    await until(
      () => !(fake.message('D4', ts)?.blocks ?? []).some((b) => b.type === 'actions'),
      'the buttons replaced by the choice',
    );
    assert.match(JSON.stringify(fake.message('D4', ts)?.blocks), /<@U1> chose \*Blue\*/);
    await until(
      () => written(fake, 'D4').some((m) => m.text.includes('Blue') && m.text.includes('You said')),
      'answer to the click',
    );
  });
});

describe('Slack Events API', () => {
  const secret = 'e2e-signing-secret';
  let fake: SlackFake;
  let model: ModelFake;
  let hearth: HearthProcess;
  let webhook: string;

  before(async () => {
    fake = await startSlackFake();
    model = await startOpenAIFake();
    buttonsWhenAsked(model);
    hearth = await startHearth({
      env: { MODEL_ENDPOINT: model.baseUrl },
      channels: `slack:\n  mode: events\n  botToken: xoxb-test-bot-token\n  signingSecret: ${secret}\n  apiUrl: ${fake.apiUrl}\n  allowFrom: ["*"]\n  streamEditIntervalMs: 100\n`,
    });
    webhook = `${hearth.baseUrl}/webhooks/slack`;
    await fake.waitForCall('auth.test', undefined, 10_000);
  });

  after(async () => {
    await hearth?.stop();
    await fake?.close();
    await model?.close();
  });

  test('a signed event is answered', async () => {
    let res: Response | undefined;
    for (let i = 0; i < 50; i++) {
      res = await postSignedToSlackWebhook(
        webhook,
        secret,
        fake.eventCallback({
          type: 'message',
          channel: 'D10',
          channel_type: 'im',
          user: 'U1',
          text: 'ping events',
          ts: '1700003000.1',
        }),
      );
      if (res.status !== 503) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(res?.status, 200);
    await until(() => written(fake, 'D10').some((m) => m.text.includes('You said: ping events')), 'answer in D10');
  });

  test('buttons round trip over HTTP: a signed, form-encoded click is answered', async () => {
    const res = await postSignedToSlackWebhook(
      webhook,
      secret,
      fake.eventCallback({
        type: 'message',
        channel: 'D13',
        channel_type: 'im',
        user: 'U1',
        text: 'offer buttons',
        ts: '1700003300.1',
      }),
    );
    assert.equal(res.status, 200);
    await until(() => written(fake, 'D13').some((m) => Array.isArray(m.blocks)), 'buttons in D13');
    const ts = String(fake.calls.find((c) => c.method === 'chat.postMessage' && c.args.channel === 'D13')!.result?.ts);
    assert.equal(
      (await postSignedToSlackWebhook(webhook, secret, fake.blockActions('D13', ts, 'U1', 0), { form: true })).status,
      200,
    );
    await until(
      () => written(fake, 'D13').some((m) => m.text.includes('Red') && m.text.includes('You said')),
      'answer to the click',
    );
    assert.match(JSON.stringify(fake.message('D13', ts)?.blocks), /<@U1> chose \*Red\*/);
  });

  test('bad signatures and stale timestamps get 401 and are logged', async () => {
    const body = fake.eventCallback({
      type: 'message',
      channel: 'D11',
      channel_type: 'im',
      user: 'U1',
      text: 'forged',
      ts: '1700003100.1',
    });
    assert.equal((await postSignedToSlackWebhook(webhook, secret, body, { badSignature: true })).status, 401);
    assert.equal(
      (await postSignedToSlackWebhook(webhook, secret, body, { timestamp: Math.floor(Date.now() / 1000) - 3600 }))
        .status,
      401,
    );
    await hearth.waitForLog((l) => l.msg === 'slack: webhook request rejected' && l.reason === 'bad signature', 5000);
    await hearth.waitForLog((l) => l.msg === 'slack: webhook request rejected' && l.reason === 'stale timestamp', 5000);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(written(fake, 'D11').length, 0);
  });

  test('a malformed event is skipped and logged; the process keeps serving', async () => {
    const res = await postSignedToSlackWebhook(
      webhook,
      secret,
      fake.eventCallback({ type: 'message', channel_type: 'im', user: 'U1', text: 'no channel' }),
    );
    assert.equal(res.status, 200);
    await hearth.waitForLog((l) => l.msg === 'slack: malformed event skipped', 5000);
    const again = await postSignedToSlackWebhook(
      webhook,
      secret,
      fake.eventCallback({
        type: 'message',
        channel: 'D12',
        channel_type: 'im',
        user: 'U1',
        text: 'still alive',
        ts: '1700003200.1',
      }),
    );
    assert.equal(again.status, 200);
    await until(() => written(fake, 'D12').some((m) => m.text.includes('still alive')), 'answer in D12');
  });
});
