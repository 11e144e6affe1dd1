/**
 * WhatsApp Web credentials at rest: encrypted with the security module's field cipher (a real
 * keyring + master key in a temporary folder), migrated from Baileys' plaintext files, and a clear
 * HEARTH_E_CRYPTO error when the key does not fit.
 */
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { BufferJSON, makeEventBuffer, useMultiFileAuthState } from '@whiskeysockets/baileys';
import { FieldCipher } from '../../../src/security/field-cipher.js';
import { rotateDataKey } from '../../../src/security/key-rotation.js';
import { whatsappAuthKeySource } from '../../../src/channels/whatsapp/auth-key-rotation.js';
import { useEncryptedFileAuthState } from '../../../src/channels/whatsapp/encrypted-auth-state.js';
import { createChannel } from '../../../src/channels/whatsapp/index.js';
import { whatsappConfigSchema } from '../../../src/channels/whatsapp/config.js';
import type { WebSocketLike } from '../../../src/channels/whatsapp/web.js';
import { createTestContext } from '../test-context.js';

const dirs: string[] = [];

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'hearth-wa-auth-'));
  dirs.push(dir);
  return dir;
}

/** A field cipher of a fresh installation (its own keyring and master key). */
async function installationCipher(): Promise<FieldCipher> {
  return FieldCipher.open(join(await tempDir(), 'keyring.json'), randomBytes(32));
}

/** Every file of the folder, concatenated, to search for leaked plaintext. */
async function folderText(dir: string): Promise<string> {
  let all = '';
  for (const name of await readdir(dir)) all += `${name}\n${await readFile(join(dir, name), 'utf8')}\n`;
  return all;
}

/** Field names and key bytes that must never appear in clear on disk. */
function plaintextMarkers(creds: Awaited<ReturnType<typeof useMultiFileAuthState>>['state']['creds']): string[] {
  return [
    'noiseKey',
    'signedIdentityKey',
    'signedPreKey',
    'registrationId',
    'advSecretKey',
    'pairingEphemeralKeyPair',
    creds.advSecretKey,
    Buffer.from(creds.noiseKey.private).toString('base64'),
    Buffer.from(creds.signedIdentityKey.private).toString('base64'),
  ];
}

/** A value as it comes back from disk (JSON drops undefined fields). */
function stored<T>(value: T): T {
  return JSON.parse(JSON.stringify(value, BufferJSON.replacer), BufferJSON.reviver) as T;
}

afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

test('credentials and keys are written encrypted and read back intact', async () => {
  const dir = await tempDir();
  const cipher = await installationCipher();
  const store = await useEncryptedFileAuthState(dir, cipher);
  const preKey = { private: randomBytes(32), public: randomBytes(32) };
  await store.saveCreds();
  await store.state.keys.set({
    'pre-key': { '7': preKey },
    session: { '4915112345678.0': Buffer.from('session-record') },
  });

  const onDisk = await folderText(dir);
  for (const marker of [
    ...plaintextMarkers(store.state.creds),
    preKey.private.toString('base64'),
    'session-record',
    'c2Vzc2lvbi1yZWNvcmQ',
  ]) {
    assert.ok(!onDisk.includes(marker), `"${marker.slice(0, 20)}" must not be on disk in clear`);
  }
  for (const name of await readdir(dir))
    assert.match(await readFile(join(dir, name), 'utf8'), /^hearth:enc:v1:/, `${name} is encrypted`);
  assert.deepEqual((await readdir(dir)).sort(), ['creds.json', 'pre-key-7.json', 'session-4915112345678.0.json']);

  const reopened = await useEncryptedFileAuthState(dir, cipher);
  assert.deepEqual(reopened.state.creds, stored(store.state.creds));
  const keys = await reopened.state.keys.get('pre-key', ['7', '8']);
  assert.deepEqual(keys['7'], preKey);
  assert.equal(keys['8'], null);
  assert.deepEqual(
    (await reopened.state.keys.get('session', ['4915112345678.0']))['4915112345678.0'],
    Buffer.from('session-record'),
  );

  await reopened.state.keys.set({ 'pre-key': { '7': null } });
  assert.deepEqual(
    (await readdir(dir)).sort(),
    ['creds.json', 'session-4915112345678.0.json'],
    'a null value deletes the file',
  );
});

test("Baileys' plaintext files are encrypted in place on the first start", async () => {
  const dir = await tempDir();
  const plain = await useMultiFileAuthState(dir);
  await plain.saveCreds();
  const preKey = { private: randomBytes(32), public: randomBytes(32) };
  await plain.state.keys.set({ 'pre-key': { '1': preKey } });
  assert.ok((await folderText(dir)).includes('noiseKey'), 'Baileys wrote plaintext');

  const cipher = await installationCipher();
  const store = await useEncryptedFileAuthState(dir, cipher);
  assert.deepEqual(store.migrated.sort(), ['creds.json', 'pre-key-1.json']);
  assert.deepEqual(store.state.creds, stored(plain.state.creds));
  const onDisk = await folderText(dir);
  for (const marker of plaintextMarkers(plain.state.creds))
    assert.ok(!onDisk.includes(marker), `"${marker.slice(0, 20)}" is gone from disk`);
  assert.deepEqual((await store.state.keys.get('pre-key', ['1']))['1'], preKey);
  assert.equal((await plain.state.keys.get('pre-key', ['1']))['1'], null, 'Baileys no longer finds plaintext there');
  assert.deepEqual((await useEncryptedFileAuthState(dir, cipher)).migrated, [], 'nothing left to migrate');
});

test('a wrong key gives a clear HEARTH_E_CRYPTO error instead of fresh credentials', async () => {
  const dir = await tempDir();
  await (await useEncryptedFileAuthState(dir, await installationCipher())).saveCreds();
  const before = await readFile(join(dir, 'creds.json'), 'utf8');
  await assert.rejects(
    useEncryptedFileAuthState(dir, await installationCipher()),
    (error: Error & { code?: string }) => {
      assert.equal(error.code, 'HEARTH_E_CRYPTO');
      assert.match(error.message, /WhatsApp credentials in .* cannot be decrypted \(creds\.json: .*not in the keyring/);
      return true;
    },
  );
  await assert.rejects(useEncryptedFileAuthState(dir, undefined), { code: 'HEARTH_E_CRYPTO' });
  assert.equal(await readFile(join(dir, 'creds.json'), 'utf8'), before, 'the stored credentials are left untouched');
});

test('a file copied over another does not decrypt (each is bound to its name)', async () => {
  const dir = await tempDir();
  const cipher = await installationCipher();
  const store = await useEncryptedFileAuthState(dir, cipher);
  await store.state.keys.set({
    'pre-key': {
      '1': { private: randomBytes(32), public: randomBytes(32) },
      '2': { private: randomBytes(32), public: randomBytes(32) },
    },
  });
  await copyFile(join(dir, 'pre-key-1.json'), join(dir, 'pre-key-2.json'));
  await assert.rejects(async () => store.state.keys.get('pre-key', ['2']), { code: 'HEARTH_E_CRYPTO' });
});

function idleSocket(): WebSocketLike {
  return {
    ev: makeEventBuffer(pino({ level: 'silent' }) as never),
    sendMessage: async () => undefined,
    sendPresenceUpdate: async () => undefined,
    readMessages: async () => undefined,
    updateMediaMessage: async (m: unknown) => m,
    end: () => undefined,
  } as unknown as WebSocketLike;
}

test('the channel stores its credentials through the cipher from its deps, and fails clearly on a wrong key', async () => {
  const authDir = await tempDir();
  const cipher = await installationCipher();
  const config = whatsappConfigSchema.parse({ mode: 'web', web: { authDir, printQr: false } });
  const sockets: WebSocketLike[] = [];
  const ctx = createTestContext();
  const channel = createChannel(
    config,
    { log: ctx.log, dataDir: authDir, cipher },
    { makeSocket: () => (sockets.push(idleSocket()), sockets.at(-1)!) },
  );
  await channel.start(ctx);
  (sockets[0].ev as unknown as { emit(e: string, d: unknown): void }).emit('creds.update', {});
  const deadline = Date.now() + 2000;
  let saved = '';
  while (!saved && Date.now() < deadline) saved = await readFile(join(authDir, 'creds.json'), 'utf8').catch(() => '');
  await channel.stop();
  assert.match(saved, /^hearth:enc:v1:/);
  assert.ok(JSON.parse(cipher.decrypt(saved, 'channels.whatsapp.auth/creds.json')).noiseKey);

  const other = createTestContext();
  const wrong = createChannel(
    config,
    { log: other.log, dataDir: authDir, cipher: await installationCipher() },
    { makeSocket: () => idleSocket() },
  );
  await wrong.start(other);
  assert.equal(wrong.status().state, 'failed');
  assert.match(wrong.status().reason ?? '', /cannot be decrypted/);
  await other.waitForLog((l) => l.msg === 'whatsapp: credentials cannot be read' && l.code === 'HEARTH_E_CRYPTO');
  await wrong.stop();
});

test('key rotation re-encrypts the credential files, so retiring the old key keeps them readable', async () => {
  const dir = await tempDir();
  const cipher = await installationCipher();
  const store = await useEncryptedFileAuthState(dir, cipher);
  await store.saveCreds();
  await store.state.keys.set({ 'pre-key': { '3': { private: randomBytes(32), public: randomBytes(32) } } });
  const oldKey = cipher.activeKeyId;
  const report = await rotateDataKey(cipher, [whatsappAuthKeySource(dir)]);
  assert.equal(report.reencrypted, 2);
  assert.deepEqual(report.retired, [oldKey]);
  for (const name of await readdir(dir))
    assert.equal(FieldCipher.keyIdOf(await readFile(join(dir, name), 'utf8')), report.newKeyId);
  const reopened = await useEncryptedFileAuthState(dir, cipher);
  assert.deepEqual(reopened.state.creds, stored(store.state.creds));
  assert.ok((await reopened.state.keys.get('pre-key', ['3']))['3']);
});
