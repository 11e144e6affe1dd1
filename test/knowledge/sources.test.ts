/**
 * The knowledge base service in process: vectors from an OpenAI-compatible /v1/embeddings server
 * (the fake) fused with BM25, a watched folder (add, change, remove), and URL ingestion limited to
 * allowed hosts.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { configSchema } from '../../src/core/config.js';
import { createOpenAIEmbedder } from '../../src/knowledge/embeddings/openai.js';
import { SqliteKnowledgeIndex } from '../../src/knowledge/index/sqlite.js';
import { KnowledgeBase } from '../../src/knowledge/knowledge-base.js';
import type { Embedder } from '../../src/knowledge/types.js';
import { LocalBlobStore } from '../../src/storage/blobs/local.js';
import { startOpenAIFake, type ModelFake } from '../fakes/openai-server.js';
import type { Json } from '../json.js';

const log = pino({ level: 'silent' });
let dir: string;
let fake: ModelFake;
let web: Server;
let webUrl: string;
const open: KnowledgeBase[] = [];

async function kb(
  knowledge: Record<string, unknown>,
  withEmbeddings: boolean | Embedder = false,
): Promise<KnowledgeBase> {
  const config = configSchema.parse({ knowledge }).knowledge;
  const index = new SqliteKnowledgeIndex(join(dir, `kb-${open.length}.db`));
  await index.open();
  const embedder =
    typeof withEmbeddings === 'object'
      ? withEmbeddings
      : withEmbeddings
        ? createOpenAIEmbedder({ baseUrl: fake.baseUrl, model: 'fake-embed', timeoutMs: 5000 })
        : undefined;
  const base = new KnowledgeBase({
    index,
    blobs: new LocalBlobStore(join(dir, 'blobs')),
    embedder,
    config: () => config,
    log,
  });
  open.push(base);
  await base.start();
  return base;
}

async function until(probe: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hearth-kb-sources-'));
  fake = await startOpenAIFake();
  web = createServer((req, res) => {
    if (req.url === '/guide.html') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(
        '<html><head><title>Printer guide</title></head><body><h1>Paper jams</h1><p>Open tray two and pull the sheet out gently.</p></body></html>',
      );
    } else if (req.url === '/moved') {
      res.writeHead(302, { location: 'http://localhost:1/elsewhere' });
      res.end();
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((r) => web.listen(0, '127.0.0.1', () => r()));
  webUrl = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;
});

after(async () => {
  for (const k of open) await k.stop();
  await fake.close();
  await new Promise((r) => web.close(r));
  rmSync(dir, { recursive: true, force: true });
});

describe('knowledge sources and vectors', () => {
  it('embeds chunks through /v1/embeddings and fuses vector similarity with BM25', async () => {
    const base = await kb({}, true);
    await base.addUpload('docs', {
      fileName: 'wifi.md',
      data: Buffer.from(
        '# Wifi\n\nThe office wifi password rotates every monday.\n\n# Parking\n\nParking spots are assigned by the front desk.',
      ),
    });
    await base.idle();
    const [doc] = await base.listDocuments('docs');
    assert.equal(doc.status, 'indexed', JSON.stringify(doc.error));
    const embedCalls = fake.requests.filter((r) => r.path === '/v1/embeddings');
    assert.ok(embedCalls.length >= 1);
    assert.equal(embedCalls[0].body.model, 'fake-embed');
    assert.equal(embedCalls[0].body.encoding_format, 'float');
    const [best] = await base.search(['docs'], 'what is the wifi password', 3);
    assert.equal(best.section, 'Wifi');
    assert.ok(best.similarity !== undefined && best.similarity > 0.3, `similarity ${best.similarity}`);
    assert.equal(best.relevant, true);
  });

  it('an embedding server that is down fails the document alone, with HEARTH_E_KNOWLEDGE_EMBEDDING', async () => {
    const broken = createOpenAIEmbedder({ baseUrl: 'http://127.0.0.1:1/v1', model: 'x', timeoutMs: 500 });
    const base = await kb({}, broken);
    await base.addUpload('docs', {
      fileName: 'a.md',
      data: Buffer.from('# Badges\n\nVisitor badges are printed at reception.'),
    });
    await base.idle();
    const [doc] = await base.listDocuments('docs');
    assert.equal(doc.status, 'failed');
    assert.equal(doc.error?.code, 'HEARTH_E_KNOWLEDGE_EMBEDDING');
  });

  it('follows a watched folder: new files are added, changed ones re-indexed, removed ones deleted', async () => {
    const folder = join(dir, 'watched');
    mkdirSync(join(folder, 'sub'), { recursive: true });
    writeFileSync(join(folder, 'sub', 'leave.md'), '# Leave\n\nSick leave needs a note after three days.');
    writeFileSync(join(folder, 'ignored.bin'), Buffer.from([0, 1, 2]));
    const base = await kb({ folders: [{ collection: 'policies', path: folder, intervalMs: 200 }] });
    await until(
      async () => (await base.listDocuments('policies')).some((d) => d.status === 'indexed'),
      'the file indexed',
    );
    assert.deepEqual(
      (await base.listDocuments('policies')).map((d) => d.fileName),
      ['leave.md'],
      'unsupported files are not picked up',
    );
    writeFileSync(join(folder, 'sub', 'leave.md'), '# Leave\n\nSick leave needs a note after five days.');
    await until(
      async () => (await base.search(['policies'], 'sick leave note', 1))[0]?.text.includes('five days') ?? false,
      'the change re-indexed',
    );
    unlinkSync(join(folder, 'sub', 'leave.md'));
    await until(async () => (await base.listDocuments('policies')).length === 0, 'the document removed');
  });

  it('fetches documents from allowed hosts only, with the page title and its URL for citations', async () => {
    const base = await kb({ urls: { allowedHosts: ['127.0.0.1'] } });
    await assert.rejects(
      base.addUrl('web', 'http://example.com/x.html'),
      (err: Json) => err.code === 'HEARTH_E_KNOWLEDGE_URL' && err.httpStatus === 400,
    );
    const doc = await base.addUrl('web', `${webUrl}/guide.html`);
    await base.idle();
    const indexed = await base.getDocument('web', doc.id);
    assert.equal(indexed?.status, 'indexed', JSON.stringify(indexed?.error));
    assert.equal(indexed?.title, 'Printer guide');
    const turn = await base.prepare(['web'], 'how do I clear a paper jam?');
    assert.match(turn.contextBlock ?? '', /pull the sheet out gently/);
    assert.match(turn.sources, new RegExp(`\\[1\\] \\[Printer guide — Paper jams\\]\\(${webUrl}/guide.html\\)`));
    const bounced = await base.addUrl('web', `${webUrl}/moved`);
    await base.idle();
    const failed = await base.getDocument('web', bounced.id);
    assert.equal(failed?.status, 'failed');
    assert.equal(failed?.error?.code, 'HEARTH_E_KNOWLEDGE_URL');
    assert.match(failed?.error?.message ?? '', /localhost is not in knowledge\.urls\.allowedHosts/);
  });
});
