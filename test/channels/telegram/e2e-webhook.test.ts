/**
 * End to end, Telegram webhook mode: Hearth registers its webhook with the secret token, updates
 * posted to `/webhooks/telegram` with that secret are answered, and a request with a wrong or
 * missing secret gets 401 and is logged — never reaching the model.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eventually } from '../test-context.js';
import { privateChat, startTelegramRig, type TelegramRig } from './e2e-setup.js';

const SECRET = 'e2e-Secret_token-42';
const PUBLIC_URL = 'https://hearth.example.org/webhooks/telegram';
let rig: TelegramRig;

before(async () => {
  rig = await startTelegramRig(
    `  allowFrom: ["*"]\n  mode: webhook\n  webhook: { url: "${PUBLIC_URL}", secretToken: "${SECRET}" }\n`,
  );
  await rig.hearth.waitForLog((l) => l.msg === 'channel telegram ready');
  // The public URL reaches Hearth through a reverse proxy; the fake posts to Hearth directly.
  assert.deepEqual(rig.fake.webhook, { url: PUBLIC_URL, secret_token: SECRET });
  rig.fake.webhook = { url: `${rig.hearth.baseUrl}/webhooks/telegram`, secret_token: SECRET };
});

after(async () => {
  await rig?.close();
});

test('registers the webhook with its secret and never long-polls', () => {
  const setWebhook = rig.fake.calls.find((c) => c.method === 'setWebhook')!;
  assert.equal(setWebhook.params.url, PUBLIC_URL);
  assert.equal(setWebhook.params.secret_token, SECRET);
  assert.ok(!rig.fake.calls.some((c) => c.method === 'getUpdates'));
});

test('an update posted with the right secret is acknowledged and answered', async () => {
  rig.fake.userMessage({ ...privateChat(1001, 'Ada'), text: 'via webhook' });
  await eventually(() => rig.shown(1001).some((t) => t.includes('You said: via webhook')), 'the answer');
  assert.deepEqual(rig.fake.webhookResponses, [200]);
});

test('a wrong or missing secret gets 401, is logged, and never reaches the model', async () => {
  const asked = rig.model.requests.length;
  const update = {
    update_id: 1,
    message: {
      message_id: 1,
      date: 1,
      chat: { id: 1002, type: 'private', first_name: 'M' },
      from: { id: 1002, is_bot: false, first_name: 'M' },
      text: 'forged',
    },
  };
  const attempts: Array<Record<string, string>> = [{ 'x-telegram-bot-api-secret-token': 'wrong-secret' }, {}];
  for (const headers of attempts) {
    const res = await fetch(`${rig.hearth.baseUrl}/webhooks/telegram`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(update),
    });
    assert.equal(res.status, 401);
  }
  // Log lines arrive through the child's stdout, a moment after the responses.
  await eventually(
    () => rig.hearth.logs.filter((l) => /bad or missing secret/.test(String(l.msg))).length === 2,
    'two rejections logged',
  );
  assert.ok(!JSON.stringify(rig.hearth.logs).includes('wrong-secret'), 'the given secret is not logged');
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(rig.model.requests.length, asked);
  assert.deepEqual(rig.shown(1002), []);
});
