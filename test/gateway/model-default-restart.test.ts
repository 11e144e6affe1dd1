/**
 * The default model chosen through the admin API survives a restart (the next turn after the
 * restart still uses it), until hearth.yml's own `models.default` is edited.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startOpenAIFake, type ModelFake } from '../fakes/openai-server.js';
import { startHearth, type HearthProcess } from '../harness.js';
import { chatOverWs } from '../webchat-client.js';

const catalog = (url: string, fileDefault: string) =>
  `models:\n  default: ${fileDefault}\n  catalog:\n    one: { provider: openai, baseUrl: ${url}, model: model-one }\n    two: { provider: openai, baseUrl: ${url}, model: model-two }\n`;

describe('the default model chosen in the admin API', () => {
  let model: ModelFake;
  let dir: string;
  let h: HearthProcess | undefined;
  before(async () => {
    model = await startOpenAIFake();
    dir = mkdtempSync(join(tmpdir(), 'hearth-default-'));
  });
  after(async () => {
    await h?.stop();
    await model.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const start = (fileDefault: string) =>
    startHearth({ dataDir: dir, config: catalog(model.baseUrl, fileDefault), timeoutMs: 60_000 });
  const lastModel = () => model.requests.at(-1)?.body.model;

  it('is kept across a restart, and an edit of the file default overrides it', async () => {
    h = await start('one');
    const res = await fetch(`${h.baseUrl}/admin/models/default`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${h.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'two' }),
    });
    assert.equal(res.status, 200);
    await h.stop();

    h = await start('one');
    await chatOverWs(h.baseUrl, 'after a restart');
    assert.equal(lastModel(), 'model-two', 'the admin choice survived the restart');
    await h.stop();

    // The operator edited hearth.yml's default since: the file's newer decision wins.
    h = await start('two');
    await h.stop();
    h = await start('one');
    await chatOverWs(h.baseUrl, 'after an edit of the file');
    assert.equal(lastModel(), 'model-one');
  });
});
