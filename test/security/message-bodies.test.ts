/**
 * `security.encryption.messageBodies`: what users said is not on disk in plain text, the history
 * still reads back, and `hearth keys rotate` re-encrypts it under a new key with the old one retired.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startOpenAIFake } from '../fakes/openai-server.js';
import { runCli, startHearth } from '../harness.js';
import { chatOverWs } from '../webchat-client.js';

const files = (dir: string): string[] =>
  readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : [join(dir, f)]));

describe('encrypted message bodies', () => {
  it('keeps chats unreadable on disk, readable to Hearth, across a key rotation', async (t) => {
    const model = await startOpenAIFake();
    t.after(() => model.close());
    const dir = mkdtempSync(join(tmpdir(), 'hearth-bodies-'));
    const dataDir = join(dir, 'data');
    const config = `security:\n  encryption:\n    messageBodies: true\n`;
    const secret = 'xyzzy-plover-42';
    let h = await startHearth({ env: { MODEL_ENDPOINT: model.baseUrl }, config, dataDir });
    let conversationId: string;
    let identity: string;
    try {
      const first = await chatOverWs(h.baseUrl, `remember ${secret}`);
      conversationId = first.ready.conversationId;
      // The same browser comes back: it sends the identity it was issued.
      identity = first.ready.identity;
      assert.equal(first.events.at(-1)!.text, `You said: remember ${secret}`);
    } finally {
      await h.stop();
    }
    for (const f of files(dataDir))
      assert.ok(!readFileSync(f).includes(secret), `${f} holds the message in plain text`);

    const { writeFileSync } = await import('node:fs');
    const cfgFile = join(dir, 'rotate.yml');
    writeFileSync(cfgFile, config);
    const rotated = await runCli(['keys', 'rotate', '--config', cfgFile], { env: { HEARTH_DATA_DIR: dataDir } });
    assert.equal(rotated.code, 0, rotated.stderr);
    assert.match(rotated.stdout, /[1-9]\d* values re-encrypted/);
    assert.match(rotated.stdout, /retired keys: /);
    for (const f of files(dataDir))
      assert.ok(!readFileSync(f).includes(secret), `${f} holds the message in plain text after rotation`);

    h = await startHearth({ env: { MODEL_ENDPOINT: model.baseUrl }, config, dataDir });
    try {
      const again = await chatOverWs(h.baseUrl, 'what did I ask you to remember?', {
        conversationId: conversationId!,
        identity: identity!,
      });
      assert.ok(again.ready, JSON.stringify(again.events));
      assert.deepEqual(again.ready.history[0], { role: 'user', content: `remember ${secret}` });
      const sent = model.requests.at(-1)!.body.messages.map((m: { content: string }) => m.content);
      assert.ok(sent.includes(`remember ${secret}`), 'the decrypted history reaches the model');
    } finally {
      await h.stop();
    }
  });
});
