/**
 * End to end, media from the user: a photo and a document sent on Telegram are fetched with
 * getFile, stored in the blob store under Hearth's data folder, and reach the model — the photo as
 * an image part of the last user message, the document described in its text.
 *
 * Media from the assistant: the engine does not yet produce attachments on its `done` event, so
 * outbound photos/documents/stickers are tested at the channel level (channel.test.ts).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { eventually, lastUserTurn } from '../test-context.js';
import { privateChat, startTelegramRig, type TelegramRig } from './e2e-setup.js';

let rig: TelegramRig;
const ada = privateChat(801, 'Ada', 'ada');

before(async () => {
  rig = await startTelegramRig('  allowFrom: ["*"]\n');
});

after(async () => {
  await rig?.close();
});

/** The model request whose last user message contains `marker`. */
async function requestMentioning(marker: string): Promise<ReturnType<typeof lastUserTurn>> {
  let found: ReturnType<typeof lastUserTurn> | undefined;
  await eventually(() => {
    found = rig.model.requests.map((r) => lastUserTurn(r.body)).find((turn) => turn.text.includes(marker));
    return found !== undefined;
  }, `a model request mentioning ${marker}`);
  return found!;
}

test('a photo with a caption reaches the model as an image and is stored in the blob store', async () => {
  const bytes = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from('fake jpeg body')]);
  const small = rig.fake.addFile(Buffer.from('thumbnail'), 'photos/file_small.jpg');
  const large = rig.fake.addFile(bytes, 'photos/file_large.jpg');
  const { message } = rig.fake.userMessage({
    ...ada,
    extra: {
      photo: [
        { ...small, width: 90, height: 67 },
        { ...large, width: 800, height: 600 },
      ],
      caption: 'what is in this picture?',
    },
  });
  const turn = await requestMentioning('what is in this picture?');
  assert.deepEqual(
    turn.images,
    [`data:image/jpeg;base64,${bytes.toString('base64')}`],
    'the largest size, as an image part',
  );
  const stored = join(rig.hearth.dataDir, 'blobs', 'media', 'telegram', `801-${message.message_id}.jpg`);
  assert.deepEqual(readFileSync(stored), bytes);
  await eventually(() => rig.shown(801).some((t) => t.includes('You said: what is in this picture?')), 'the answer');
  assert.ok(rig.fake.calls.some((c) => c.method === 'getFile' && c.params.file_id === large.file_id));
});

test('a document reaches the model described (name, type, size) and is stored', async () => {
  const bytes = Buffer.from('%PDF-1.4\n'.padEnd(3000, '.'));
  const file = rig.fake.addFile(bytes, 'documents/file_7.pdf');
  const { message } = rig.fake.userMessage({
    ...ada,
    extra: { document: { ...file, file_name: 'notes.pdf', mime_type: 'application/pdf' }, caption: 'summarize this' },
  });
  const turn = await requestMentioning('summarize this');
  assert.deepEqual(turn.images, []);
  assert.match(turn.text, /\[document "notes\.pdf" \(application\/pdf, 3 KB\)\]/);
  const stored = join(rig.hearth.dataDir, 'blobs', 'media', 'telegram', `801-${message.message_id}.pdf`);
  assert.deepEqual(readFileSync(stored), bytes);
});
