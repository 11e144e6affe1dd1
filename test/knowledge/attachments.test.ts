/**
 * A document attached in a chat (Telegram fake, real `hearth` process) is read with the knowledge
 * base's extractors and reaches the model inside that turn's user message, delimited.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { privateChat, startTelegramRig, type TelegramRig } from '../channels/telegram/e2e-setup.js';
import { eventually, lastUserTurn } from '../channels/test-context.js';
import { makePdf } from './samples.js';

let rig: TelegramRig;
const ada = privateChat(901, 'Ada', 'ada');

before(async () => {
  rig = await startTelegramRig('  allowFrom: ["*"]\n');
});

after(async () => {
  await rig?.close();
});

test('a PDF sent on Telegram reaches the model as its text, with its headings, in the user message', async () => {
  const pdf = await makePdf(
    [{ heading: 'Warranty', lines: ['The warranty covers parts for two years.'] }],
    'Kettle manual',
  );
  const file = rig.fake.addFile(pdf, 'documents/file_9.pdf');
  rig.fake.userMessage({
    ...ada,
    extra: {
      document: { ...file, file_name: 'kettle.pdf', mime_type: 'application/pdf' },
      caption: 'how long is the warranty?',
    },
  });
  let turn: ReturnType<typeof lastUserTurn> | undefined;
  await eventually(() => {
    turn = rig.model.requests
      .map((r) => lastUserTurn(r.body))
      .find((t) => t.text.includes('how long is the warranty?'));
    return turn !== undefined;
  }, 'the model request');
  assert.match(turn!.text, /^how long is the warranty\?/);
  assert.match(
    turn!.text,
    /<document name="kettle\.pdf" title="Kettle manual">\n# Warranty\n\nThe warranty covers parts for two years\.\n<\/document>/,
  );
});
