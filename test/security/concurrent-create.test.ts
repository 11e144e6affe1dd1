/**
 * Replicas starting at once on a fresh shared data folder must agree on one master key, one
 * keyring and one JWT signing key (none may overwrite another's).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { createOnce } from '../../src/security/exclusive-file.js';

const dist = fileURLToPath(new URL('../../src/security/', import.meta.url));

function replica(dir: string): Promise<string> {
  const script = `
    import { openFieldCipher, securityPaths } from ${JSON.stringify(join(dist, 'data-files.js'))};
    import { TokenSigner } from ${JSON.stringify(join(dist, 'token-signer.js'))};
    import { configSchema } from ${JSON.stringify(join(dist, '../core/config.js'))};
    import pino from 'pino';
    const config = configSchema.parse({}).security;
    const cipher = openFieldCipher(config, ${JSON.stringify(dir)}, {}, pino({ level: 'silent' }));
    const signer = await TokenSigner.open(securityPaths(${JSON.stringify(dir)}).jwtKey, config.jwt);
    console.log(JSON.stringify({ key: cipher.activeKeyId, value: cipher.encrypt('secret', 'c'), kid: signer.publicJwk.kid }));
  `;
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('../../../', import.meta.url)),
    });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('exit', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(err))));
  });
}

describe('first start of several replicas at once', () => {
  it('createOnce keeps the first content', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'hearth-once-')), 'k');
    assert.equal(createOnce(file, 'first'), 'first');
    assert.equal(createOnce(file, 'second'), 'first');
  });

  it('four processes agree on one keyring and one signing key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hearth-replicas-'));
    const results = (await Promise.all([1, 2, 3, 4].map(() => replica(dir)))).map((l) => JSON.parse(l));
    assert.equal(new Set(results.map((r) => r.key)).size, 1, JSON.stringify(results));
    assert.equal(new Set(results.map((r) => r.kid)).size, 1, JSON.stringify(results));
    // What any replica encrypted, the keyring on disk decrypts.
    const { openFieldCipher } = await import('../../src/security/data-files.js');
    const { configSchema } = await import('../../src/core/config.js');
    const pino = (await import('pino')).default;
    const cipher = openFieldCipher(configSchema.parse({}).security, dir, {}, pino({ level: 'silent' }));
    for (const r of results) assert.equal(cipher.decrypt(r.value, 'c'), 'secret');
  });
});
