import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startOpenAIFake } from '../fakes/openai-server.js';
import { runCli } from '../harness.js';

describe('hearth doctor', () => {
  it('passes with a reachable model server and names what is wrong otherwise', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hearth-doctor-'));
    const model = await startOpenAIFake();
    try {
      const ok = await runCli(['doctor'], {
        env: { HEARTH_DATA_DIR: join(dir, 'data'), MODEL_ENDPOINT: model.baseUrl },
      });
      assert.equal(ok.code, 0, ok.stdout + ok.stderr);
      assert.match(ok.stdout, /✓ model env\s+openai server at .*\/v1\/models answered 200/);
      assert.match(ok.stdout, /✓ history\s+sqlite opens/);
      assert.ok(model.requests.some((r) => r.path === '/v1/models'));
    } finally {
      await model.close();
    }
    const down = await runCli(['doctor'], {
      env: { HEARTH_DATA_DIR: join(dir, 'data'), MODEL_ENDPOINT: 'http://127.0.0.1:9/v1' },
    });
    assert.equal(down.code, 1);
    assert.match(down.stdout, /✗ model env\s+http:\/\/127\.0\.0\.1:9\/v1\/models unreachable/);
    const none = await runCli(['doctor'], { env: { HEARTH_DATA_DIR: join(dir, 'data2') } });
    assert.equal(none.code, 1);
    assert.match(none.stdout, /✗ models\s+none configured/);
    const cfg = join(dir, 'bad.yml');
    writeFileSync(cfg, 'modles: {}\n');
    const bad = await runCli(['doctor', '--config', cfg], { env: { HEARTH_DATA_DIR: join(dir, 'data') } });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /modles: unknown key "modles" \(did you mean "models"\?\)/);
  });
});
