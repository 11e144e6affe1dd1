/**
 * Unsafe or invalid uploads are refused with a 4xx and a reason, nothing is left installed,
 * and the admin API keeps serving.
 */
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startAdmin, type AdminFixture } from './admin-fixture.js';
import { buildZip, uploadableSkill } from './zip-builder.js';

const manifest = JSON.stringify({
  name: 'stamper',
  version: '1.0.0',
  description: 'x',
  runtime: 'http',
  command: ['node', 'server.mjs'],
  tools: [{ name: 'stamp', description: 'x' }],
});

/** Everything left in the skills folder apart from the installed-skills record. */
function leftovers(a: AdminFixture): string[] {
  const dir = join(a.dataDir, 'skills');
  const top = readdirSync(dir).filter((f) => f !== 'installed.json');
  return top.flatMap((f) => (f === '.staging' ? readdirSync(join(dir, f)).map((x) => `.staging/${x}`) : [f]));
}

describe('skill ZIP rejections', () => {
  let a: AdminFixture;

  before(async () => {
    a = await startAdmin(
      { upload: { maxFiles: 10, maxUnpackedBytes: 2 * 1024 * 1024, maxCompressionRatio: 100 } },
      1024 * 1024,
    );
  });

  after(async () => {
    await a?.close();
  });

  const cases: Array<{ name: string; zip: () => Buffer; status: number; code: string; reason: RegExp }> = [
    {
      name: 'parent traversal',
      zip: () =>
        buildZip([
          { name: 'skill.json', data: manifest },
          { name: '../evil.js', data: 'x' },
        ]),
      status: 400,
      code: 'HEARTH_E_SKILL_ZIP',
      reason: /path/,
    },
    {
      name: 'nested traversal',
      zip: () =>
        buildZip([
          { name: 'skill.json', data: manifest },
          { name: 'a/../../evil.js', data: 'x' },
        ]),
      status: 400,
      code: 'HEARTH_E_SKILL_ZIP',
      reason: /path/,
    },
    {
      name: 'absolute path',
      zip: () =>
        buildZip([
          { name: 'skill.json', data: manifest },
          { name: '/etc/evil', data: 'x' },
        ]),
      status: 400,
      code: 'HEARTH_E_SKILL_ZIP',
      reason: /absolute/,
    },
    {
      name: 'backslash traversal',
      zip: () =>
        buildZip([
          { name: 'skill.json', data: manifest },
          { name: '..\\evil.js', data: 'x' },
        ]),
      status: 400,
      code: 'HEARTH_E_SKILL_ZIP',
      reason: /path|backslash/,
    },
    {
      name: 'symlink out',
      zip: () =>
        buildZip([
          { name: 'skill.json', data: manifest },
          { name: 'link', data: '/etc/passwd', mode: 0o120777 },
        ]),
      status: 400,
      code: 'HEARTH_E_SKILL_ZIP',
      reason: /symlink/,
    },
    {
      name: 'too many files',
      zip: () =>
        buildZip([
          { name: 'skill.json', data: manifest },
          ...Array.from({ length: 12 }, (_, i) => ({ name: `f${i}.txt`, data: 'x' })),
        ]),
      status: 400,
      code: 'HEARTH_E_SKILL_ZIP',
      reason: /files, more than the limit of 10/,
    },
    {
      name: 'too many unpacked bytes',
      // Two bits of entropy per byte: compresses about 4:1, so only the size limit can catch it.
      zip: () =>
        buildZip([
          { name: 'skill.json', data: manifest },
          { name: 'big.bin', data: Buffer.from(randomBytes(3 * 1024 * 1024).map((b) => b & 3)), deflate: true },
        ]),
      status: 400,
      code: 'HEARTH_E_SKILL_ZIP',
      reason: /unpacked size over the limit/,
    },
    {
      name: 'zip bomb (compression ratio)',
      zip: () =>
        buildZip([
          { name: 'skill.json', data: manifest },
          { name: 'bomb.bin', data: Buffer.alloc(1024 * 1024), deflate: true },
        ]),
      status: 400,
      code: 'HEARTH_E_SKILL_ZIP',
      reason: /compression ratio/,
    },
    {
      name: 'declared size smaller than actual',
      zip: () =>
        buildZip([
          { name: 'skill.json', data: manifest },
          { name: 'liar.bin', data: Buffer.alloc(200_000, 1), deflate: true, declaredSize: 100 },
        ]),
      status: 400,
      code: 'HEARTH_E_SKILL_ZIP',
      reason: /declared|too many bytes|size/,
    },
    {
      name: 'a file, then an entry below it',
      zip: () =>
        buildZip([
          { name: 'skill.json', data: manifest },
          { name: 'lib', data: 'x' },
          { name: 'lib/a.js', data: 'x' },
        ]),
      status: 400,
      code: 'HEARTH_E_SKILL_ZIP',
      reason: /clashes with an earlier entry/,
    },
    {
      name: 'a file, then a folder of the same name',
      zip: () => buildZip([{ name: 'skill.json', data: manifest }, { name: 'lib', data: 'x' }, { name: 'lib/' }]),
      status: 400,
      code: 'HEARTH_E_SKILL_ZIP',
      reason: /clashes with an earlier entry/,
    },
    {
      name: 'duplicate entry',
      zip: () =>
        buildZip([
          { name: 'skill.json', data: manifest },
          { name: 'skill.json', data: manifest },
        ]),
      status: 400,
      code: 'HEARTH_E_SKILL_ZIP',
      reason: /skill\.json/,
    },
    {
      name: 'manifest is a folder',
      zip: () => buildZip([{ name: 'skill.json/' }, { name: 'skill.json/x', data: 'x' }]),
      status: 400,
      code: 'HEARTH_E_SKILL_INVALID',
      reason: /skill\.json/,
    },
    {
      name: 'not a zip',
      zip: () => Buffer.from('definitely not a zip file'),
      status: 400,
      code: 'HEARTH_E_SKILL_ZIP',
      reason: /not a valid ZIP/,
    },
    {
      name: 'missing manifest',
      zip: () => buildZip([{ name: 'server.mjs', data: 'x' }]),
      status: 400,
      code: 'HEARTH_E_SKILL_INVALID',
      reason: /no skill\.json/,
    },
    {
      name: 'manifest not JSON',
      zip: () => buildZip([{ name: 'skill.json', data: '{ nope' }]),
      status: 400,
      code: 'HEARTH_E_SKILL_INVALID',
      reason: /not valid JSON/,
    },
    {
      name: 'invalid manifest',
      zip: () =>
        buildZip([
          { name: 'skill.json', data: JSON.stringify({ name: 'Bad Name', version: '1', runtime: 'http', tools: [] }) },
        ]),
      status: 400,
      code: 'HEARTH_E_SKILL_INVALID',
      reason: /name: .*version: /,
    },
    {
      name: 'in-process upload',
      zip: () =>
        buildZip([
          {
            name: 'skill.json',
            data: JSON.stringify({ ...JSON.parse(manifest), runtime: 'in-process', entry: 'x.js' }),
          },
        ]),
      status: 400,
      code: 'HEARTH_E_SKILL_INVALID',
      reason: /out of process/,
    },
    {
      name: 'name of a built-in',
      zip: () => uploadableSkill('9.0.0', [], { name: 'calculator' }),
      status: 409,
      code: 'HEARTH_E_SKILL_EXISTS',
      reason: /builtin/,
    },
    {
      name: 'skill that does not start',
      zip: () => uploadableSkill('1.0.0', [], { command: ['node', 'missing.mjs'] }),
      status: 422,
      code: 'HEARTH_E_SKILL_INVALID',
      reason: /did not start/,
    },
    {
      name: 'larger than the upload limit',
      zip: () =>
        buildZip([
          { name: 'skill.json', data: manifest },
          { name: 'pad', data: Buffer.alloc(1100 * 1024, 3) },
        ]),
      status: 413,
      code: 'HEARTH_E_TOO_LARGE',
      reason: /limit/,
    },
  ];

  for (const c of cases) {
    it(`rejects: ${c.name}`, async () => {
      const res = await a.upload(c.zip());
      assert.equal(res.status, c.status, JSON.stringify(res.body));
      assert.equal(res.body.error.code, c.code);
      assert.match(res.body.error.message, c.reason);
      if (process.env.SHOW_REASONS) console.log(`${c.name}: ${res.body.error.message}`);
      assert.deepEqual(leftovers(a), [], 'nothing half-installed');
      assert.equal(a.host.get('stamper'), undefined);
      const list = await a.app.inject({ method: 'GET', url: '/admin/skills' });
      assert.equal(list.statusCode, 200, 'the API keeps serving');
    });
  }

  it('rejects a request without the file field', async () => {
    const res = await a.app.inject({
      method: 'POST',
      url: '/admin/skills',
      headers: { 'content-type': 'application/json' },
      payload: '{}',
    });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error.code, 'HEARTH_E_BAD_REQUEST');
  });
});

describe('skill signatures', () => {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const other = generateKeyPairSync('ed25519');
  const rawPublic = publicKey.export({ format: 'der', type: 'spki' }).subarray(12).toString('base64');
  let a: AdminFixture;

  before(async () => {
    a = await startAdmin({ signatures: { required: true, publicKeys: [rawPublic] } });
  });

  after(async () => {
    await a?.close();
  });

  it('refuses an unsigned skill when signatures are required', async () => {
    const res = await a.upload(uploadableSkill('1.0.0'));
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, 'HEARTH_E_SKILL_SIGNATURE');
  });

  it('refuses a signature from an untrusted key', async () => {
    const zip = uploadableSkill('1.0.0');
    const res = await a.upload(zip, { signature: sign(null, zip, other.privateKey).toString('base64') });
    assert.equal(res.status, 400);
    assert.match(res.body.error.message, /does not match/);
    assert.deepEqual(leftovers(a), []);
  });

  it('refuses a signature of different bytes', async () => {
    const res = await a.upload(uploadableSkill('1.0.0'), {
      signature: sign(null, uploadableSkill('1.0.1'), privateKey).toString('base64'),
    });
    assert.equal(res.status, 400);
  });

  it('accepts a skill signed by a trusted key (raw or PEM)', async () => {
    const zip = uploadableSkill('1.0.0');
    const res = await a.upload(zip, { signature: sign(null, zip, privateKey).toString('base64') });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const pem = await startAdmin({
      signatures: { required: true, publicKeys: [publicKey.export({ format: 'pem', type: 'spki' }).toString()] },
    });
    try {
      assert.equal((await pem.upload(zip, { signature: sign(null, zip, privateKey).toString('base64') })).status, 201);
    } finally {
      await pem.close();
    }
  });
});
