/**
 * `${secret:NAME}` config values: `hearth secrets set` stores a value encrypted in the data folder,
 * and the real `hearth` process reads it where the config refers to it — here the Home Assistant
 * token, checked by the fake Home Assistant, which answers 401 to any other token. The value is in
 * neither the database file, the CLI output nor the log; a reference to a secret nobody set stops
 * the start with a message naming the file, the key and the command.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startHomeAssistantFake, type HomeAssistantFake } from '../fakes/home-assistant.js';
import { startOpenAIFake, type ModelFake } from '../fakes/openai-server.js';
import { runCli, startHearth, TEST_TOKEN } from '../harness.js';
import { resolveSecretRefs } from '../../src/security/secret-refs.js';

describe('config values from the encrypted secret store', () => {
  let dir: string;
  let dataDir: string;
  let ha: HomeAssistantFake;
  let model: ModelFake;
  const cli = (args: string[], input?: string) => runCli(args, { env: { HEARTH_DATA_DIR: dataDir }, input });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hearth-secrets-'));
    dataDir = join(dir, 'data');
    ha = await startHomeAssistantFake({
      token: `ha-${randomBytes(12).toString('hex')}`,
      entities: [{ entity_id: 'light.kitchen', state: 'on', attributes: { friendly_name: 'Kitchen Lights' } }],
    });
    model = await startOpenAIFake();
    model.setReply((body) => {
      const messages = body.messages as Array<{ role: string; content: string }>;
      const tool = messages.findLast((m) => m.role === 'tool');
      if (tool) return { text: `Home Assistant says: ${tool.content}` };
      return { toolCalls: [{ name: 'ha_state', arguments: JSON.stringify({ entity: 'light.kitchen' }) }] };
    });
  });

  after(async () => {
    await ha?.close();
    await model?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores a secret read from stdin, encrypted, and lists only its name', async () => {
    const set = await cli(['secrets', 'set', 'ha-token'], `${ha.token}\n`);
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /\$\{secret:ha-token\}/);
    const list = await cli(['secrets', 'list']);
    assert.equal(list.stdout.trim(), 'ha-token');
    for (const out of [set, list]) assert.ok(!(out.stdout + out.stderr).includes(ha.token), 'never echoed');
    const files = readdirSync(join(dataDir, 'security'));
    assert.ok(files.length > 0);
    for (const f of files)
      assert.ok(!readFileSync(join(dataDir, 'security', f)).includes(ha.token), `${f} holds no plaintext`);
    const bad = await cli(['secrets', 'set', '../x'], 'v');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /not a secret name/);
  });

  it('gives hearth the stored value where the config says ${secret:NAME}, and never logs it', async () => {
    const h = await startHearth({
      dataDir,
      env: { MODEL_ENDPOINT: model.baseUrl, MODEL_NAME: 'fake-model' },
      config: `skills:\n  homeAssistant:\n    url: ${JSON.stringify(ha.baseUrl)}\n    token: \${secret:ha-token}\n`,
      timeoutMs: 60_000,
    });
    try {
      const res = await fetch(`${h.baseUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_TOKEN}` },
        body: JSON.stringify({ model: 'env', messages: [{ role: 'user', content: 'is the kitchen light on?' }] }),
      });
      assert.equal(res.status, 200);
      const answer = ((await res.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message
        .content;
      // The fake answers 401 to any other token: the state in the answer proves the stored one was sent.
      assert.match(answer, /light\.kitchen.*\bon\b/);
      assert.ok(!JSON.stringify(h.logs).includes(ha.token), 'the secret is not in the log');
    } finally {
      await h.stop();
    }
  });

  it('refuses to start when the config refers to a secret nobody set', async () => {
    await assert.rejects(
      startHearth({
        dataDir,
        config: `skills:\n  homeAssistant:\n    url: ${JSON.stringify(ha.baseUrl)}\n    token: \${secret:nope}\n`,
        timeoutMs: 30_000,
      }),
      (err: Error) => /skills\.homeAssistant\.token/.test(err.message) && /hearth secrets set nope/.test(err.message),
    );
  });

  it('deletes a secret', async () => {
    assert.equal((await cli(['secrets', 'delete', 'ha-token'])).code, 0);
    assert.equal((await cli(['secrets', 'list'])).stdout.trim(), '');
    assert.equal((await cli(['secrets', 'delete', 'ha-token'])).code, 1);
  });

  it('names the file and key of a malformed reference', () => {
    assert.throws(
      () => resolveSecretRefs({ a: { b: '${secret:bad name}' } }, new Map(), 'hearth.yml'),
      /hearth\.yml: a\.b: "bad name" is not a secret name/,
    );
    assert.deepEqual(resolveSecretRefs({ a: ['${secret:k}', 'plain ${secret:k}'] }, new Map([['k', 'v']]), 'f'), {
      a: ['v', 'plain ${secret:k}'],
    });
  });
});
