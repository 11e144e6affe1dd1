/**
 * The BlobStore contract, run against the local folder and an S3-compatible server (s3rver) through
 * the real `@aws-sdk/client-s3` with path-style URLs.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { BlobStore } from '../../src/core/stores.js';
import { LocalBlobStore } from '../../src/storage/blobs/local.js';
import { S3BlobStore } from '../../src/storage/blobs/s3.js';
import { startS3, type S3Fake } from './s3-server.js';

async function collect(r: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of r) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** A stream of `total` pseudo-random bytes in uneven chunks, with no known length. */
function unevenStream(data: Buffer): Readable {
  let at = 0;
  return new Readable({
    read() {
      if (at >= data.length) return this.push(null);
      const n = 1 + ((at * 7919) % 65_521);
      this.push(data.subarray(at, at + n));
      at += n;
    },
  });
}

function blobContract(name: string, create: () => Promise<BlobStore>, cleanup: () => Promise<void>): void {
  describe(`BlobStore contract: ${name}`, () => {
    let store: BlobStore;
    before(async () => (store = await create()));
    after(async () => {
      await store.close();
      await cleanup();
    });

    it('puts a buffer and reads it back with its metadata', async () => {
      const data = Buffer.from('hello blob');
      const meta = await store.put('media/2026/a.txt', data, { mimeType: 'text/plain', fileName: 'ä note.txt' });
      assert.deepEqual(meta, { mimeType: 'text/plain', fileName: 'ä note.txt', size: data.length });
      assert.deepEqual(await store.get('media/2026/a.txt'), data);
      assert.deepEqual(await store.head('media/2026/a.txt'), {
        mimeType: 'text/plain',
        fileName: 'ä note.txt',
        size: data.length,
      });
      assert.deepEqual(await collect((await store.stream('media/2026/a.txt'))!), data);
    });

    it('stores a streamed upload byte for byte (no transfer framing in the object)', async () => {
      const data = randomBytes(6 * 1024 * 1024 + 12_345); // more than one 5 MiB multipart part
      const meta = await store.put('backups/big.bin', unevenStream(data), { mimeType: 'application/octet-stream' });
      assert.equal(meta.size, data.length);
      const back = await store.get('backups/big.bin');
      assert.equal(back?.length, data.length);
      assert.equal(createHash('sha256').update(back!).digest('hex'), createHash('sha256').update(data).digest('hex'));
      assert.equal((await store.head('backups/big.bin'))?.size, data.length);
    });

    it('overwrites, deletes, and answers undefined for what is missing', async () => {
      await store.put('snap/x', Buffer.from('one'));
      await store.put('snap/x', Buffer.from('two!'));
      assert.equal((await store.get('snap/x'))?.toString(), 'two!');
      await store.delete('snap/x');
      assert.equal(await store.get('snap/x'), undefined);
      assert.equal(await store.stream('snap/x'), undefined);
      assert.equal(await store.head('snap/x'), undefined);
      await store.delete('snap/x');
    });

    it('rejects keys that escape the store', async () => {
      await assert.rejects(store.put('../outside', Buffer.from('x')), /invalid blob key/);
      await assert.rejects(store.get('a/../../b'), /invalid blob key/);
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), 'hearth-blobs-'));
blobContract(
  'local folder',
  async () => new LocalBlobStore(dir),
  async () => rmSync(dir, { recursive: true, force: true }),
);

let s3: S3Fake;
blobContract(
  's3 (s3rver, path-style)',
  async () => {
    s3 = await startS3();
    const store = new S3BlobStore({
      bucket: 'hearth-test',
      region: 'us-east-1',
      endpoint: s3.endpoint,
      forcePathStyle: true,
      accessKeyId: 'S3RVER',
      secretAccessKey: 'S3RVER',
      prefix: 'inst1/',
    });
    await store.open();
    return store;
  },
  async () => s3.close(),
);
