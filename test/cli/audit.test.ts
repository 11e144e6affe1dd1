/**
 * Administrative actions on the running process land in the audit log; `hearth audit verify`
 * passes on the untouched log and fails, naming the row, after a direct database edit.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from '../../src/storage/sqlite-driver.js';
import { startOpenAIFake } from '../fakes/openai-server.js';
import { runCli, startHearth } from '../harness.js';

describe('audit trail through the running process and the CLI', () => {
  it('records a model switch, verifies, and detects tampering', async () => {
    const model = await startOpenAIFake();
    const h = await startHearth({
      config: `models:\n  default: a\n  catalog:\n    a: { provider: openai, baseUrl: "${model.baseUrl}", model: a }\n    b: { provider: openai, baseUrl: "${model.baseUrl}", model: b }\n`,
      keepDataDir: true,
    }).catch(async (err) => {
      await model.close(); // an open fake would keep this file alive past the failure
      throw err;
    });
    const dataDir = h.dataDir;
    try {
      const res = await fetch(`${h.baseUrl}/admin/models/default`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${h.token}` },
        body: JSON.stringify({ model: 'b' }),
      });
      assert.equal(res.status, 200);
      const denied = await fetch(`${h.baseUrl}/admin/models/default`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: '{"model":"a"}',
      });
      assert.equal(denied.status, 401);
    } finally {
      await h.stop();
      await model.close();
    }
    const env = { HEARTH_DATA_DIR: dataDir };
    const exported = await runCli(['audit', 'export'], { env });
    assert.equal(exported.code, 0, exported.stderr);
    const rows = exported.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const sw = rows.find((r) => r.action === 'PUT /admin/models/default' && r.result === 'ok');
    assert.ok(sw, exported.stdout);
    assert.equal(sw.actor, 'api-token');
    assert.ok(rows.some((r) => r.action === 'PUT /admin/models/default' && r.result === 'denied'));
    assert.equal((await runCli(['audit', 'verify'], { env })).code, 0);

    const db = new Database(join(dataDir, 'security', 'audit.db'));
    db.exec('DROP TRIGGER audit_no_update;');
    db.prepare("UPDATE audit SET actor = 'someone-else' WHERE seq = ?").run(sw.seq);
    db.close();
    const broken = await runCli(['audit', 'verify'], { env });
    assert.equal(broken.code, 1);
    assert.match(broken.stdout + broken.stderr, new RegExp(`row ${sw.seq}`));
  });
});
