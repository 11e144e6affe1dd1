/**
 * End to end against the real `hearth` process: configuration errors: `hearth config validate` and `hearth start` name file, key and reason; help.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { writeFileSync } from 'node:fs';
import { runCli } from '../harness.js';

describe('configuration errors', () => {
  it('`hearth config validate` names file, key and reason, with a did-you-mean', async () => {
    const { mkdtempSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'hearth-cfg-'));
    const file = join(dir, 'hearth.yml');
    writeFileSync(
      file,
      'server:\n  port: 8080\n  hots: 0.0.0.0\nmodels:\n  catalog:\n    m: { provider: openia, model: x }\n',
    );
    const r = await runCli(['config', 'validate', '--config', file]);
    assert.notEqual(r.code, 0);
    assert.match(
      r.stderr,
      new RegExp(
        `${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3: server\\.hots: unknown key "hots" \\(did you mean "host"\\?\\)`,
      ),
    );
    assert.match(r.stderr, /models\.catalog\.m\.provider: /);
    writeFileSync(file, '{}\n');
    const ok = await runCli(['config', 'validate', '--config', file]);
    assert.equal(ok.code, 0, ok.stderr);
  });

  it('`hearth start` with a bad config exits non-zero and says why', async () => {
    const { mkdtempSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'hearth-cfg-'));
    const file = join(dir, 'hearth.yml');
    writeFileSync(file, 'server:\n  port: eighty\n');
    const r = await runCli(['start', '--config', file], { env: { HEARTH_DATA_DIR: join(dir, 'data') } });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /hearth\.yml:2: server\.port: /);
  });

  it('prints help', async () => {
    const r = await runCli(['--help']);
    assert.equal(r.code, 0);
    for (const cmd of ['start', 'config', 'models']) assert.match(r.stdout, new RegExp(`\\b${cmd}\\b`));
  });
});
