/**
 * `hearth admin hash-password` prints a hash the local admin can sign in with, and a config that
 * holds anything but such a hash is refused with a message naming the command.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli, startHearth } from '../harness.js';

const PASSWORD = 'correct horse battery';

describe('hearth admin hash-password', () => {
  it('prints a hash the admin signs in with', async () => {
    const out = await runCli(['admin', 'hash-password'], { input: `${PASSWORD}\n` });
    assert.equal(out.code, 0, out.stderr);
    const hash = out.stdout.trim();
    assert.match(hash, /^scrypt\$\d+\$8\$1\$[\w-]+\$[\w-]+$/);
    assert.ok(!out.stdout.includes(PASSWORD) && !out.stderr.includes(PASSWORD), 'the password is never echoed');

    const h = await startHearth({ config: `security:\n  admin:\n    passwordHash: "${hash}"\n` });
    try {
      const login = (password: string) =>
        fetch(`${h.baseUrl}/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: 'admin', password }),
        });
      assert.equal((await login(PASSWORD)).status, 200);
      assert.equal((await login('correct horse battery staple')).status, 401);
    } finally {
      await h.stop();
    }
  });

  it('refuses a password shorter than 8 characters', async () => {
    const out = await runCli(['admin', 'hash-password'], { input: 'short' });
    assert.equal(out.code, 1);
    assert.match(out.stderr, /at least 8 characters/);
    assert.equal(out.stdout, '');
  });

  it('a plain password in security.admin.passwordHash is a config error that names the command', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hearth-hash-'));
    try {
      const file = join(dir, 'hearth.yml');
      writeFileSync(file, 'security:\n  admin:\n    passwordHash: hunter2hunter2\n');
      const out = await runCli(['config', 'validate', '--config', file]);
      assert.equal(out.code, 1);
      assert.match(out.stderr, /security\.admin\.passwordHash/);
      assert.match(out.stderr, /hearth admin hash-password/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
