import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FieldCipher } from '../../src/security/field-cipher.js';
import { openSqliteSecretStore } from '../../src/security/secret-store.js';
import { rotateKeys, verifyAudit } from '../../src/security/index.js';
import { HearthError } from '../../src/core/errors.js';
import { makeFixture, securityConfig, silentLog, MASTER_KEY, type Fixture } from './fixtures.js';

const SLACK_TOKEN = 'xoxb-PLAINTEXT-CANARY-123456789';
const OPENAI_KEY = 'sk-PLAINTEXT-CANARY-abcdefghijklmnop';

/** Every byte of the security database, WAL included. */
function dbBytes(dataDir: string): string {
  const base = join(dataDir, 'security', 'security.db');
  return [base, `${base}-wal`]
    .filter(existsSync)
    .map((p) => readFileSync(p).toString('latin1'))
    .join('');
}

describe('AES-256-GCM field encryption', () => {
  let f: Fixture;
  before(async () => {
    f = await makeFixture();
    await f.security.secrets.set('channels.slack.botToken', SLACK_TOKEN);
    await f.security.secrets.set('models.openai.apiKey', OPENAI_KEY);
  });
  after(() => f.close());

  it('stores ciphertext, never plaintext, and reads the values back', async () => {
    const bytes = dbBytes(f.dataDir);
    assert.ok(!bytes.includes(SLACK_TOKEN) && !bytes.includes(OPENAI_KEY), 'plaintext found on disk');
    assert.ok(bytes.includes('hearth:enc:v1:'), 'ciphertext format present');
    assert.equal(await f.security.secrets.get('channels.slack.botToken'), SLACK_TOKEN);
  });

  it('binds each value to its field: a ciphertext moved to another field does not decrypt', () => {
    const c = f.security.crypto;
    const v = c.encrypt('secret', 'a');
    assert.equal(c.decrypt(v, 'a'), 'secret');
    assert.throws(
      () => c.decrypt(v, 'b'),
      (e: unknown) => e instanceof HearthError && e.code === 'HEARTH_E_CRYPTO',
    );
    const tampered = v.slice(0, -3) + (v.endsWith('AAA') ? 'BBB' : 'AAA');
    assert.throws(() => c.decrypt(tampered, 'a'), /failed authentication/);
  });

  it('rotation re-encrypts everything under a new key, retires the old one, and is audited', async () => {
    const before = f.security.crypto.activeKeyId;
    const report = await rotateKeys({
      config: securityConfig(),
      dataDir: f.dataDir,
      log: silentLog,
      env: { HEARTH_MASTER_KEY: MASTER_KEY },
    });
    assert.notEqual(report.newKeyId, before);
    assert.equal(report.reencrypted, 2);
    assert.deepEqual(report.retired, [before]);
    // The running server (another FieldCipher instance) picks up the rotated keyring without a restart.
    assert.equal(f.security.crypto.activeKeyId, report.newKeyId);
    assert.deepEqual(f.security.crypto.keyIds(), [report.newKeyId]);
    assert.equal(await f.security.secrets.get('models.openai.apiKey'), OPENAI_KEY);
    const lines: string[] = [];
    assert.equal((await verifyAudit({ dataDir: f.dataDir, print: (l) => lines.push(l) })).exitCode, 0);
    const rows = [];
    for await (const l of f.security.audit.export()) rows.push(JSON.parse(l) as { action: string });
    assert.ok(rows.some((r) => r.action === 'keys.rotate'));
  });

  it('a value written under a retired key gives a clear error, not garbage', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hearth-kr-'));
    try {
      const c = FieldCipher.open(join(dir, 'keyring.json'), Buffer.alloc(32, 1));
      const old = c.encrypt('v');
      const oldKid = c.activeKeyId;
      c.addKey();
      c.retireKey(oldKid);
      assert.throws(
        () => c.decrypt(old),
        (e: unknown) => e instanceof HearthError && /not in the keyring/.test(e.message),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a wrong master key is refused with a clear error', () => {
    const ring = join(f.dataDir, 'security', 'keyring.json');
    assert.throws(
      () => FieldCipher.open(ring, Buffer.alloc(32, 9)),
      (e: unknown) => e instanceof HearthError && e.code === 'HEARTH_E_CRYPTO' && /master key/.test(e.message),
    );
    assert.throws(() => openSqliteSecretStore(':memory:', FieldCipher.open(ring, Buffer.alloc(32, 9))), /master key/);
  });

  it('a malformed master key is refused', async () => {
    await assert.rejects(
      rotateKeys({
        config: securityConfig(),
        dataDir: f.dataDir,
        log: silentLog,
        env: { HEARTH_MASTER_KEY: 'dG9vIHNob3J0' },
      }),
      /32 bytes/,
    );
  });
});
