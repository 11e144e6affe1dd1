/**
 * `hearth backup` taken while Hearth serves, `hearth backup verify`, and `hearth restore` into an
 * empty folder: every row of every database and every other file comes back, and the restored
 * install answers on a model added through the admin API with its encrypted API key. A damaged
 * archive and a non-empty target are refused and change nothing.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tar from 'tar';
import { LocalBlobStore } from '../../../src/storage/blobs/local.js';
import { startOpenAIFake, type ModelFake } from '../../fakes/openai-server.js';
import { runCli, startHearth } from '../../harness.js';
import { dumpSqlite, filesUnder, isSqliteFile } from './sqlite-tables.js';

type ChatAnswer = { choices: Array<{ message: { content: string } }> };

const MODEL_KEY = 'sk-backup-test-key-7f3a';

async function chat(
  baseUrl: string,
  token: string,
  model: string,
  text: string,
): Promise<{ status: number; body: ChatAnswer }> {
  const res = await fetch(`${baseUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: text }] }),
  });
  return { status: res.status, body: (await res.json()) as ChatAnswer };
}

describe('hearth backup / verify / restore on the embedded shape', () => {
  let root: string;
  let dataDir: string;
  let archive: string;
  let original: Record<string, Record<string, string[]>>;
  let originalFiles: string[];
  let keyed: ModelFake;
  let plain: ModelFake;
  const env = (extra: Record<string, string> = {}) => ({ HEARTH_DATA_DIR: dataDir, ...extra });

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'hearth-backup-'));
    dataDir = join(root, 'data');
    keyed = await startOpenAIFake({ apiKey: MODEL_KEY });
    plain = await startOpenAIFake();
    const blobs = new LocalBlobStore(join(dataDir, 'blobs'));
    await blobs.put('media/photo.bin', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7) % 256)));
    mkdirSync(join(dataDir, 'skill-data', 'notes'), { recursive: true });
    writeFileSync(join(dataDir, 'skill-data', 'notes', 'default.json'), '[{"text":"buy milk"}]');
    const h = await startHearth({
      dataDir,
      config: `models:\n  default: plain\n  catalog:\n    plain: { provider: openai, baseUrl: "${plain.baseUrl}", model: p }\n`,
      timeoutMs: 60_000,
    });
    try {
      const put = await fetch(`${h.baseUrl}/admin/models/keyed`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${h.token}` },
        body: JSON.stringify({ provider: 'openai', baseUrl: keyed.baseUrl, model: 'k', apiKey: MODEL_KEY }),
      });
      assert.equal(put.status, 200, await put.text());
      const form = new FormData();
      form.append(
        'file',
        new Blob(['# Opening hours\n\nThe office opens at nine.\n'], { type: 'text/markdown' }),
        'hours.md',
      );
      const upload = await fetch(`${h.baseUrl}/admin/knowledge/handbook/documents`, {
        method: 'POST',
        headers: { authorization: `Bearer ${h.token}` },
        body: form,
      });
      assert.ok(upload.status === 201 || upload.status === 202, await upload.text());
      for (let i = 0; ; i++) {
        const list = (await (
          await fetch(`${h.baseUrl}/admin/knowledge/handbook/documents`, {
            headers: { authorization: `Bearer ${h.token}` },
          })
        ).json()) as { documents: Array<{ status: string }> };
        if (list.documents[0]?.status === 'indexed') break;
        assert.ok(i < 300, `the document is indexed: ${JSON.stringify(list)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      for (let i = 0; i < 5; i++) assert.equal((await chat(h.baseUrl, h.token, 'plain', `question ${i}`)).status, 200);
      // The canvas opens its room log (canvas.db) with the first room anyone opens.
      const room = await fetch(`${h.baseUrl}/canvas/backup-room/elements`, {
        headers: { authorization: `Bearer ${h.token}` },
      });
      assert.equal(room.status, 200, await room.text());
      assert.equal((await chat(h.baseUrl, h.token, 'keyed', 'through the keyed model')).status, 200);
      // Online: the backup runs while the process holds every database open.
      const out = join(root, 'backups');
      mkdirSync(out);
      const r = await runCli(['backup', '--out', out], { env: env() });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /backup written: .*hearth-backup-.*\.tar\.gz/);
      archive = join(
        out,
        readdirSync(out).find((n) => n.endsWith('.tar.gz'))!,
      );
    } finally {
      await h.stop();
    }
    // Nothing was written after the backup (the process only answered before it), so the data
    // folder as it is now is what the archive must reproduce.
    originalFiles = filesUnder(dataDir);
    original = {};
    for (const f of originalFiles) if (isSqliteFile(join(dataDir, f))) original[f] = dumpSqlite(join(dataDir, f));
  });

  after(async () => {
    await keyed.close();
    await plain.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('holds every database, key and file, and verifies', async () => {
    for (const f of [
      'hearth.db',
      'canvas.db',
      'knowledge.db',
      'security/security.db',
      'security/audit.db',
      'security/keyring.json',
      'security/master.key',
      'blobs/media/photo.bin',
      'skill-data/notes/default.json',
    ]) {
      assert.ok(
        originalFiles.some((o) => o === f || o.startsWith(f)),
        `${f} in the data folder`,
      );
    }
    const v = await runCli(['backup', 'verify', archive]);
    assert.equal(v.code, 0, v.stderr);
    assert.match(v.stdout, /ok/);
  });

  it('restores into an empty folder with every row and every file, and the restored install answers with its encrypted model key', async () => {
    const target = join(root, 'restored');
    const r = await runCli(['restore', archive, '--data-dir', target]);
    assert.equal(r.code, 0, r.stderr);
    const restoredFiles = filesUnder(target).filter((f) => !f.startsWith('config-from-backup/'));
    assert.deepEqual(restoredFiles, originalFiles);
    for (const f of originalFiles) {
      if (original[f]) assert.deepEqual(dumpSqlite(join(target, f)), original[f], `rows of ${f}`);
      else assert.ok(readFileSync(join(target, f)).equals(readFileSync(join(dataDir, f))), `bytes of ${f}`);
    }
    const messages = original['hearth.db']!.messages!;
    assert.ok(
      messages.some((m) => m.includes('question 4')),
      'the conversation is in the history',
    );

    const before = keyed.requests.length;
    const h = await startHearth({
      dataDir: target,
      config: `models:\n  default: plain\n  catalog:\n    plain: { provider: openai, baseUrl: "${plain.baseUrl}", model: p }\n`,
      timeoutMs: 60_000,
    });
    try {
      const answer = await chat(h.baseUrl, h.token, 'keyed', 'after the restore');
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.match(answer.body.choices[0].message.content, /after the restore/);
      assert.equal(keyed.requests.length, before + 1);
      assert.equal(keyed.requests.at(-1)!.headers.authorization, `Bearer ${MODEL_KEY}`);
      const conversations = await fetch(`${h.baseUrl}/admin/conversations`, {
        headers: { authorization: `Bearer ${h.token}` },
      });
      assert.equal(conversations.status, 200);
      assert.ok(((await conversations.json()) as { conversations: unknown[] }).conversations.length >= 6);
    } finally {
      await h.stop();
    }
  });

  it('refuses a non-empty target and leaves it untouched', async () => {
    const target = join(root, 'busy');
    mkdirSync(target);
    writeFileSync(join(target, 'hearth.db'), 'precious');
    const r = await runCli(['restore', archive, '--data-dir', target]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /not empty.*nothing was changed/);
    assert.deepEqual(readdirSync(target), ['hearth.db']);
    assert.equal(readFileSync(join(target, 'hearth.db'), 'utf8'), 'precious');
  });

  it('detects a flipped byte in the compressed stream and refuses to restore it', async () => {
    const bad = join(root, 'flipped.tar.gz');
    const bytes = readFileSync(archive);
    bytes[Math.floor(bytes.length / 2)] ^= 0x01;
    writeFileSync(bad, bytes);
    const v = await runCli(['backup', 'verify', bad]);
    assert.equal(v.code, 1);
    assert.match(v.stderr, /NOT OK/);
    const target = join(root, 'from-flipped');
    const r = await runCli(['restore', bad, '--data-dir', target]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /failed verification, nothing was changed/);
    assert.equal(readdirSync(root).includes('from-flipped'), false);
  });

  it('detects a member whose bytes no longer match the manifest (a re-packed archive)', async () => {
    const unpacked = join(root, 'unpacked');
    mkdirSync(unpacked);
    await tar.x({ file: archive, cwd: unpacked });
    const blob = join(unpacked, 'data', 'blobs', 'media', 'photo.bin');
    const b = readFileSync(blob);
    b[10] ^= 0xff;
    writeFileSync(blob, b);
    const repacked = join(root, 'repacked.tar.gz');
    await tar.c({ gzip: true, file: repacked, cwd: unpacked }, readdirSync(unpacked));
    const v = await runCli(['backup', 'verify', repacked]);
    assert.equal(v.code, 1);
    assert.match(v.stderr, /data\/blobs\/media\/photo\.bin: checksum mismatch/);
  });
});
