/**
 * End to end: the real `hearth start` process with WhatsApp in Cloud API mode, the Graph API fake
 * and the fake model. Needs `npx tsc -p tsconfig.json` (into dist/) first.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startHearth, type HearthProcess } from '../../harness.js';
import { lastUserTurn } from '../test-context.js';
import { startOpenAIFake } from '../../fakes/openai-server.js';
import {
  postSignedWhatsAppWebhook,
  startWhatsAppCloudFake,
  whatsAppCloudChannels,
  type WhatsAppCloudFake,
} from '../../fakes/whatsapp-cloud.js';

const appSecret = 'e2e-app-secret';
let fake: WhatsAppCloudFake;
let model: Awaited<ReturnType<typeof startOpenAIFake>>;
let hearth: HearthProcess;
let webhook: string;

async function until(probe: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const textsTo = (to: string) =>
  fake.sent
    .filter((c) => c.body.to === to && c.body.type === 'text')
    .map((c) => (c.body.text as { body: string }).body);

before(async () => {
  fake = await startWhatsAppCloudFake();
  model = await startOpenAIFake();
  model.setReply((body: { messages?: Array<{ role: string; content: unknown }> }) => {
    const m = [...(body.messages ?? [])].reverse().find((x) => x.role === 'user');
    const text = typeof m?.content === 'string' ? m.content : JSON.stringify(m?.content ?? '');
    if (text.includes('offer buttons')) return { text: 'Which size? [[button:Small|size-s]] [[button:Large|size-l]]' };
    return { text: `You said: ${text}` };
  });
  hearth = await startHearth({
    env: { MODEL_ENDPOINT: model.baseUrl },
    channels: whatsAppCloudChannels(fake, appSecret, 'e2e-verify'),
  });
  webhook = `${hearth.baseUrl}/webhooks/whatsapp`;
});

after(async () => {
  await hearth?.stop();
  await fake?.close();
  await model?.close();
});

test('the verification GET echoes hub.challenge', async () => {
  const res = await fetch(`${webhook}?hub.mode=subscribe&hub.verify_token=e2e-verify&hub.challenge=424242`);
  assert.equal(res.status, 200);
  assert.equal(await res.text(), '424242');
  assert.equal((await fetch(`${webhook}?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1`)).status, 403);
});

test('a text message is answered by the model, with a read receipt and typing first', async () => {
  const body = fake.webhook({ from: '4915111111111', type: 'text', text: { body: 'ping whatsapp' } });
  assert.equal((await postSignedWhatsAppWebhook(webhook, appSecret, body)).status, 200);
  await until(() => textsTo('4915111111111').some((t) => t.includes('You said: ping whatsapp')), 'answer');
  const inbound = (body.entry as Array<{ changes: Array<{ value: { messages: Array<{ id: string }> } }> }>)[0]
    .changes[0].value.messages[0].id;
  assert.ok(fake.sent.some((c) => c.body.status === 'read' && c.body.message_id === inbound));
});

test('an image with a caption is downloaded by media id and reaches the model with its bytes', async () => {
  const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from('whatsapp jpeg')]);
  await postSignedWhatsAppWebhook(
    webhook,
    appSecret,
    fake.webhook({
      from: '4915122222222',
      type: 'image',
      image: fake.mediaObject(jpeg, 'image/jpeg', { caption: 'what is this' }),
    }),
  );
  await until(() => textsTo('4915122222222').some((t) => t.includes('what is this')), 'answer to the image');
  const turn = model.requests.map((r) => lastUserTurn(r.body)).find((t) => t.text.includes('what is this'));
  assert.deepEqual(turn?.images, [`data:image/jpeg;base64,${jpeg.toString('base64')}`]);
});

test('buttons round trip: interactive reply buttons out, the tap comes back and is answered', async () => {
  await postSignedWhatsAppWebhook(
    webhook,
    appSecret,
    fake.webhook({ from: '4915133333333', type: 'text', text: { body: 'offer buttons' } }),
  );
  await until(
    () => fake.sent.some((c) => c.body.to === '4915133333333' && c.body.type === 'interactive'),
    'interactive message',
  );
  const interactive = fake.sent.find((c) => c.body.to === '4915133333333' && c.body.type === 'interactive')!.body
    .interactive as { body: { text: string }; action: { buttons: Array<{ reply: { id: string; title: string } }> } };
  assert.equal(interactive.body.text, 'Which size?');
  assert.deepEqual(
    interactive.action.buttons.map((b) => b.reply),
    [
      { id: 'size-s', title: 'Small' },
      { id: 'size-l', title: 'Large' },
    ],
  );
  await postSignedWhatsAppWebhook(
    webhook,
    appSecret,
    fake.webhook({
      from: '4915133333333',
      type: 'interactive',
      interactive: { type: 'button_reply', button_reply: { id: 'size-l', title: 'Large' } },
    }),
  );
  await until(() => textsTo('4915133333333').some((t) => t.includes('Large')), 'answer to the tap');
});

test('bad signatures get 401 and are logged; malformed payloads are skipped and logged', async () => {
  const body = fake.webhook({ from: '4915144444444', type: 'text', text: { body: 'forged' } });
  assert.equal((await postSignedWhatsAppWebhook(webhook, appSecret, body, { badSignature: true })).status, 401);
  await hearth.waitForLog((l) => l.msg === 'whatsapp: webhook request rejected', 5000);
  assert.equal(
    (await postSignedWhatsAppWebhook(webhook, appSecret, fake.webhook({ from: '4915155555555', type: 'image' })))
      .status,
    200,
  );
  await hearth.waitForLog((l) => l.msg === 'whatsapp: malformed or unsupported payload skipped', 5000);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(textsTo('4915144444444').length, 0);
});
