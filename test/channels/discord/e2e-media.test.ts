/**
 * End to end, media from the user on Discord: attachments are downloaded from the CDN into the
 * blob store under Hearth's data folder and reach the model — an image as an image part of the last
 * user message, a document described in its text.
 *
 * Media from the assistant: the engine does not yet produce attachments on its `done` event, so
 * outbound uploads and embeds are tested at the channel level (channel.test.ts).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { snowflake } from '../../fakes/discord-server.js';
import { eventually, lastUserTurn } from '../test-context.js';
import { startDiscordRig, type DiscordRig } from './e2e-setup.js';

let rig: DiscordRig;
const ada = { id: snowflake(), username: 'ada' };

before(async () => {
  rig = await startDiscordRig('  allowFrom: ["*"]\n');
});

after(async () => {
  await rig?.close();
});

async function requestMentioning(marker: string): Promise<ReturnType<typeof lastUserTurn>> {
  let found: ReturnType<typeof lastUserTurn> | undefined;
  await eventually(() => {
    found = rig.model.requests.map((r) => lastUserTurn(r.body)).find((turn) => turn.text.includes(marker));
    return found !== undefined;
  }, `a model request mentioning ${marker}`);
  return found!;
}

test('an image attachment reaches the model as an image and is stored in the blob store', async () => {
  const bytes = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47]), Buffer.from('fake png body')]);
  const url = rig.fake.addCdnFile('cat.png', bytes, 'image/png');
  const message = rig.fake.userMessage({
    author: ada,
    content: 'what is this?',
    where: 'dm',
    attachments: [{ filename: 'cat.png', url, size: bytes.length, content_type: 'image/png' }],
  });
  const turn = await requestMentioning('what is this?');
  assert.deepEqual(turn.images, [`data:image/png;base64,${bytes.toString('base64')}`]);
  const attachmentId = (message.attachments as Array<{ id: string }>)[0].id;
  assert.deepEqual(
    readFileSync(join(rig.hearth.dataDir, 'blobs', 'media', 'discord', `${message.id}-${attachmentId}.png`)),
    bytes,
  );
  await eventually(
    () => rig.answers(rig.fake.dmChannelId(ada.id)).some((t) => t.includes('You said: what is this?')),
    'the answer',
  );
});

test('a document attachment reaches the model described and is stored', async () => {
  const bytes = Buffer.from('name,qty\napples,3\n');
  const url = rig.fake.addCdnFile('list.csv', bytes, 'text/csv');
  const message = rig.fake.userMessage({
    author: ada,
    content: 'read the list',
    where: 'dm',
    attachments: [{ filename: 'list.csv', url, size: bytes.length, content_type: 'text/csv' }],
  });
  const turn = await requestMentioning('read the list');
  assert.deepEqual(turn.images, []);
  assert.match(turn.text, /\[document "list\.csv" \(text\/csv, 1 KB\)\]/);
  const attachmentId = (message.attachments as Array<{ id: string }>)[0].id;
  assert.deepEqual(
    readFileSync(join(rig.hearth.dataDir, 'blobs', 'media', 'discord', `${message.id}-${attachmentId}.csv`)),
    bytes,
  );
});
