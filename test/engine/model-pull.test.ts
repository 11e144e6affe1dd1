/**
 * `pullModel` against a fake hub serving the tiny generated GGUF over real HTTP: checksum from the
 * hub's headers, resume with Range after a cut connection, mismatch rejected, no-Range restart.
 */
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findPulledModel, pullModel, resolvePullTarget } from '../../src/engine/model-pull.js';
import type { PullProgress } from '../../src/engine/model-pull.js';
import { defaultPullableModel, findPullableModel } from '../../src/engine/model-catalog.js';
import { HearthError } from '../../src/core/errors.js';
import { buildTinyGguf } from '../fakes/gguf-writer.js';
import { startModelHub, type ModelHub, type ModelHubOptions } from '../fakes/model-hub.js';

const model = findPullableModel(defaultPullableModel)!;
const hubPath = `${model.repo}/resolve/main/${model.file}`;
const gguf = buildTinyGguf({ seed: 3 });
const sha = createHash('sha256').update(gguf).digest('hex');

let root: string;
let hub: ModelHub | undefined;
let count = 0;

before(() => {
  root = mkdtempSync(join(tmpdir(), 'hearth-pull-'));
});
after(() => rmSync(root, { recursive: true, force: true }));
afterEach(async () => {
  await hub?.close();
  hub = undefined;
});

function freshDataDir(): string {
  const dir = join(root, `data-${count++}`);
  mkdirSync(dir);
  return dir;
}

async function serve(options: Partial<ModelHubOptions> = {}): Promise<ModelHub> {
  hub = await startModelHub({ files: { [hubPath]: gguf }, ...options });
  return hub;
}

const modelsDir = (dataDir: string) => join(dataDir, 'models');

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<HearthError> {
  let caught: unknown;
  await promise.catch((err: unknown) => (caught = err));
  assert.ok(caught instanceof HearthError, `expected a HearthError, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  return caught;
}

describe('pullModel', () => {
  test('downloads the default model through the hub redirect, verifies X-Linked-Etag and reports progress', async () => {
    const h = await serve();
    const dataDir = freshDataDir();
    const progress: PullProgress[] = [];
    const path = await pullModel({ dataDir, baseUrl: h.url, onProgress: (p) => progress.push(p) });
    assert.equal(path, join(modelsDir(dataDir), model.file));
    assert.deepEqual(readFileSync(path), gguf);
    assert.deepEqual(readdirSync(modelsDir(dataDir)), [model.file], 'no .part left');
    assert.equal(h.requests[0].path, `/${hubPath}`);
    assert.equal(progress.at(-1)?.received, gguf.length);
    assert.equal(progress.at(-1)?.total, gguf.length);
    assert.equal(findPulledModel(dataDir), path);

    // Pulling again is a no-op: no request.
    const before = h.requests.length;
    assert.equal(await pullModel({ dataDir, baseUrl: h.url }), path);
    assert.equal(h.requests.length, before);
  });

  test('resumes with Range after the connection is cut, giving a byte-identical file', async () => {
    const h = await serve();
    const dataDir = freshDataDir();
    const cut = 100_000;
    h.cutNext(cut);
    const path = await pullModel({ dataDir, baseUrl: h.url, retryDelayMs: 5 });
    const fileRequests = h.fileRequests();
    assert.equal(fileRequests.length, 2);
    assert.equal(fileRequests[0].headers.range, undefined);
    assert.equal(fileRequests[1].headers.range, `bytes=${cut}-`);
    assert.equal(createHash('sha256').update(readFileSync(path)).digest('hex'), sha);
  });

  test('a cut that exhausts the retries keeps the .part; the next pull resumes it', async () => {
    const h = await serve({ redirect: false });
    const dataDir = freshDataDir();
    h.cutNext(65_536);
    const err = await rejectsWith(pullModel({ dataDir, baseUrl: h.url, retries: 0 }), 'HEARTH_E_DOWNLOAD');
    assert.match(err.message, /resume/);
    const part = join(modelsDir(dataDir), `${model.file}.part`);
    assert.ok(existsSync(part));
    const partSize = readFileSync(part).length;
    assert.ok(partSize > 0 && partSize < gguf.length);

    const path = await pullModel({ dataDir, baseUrl: h.url });
    assert.equal(h.fileRequests().at(-1)?.headers.range, `bytes=${partSize}-`);
    assert.deepEqual(readFileSync(path), gguf);
    assert.ok(!existsSync(part));
  });

  test('a checksum mismatch is rejected and leaves nothing behind', async () => {
    const h = await serve({ checksum: 'wrong' });
    const dataDir = freshDataDir();
    await rejectsWith(pullModel({ dataDir, baseUrl: h.url }), 'HEARTH_E_CHECKSUM');
    assert.deepEqual(readdirSync(modelsDir(dataDir)), []);
    assert.equal(findPulledModel(dataDir), undefined);
  });

  test('an explicit sha256 wins over the server headers', async () => {
    const h = await serve();
    const dataDir = freshDataDir();
    await rejectsWith(pullModel({ dataDir, baseUrl: h.url, sha256: '0'.repeat(64) }), 'HEARTH_E_CHECKSUM');
    assert.deepEqual(readdirSync(modelsDir(dataDir)), []);
    const path = await pullModel({ dataDir, baseUrl: h.url, sha256: sha.toUpperCase() });
    assert.deepEqual(readFileSync(path), gguf);
  });

  test('a server without checksum headers is refused unless unverified downloads are allowed', async () => {
    const h = await serve({ checksum: 'none' });
    const dataDir = freshDataDir();
    await rejectsWith(pullModel({ dataDir, baseUrl: h.url }), 'HEARTH_E_CHECKSUM');
    assert.deepEqual(readdirSync(modelsDir(dataDir)), []);
    const path = await pullModel({ dataDir, baseUrl: h.url, allowUnverified: true });
    assert.deepEqual(readFileSync(path), gguf);
  });

  test('a server that ignores Range restarts the download cleanly', async () => {
    const h = await serve({ ranges: false });
    const dataDir = freshDataDir();
    mkdirSync(modelsDir(dataDir));
    const part = join(modelsDir(dataDir), `${model.file}.part`);
    writeFileSync(part, Buffer.alloc(5000, 0xab)); // a stale partial download
    const path = await pullModel({ dataDir, baseUrl: h.url });
    const [request] = h.fileRequests();
    assert.equal(request.headers.range, 'bytes=5000-', 'it did try to resume');
    assert.deepEqual(readFileSync(path), gguf);
  });

  test('a .part that is already complete (416 on resume) is verified and moved into place', async () => {
    const h = await serve();
    const dataDir = freshDataDir();
    mkdirSync(modelsDir(dataDir));
    writeFileSync(join(modelsDir(dataDir), `${model.file}.part`), gguf);
    const path = await pullModel({ dataDir, baseUrl: h.url });
    assert.equal(h.fileRequests()[0].headers.range, `bytes=${gguf.length}-`);
    assert.deepEqual(readFileSync(path), gguf);
    assert.deepEqual(readdirSync(modelsDir(dataDir)), [model.file]);
  });

  test('a full URL is accepted; unknown names and 404s fail with a code', async () => {
    const h = await serve({ redirect: false });
    const dataDir = freshDataDir();
    const path = await pullModel({ dataDir, name: `${h.url}/${hubPath}` });
    assert.equal(path, join(modelsDir(dataDir), model.file));
    await rejectsWith(pullModel({ dataDir, name: 'no-such-model' }), 'HEARTH_E_UNKNOWN_MODEL');
    await rejectsWith(pullModel({ dataDir, name: `${h.url}/x/resolve/main/missing.gguf` }), 'HEARTH_E_DOWNLOAD');
  });

  test('the default source is the Hugging Face hub', () => {
    assert.equal(resolvePullTarget().url, `https://huggingface.co/${model.repo}/resolve/main/${model.file}`);
    assert.equal(
      resolvePullTarget(undefined, 'https://mirror.example/').url,
      `https://mirror.example/${model.repo}/resolve/main/${model.file}`,
    );
  });
});

describe('findPulledModel', () => {
  test('returns the newest complete GGUF, ignoring .part files', () => {
    const dataDir = freshDataDir();
    assert.equal(findPulledModel(dataDir), undefined);
    mkdirSync(modelsDir(dataDir));
    writeFileSync(join(modelsDir(dataDir), 'old.gguf'), 'x');
    writeFileSync(join(modelsDir(dataDir), 'new.gguf'), 'x');
    writeFileSync(join(modelsDir(dataDir), 'newer.gguf.part'), 'x');
    utimesSync(join(modelsDir(dataDir), 'old.gguf'), new Date(1_000_000), new Date(1_000_000));
    assert.equal(findPulledModel(dataDir), join(modelsDir(dataDir), 'new.gguf'));
  });
});
