/**
 * A WhatsApp Cloud API voice note, end to end: the user's OGG/Opus note is fetched through the
 * fake Graph API by media id, transcribed by the embedded recognizer (grammar mode), answered by
 * the model from the transcript, and — because the agent speaks (`voiceNotes.replyAgents`) —
 * answered with a voice note too: Hearth uploads the audio (POST /{phone-number-id}/media) and
 * sends it as an `audio` message flagged `voice: true`. Needs `npx tsc -p tsconfig.json` (dist/).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startOpenAIFake, type ModelFake } from '../../fakes/openai-server.js';
import {
  postSignedWhatsAppWebhook,
  startWhatsAppCloudFake,
  whatsAppCloudChannels,
  type WhatsAppCloudFake,
} from '../../fakes/whatsapp-cloud.js';
import { startHearth, type HearthProcess } from '../../harness.js';
import { eventually, lastUserTurn } from '../test-context.js';

const appSecret = 'voice-app-secret';
let fake: WhatsAppCloudFake;
let model: ModelFake;
let hearth: HearthProcess;

/** A voice note as WhatsApp clients record it: espeak-ng speech encoded as Ogg Opus by opusenc. */
function voiceNote(text: string): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-wa-voice-'));
  try {
    const wav = spawnSync('espeak-ng', ['--stdout', text]);
    assert.equal(wav.status, 0, 'espeak-ng is needed (Debian package espeak-ng)');
    writeFileSync(join(dir, 'in.wav'), wav.stdout);
    assert.equal(
      spawnSync('opusenc', ['--quiet', join(dir, 'in.wav'), join(dir, 'note.ogg')]).status,
      0,
      'opusenc is needed (opus-tools)',
    );
    return readFileSync(join(dir, 'note.ogg'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

before(async () => {
  fake = await startWhatsAppCloudFake();
  model = await startOpenAIFake();
  hearth = await startHearth({
    env: { MODEL_ENDPOINT: model.baseUrl },
    config: `voice:\n  asr: { provider: pocketsphinx, mode: grammar, phrases: ["what time is it"] }\n  voiceNotes: { replyAgents: [default] }\n`,
    channels: whatsAppCloudChannels(fake, appSecret, 'voice-verify'),
  });
});

after(async () => {
  await hearth?.stop();
  await fake?.close();
  await model?.close();
});

test('a voice note is downloaded, transcribed, answered in text and with an uploaded voice note', async () => {
  const user = '4915177777777';
  const audio = fake.mediaObject(voiceNote('what time is it'), 'audio/ogg; codecs=opus', { voice: true });
  const res = await postSignedWhatsAppWebhook(
    `${hearth.baseUrl}/webhooks/whatsapp`,
    appSecret,
    fake.webhook({ from: user, type: 'audio', audio }),
  );
  assert.equal(res.status, 200);
  await eventually(
    () => model.requests.some((r) => lastUserTurn(r.body).text.includes('what time is it')),
    'the transcript reaching the model',
    20_000,
  );
  await eventually(
    () => fake.sent.some((c) => c.body.to === user && c.body.type === 'audio'),
    'a voice note answer',
    20_000,
  );

  const sent = fake.sent.find((c) => c.body.to === user && c.body.type === 'audio')!;
  const media = sent.body.audio as { id: string; voice?: boolean };
  assert.equal(media.voice, true, 'sent as a voice message');
  const upload = fake.uploads.find((u) => u.id === media.id);
  assert.ok(upload, 'the audio was uploaded first and its media id sent');
  assert.equal(upload.type, 'audio/ogg');
  assert.equal(upload.bytes.subarray(0, 4).toString(), 'OggS', 'an Ogg file was uploaded');
  assert.ok(
    fake.sent.some(
      (c) =>
        c.body.to === user &&
        c.body.type === 'text' &&
        String((c.body.text as { body: string }).body).includes('You said: what time is it'),
    ),
    'the text answer',
  );
});
