/**
 * A Telegram voice note, end to end: the user's OGG/Opus note is fetched through the fake Bot API,
 * transcribed by the embedded recognizer (grammar mode), answered by the model from the transcript,
 * and — because the agent is configured to speak — answered with a voice note too.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startOpenAIFake, type ModelFake } from '../../fakes/openai-server.js';
import { startTelegramFake, type TelegramFake } from '../../fakes/telegram-api.js';
import { startHearth, type HearthProcess } from '../../harness.js';
import { eventually, lastUserTurn } from '../test-context.js';
import { privateChat } from './e2e-setup.js';

let fake: TelegramFake;
let model: ModelFake;
let hearth: HearthProcess;

/** A voice note as Telegram clients send it: espeak-ng speech encoded as Ogg Opus by opusenc. */
function voiceNote(text: string): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-voice-note-'));
  const wav = spawnSync('espeak-ng', ['--stdout', text]);
  assert.equal(wav.status, 0, 'espeak-ng is needed (Debian package espeak-ng)');
  writeFileSync(join(dir, 'in.wav'), wav.stdout);
  assert.equal(
    spawnSync('opusenc', ['--quiet', join(dir, 'in.wav'), join(dir, 'note.ogg')]).status,
    0,
    'opusenc is needed (opus-tools)',
  );
  return readFileSync(join(dir, 'note.ogg'));
}

before(async () => {
  fake = await startTelegramFake();
  model = await startOpenAIFake();
  hearth = await startHearth({
    env: { MODEL_ENDPOINT: model.baseUrl },
    config: `voice:\n  asr: { provider: pocketsphinx, mode: grammar, phrases: ["what time is it", "tell me a joke"] }\n  voiceNotes: { replyAgents: [default] }\n`,
    channels: `telegram:\n  token: ${fake.token}\n  apiRoot: ${fake.baseUrl}\n  pollTimeoutSeconds: 1\n  streamEditIntervalMs: 100\n  allowFrom: ["*"]\n`,
  });
});

after(async () => {
  await hearth?.stop();
  await fake?.close();
  await model?.close();
});

test('a voice note is transcribed, answered in text and with a voice note', async () => {
  const ada = privateChat(901, 'Ada', 'ada');
  const note = voiceNote('what time is it');
  const file = fake.addFile(note, 'voice/file_0.oga');
  fake.userMessage({ ...ada, extra: { voice: { ...file, duration: 2, mime_type: 'audio/ogg' } } });
  await eventually(
    () => model.requests.some((r) => lastUserTurn(r.body).text.includes('what time is it')),
    'the transcript reaching the model',
    20_000,
  );
  await eventually(
    () => fake.calls.some((c) => c.method === 'sendVoice' && String(c.params.chat_id) === '901'),
    'a voice note answer',
    20_000,
  );
  const sent = fake.calls.find((c) => c.method === 'sendVoice')!;
  const audio = Object.values(sent.files)[0];
  assert.ok(audio && audio.bytes.subarray(0, 4).toString() === 'OggS', 'an Ogg file was uploaded');
  await eventually(
    () =>
      [...fake.botMessages.values()].some(
        (m) => m.chat.id === 901 && (m.text ?? '').includes('You said: what time is it'),
      ),
    'the text answer',
    20_000,
  );
});
