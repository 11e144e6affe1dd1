/**
 * Summaries and memories under `security.encryption.messageBodies`: not on disk in plain text,
 * read back (and exported) decrypted, and re-encrypted by key rotation so the old key can retire.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FieldCipher } from '../../src/security/field-cipher.js';
import { rotateDataKey } from '../../src/security/key-rotation.js';
import { conversationContextSources, valueCipher } from '../../src/security/value-cipher.js';
import { EncryptingHistoryStore } from '../../src/storage/history/encrypted.js';
import { SqliteHistoryStore } from '../../src/storage/history/sqlite.js';

const SUMMARY = 'SUMMARY-CANARY the user is planning a surprise for Maria';
const MEMORY = 'MEMORY-CANARY the spare key is under the blue pot';

describe('encrypted summaries and memories', () => {
  let dir: string;
  let raw: SqliteHistoryStore;
  let store: EncryptingHistoryStore;
  let cipher: FieldCipher;
  const conversationId = 'webchat:secret';

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hearth-ctx-enc-'));
    cipher = FieldCipher.open(join(dir, 'keyring.json'), Buffer.alloc(32, 3));
    raw = new SqliteHistoryStore(join(dir, 'hearth.db'));
    store = new EncryptingHistoryStore(raw, valueCipher(cipher));
    await store.open();
    await store.upsertConversation({
      id: conversationId,
      channel: 'webchat',
      chatId: 'secret',
      userId: 'ann',
      agent: 'default',
      createdAt: 1,
      updatedAt: 1,
    });
    await store.saveSummary({ conversationId, content: SUMMARY, throughMessageId: 'm1', updatedAt: 2 });
    await store.addMemory({ id: 'k1', conversationId, userId: 'ann', content: MEMORY, createdAt: 3 });
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores ciphertext and reads plaintext back, in the export too', async () => {
    const stored = await raw.getSummary(conversationId);
    assert.ok(FieldCipher.isEncrypted(stored!.content) && !stored!.content.includes('CANARY'));
    assert.ok(FieldCipher.isEncrypted((await raw.listMemories(conversationId))[0]!.content));
    const file = join(dir, 'hearth.db');
    const bytes = [file, `${file}-wal`]
      .filter(existsSync)
      .map((p) => readFileSync(p).toString('latin1'))
      .join('');
    assert.ok(!bytes.includes('CANARY'), 'plaintext found on disk');
    assert.equal((await store.getSummary(conversationId))?.content, SUMMARY);
    assert.deepEqual(
      (await store.listMemories(conversationId)).map((m) => m.content),
      [MEMORY],
    );
    const dump = await store.exportUser('ann');
    assert.deepEqual(
      [dump.summaries.map((s) => s.content), dump.memories.map((m) => m.content)],
      [[SUMMARY], [MEMORY]],
    );
  });

  it('key rotation re-encrypts both, so the old key retires and they still read', async () => {
    const old = cipher.activeKeyId;
    const report = await rotateDataKey(cipher, conversationContextSources(raw, true));
    assert.equal(report.reencrypted, 2);
    assert.deepEqual(report.retired, [old]);
    assert.equal(FieldCipher.keyIdOf((await raw.getSummary(conversationId))!.content), report.newKeyId);
    assert.equal((await store.getSummary(conversationId))?.content, SUMMARY);
    const [memory] = await store.listMemories(conversationId);
    assert.deepEqual([memory!.id, memory!.content, memory!.createdAt], ['k1', MEMORY, 3]);
  });
});
