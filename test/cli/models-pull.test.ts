/**
 * The fresh-machine path: `hearth models pull` downloads the default small model (here from a local
 * fake of the hub, serving a tiny generated GGUF), and `hearth start` with nothing else configured
 * answers in the web chat from that local model, in process.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { defaultPullableModel, findPullableModel } from '../../src/engine/model-catalog.js';
import { buildTinyGguf } from '../fakes/gguf-writer.js';
import { startModelHub, type ModelHub } from '../fakes/model-hub.js';
import { chatOverWs } from '../webchat-client.js';
import { runCli, startHearth } from '../harness.js';

describe('hearth models pull → hearth start answers from the local model', () => {
  let hub: ModelHub;
  let dir: string;
  before(async () => {
    const model = findPullableModel(defaultPullableModel)!;
    hub = await startModelHub({ files: { [`${model.repo}/resolve/main/${model.file}`]: buildTinyGguf({ seed: 5 }) } });
    dir = mkdtempSync(join(tmpdir(), 'hearth-pull-e2e-'));
  });
  after(async () => hub?.close());

  it('pulls with progress, then chats fully locally', async () => {
    const config = join(dir, 'hearth.yml');
    const dataDir = join(dir, 'data');
    writeFileSync(config, `models:\n  download:\n    baseUrl: ${hub.url}\nagents:\n  default:\n    maxTokens: 6\n`);
    const pulled = await runCli(['models', 'pull', '--config', config], { env: { HEARTH_DATA_DIR: dataDir } });
    assert.equal(pulled.code, 0, pulled.stderr);
    assert.match(pulled.stdout, /100%/);
    assert.match(pulled.stdout, /Model saved to/);
    const files = readdirSync(join(dataDir, 'models'));
    assert.equal(files.filter((f) => f.endsWith('.gguf')).length, 1);
    assert.ok(!files.some((f) => f.endsWith('.part')));

    const listed = await runCli(['models', 'list', '--config', config], { env: { HEARTH_DATA_DIR: dataDir } });
    assert.match(listed.stdout, /\* local\tembedded\t/);

    const h = await startHearth({ config: `agents:\n  default:\n    maxTokens: 6\n`, dataDir });
    try {
      const { events } = await chatOverWs(h.baseUrl, 'hello local model');
      const done = events.at(-1)!;
      assert.equal(done.type, 'done', JSON.stringify(done));
      assert.equal(done.model, 'local');
      assert.ok(done.text.length > 0);
      assert.ok(events.some((e) => e.type === 'delta'));
      assert.ok(
        done.usage.completionTokens > 0 && done.usage.completionTokens <= 6,
        `maxTokens 6 honoured: ${done.usage.completionTokens}`,
      );
    } finally {
      await h.stop();
    }
    assert.ok(existsSync(join(dataDir, 'hearth.db')));
  });
});
