/**
 * End to end against the real `hearth` process: upload through the pinned API → indexed → the fake
 * model receives the passage → the reply cites title and section; a corrupt PDF and an
 * unsupported type fail alone; re-index on change; delete removes every chunk; access rules (an
 * agent only sees its collections, a viewer cannot write, no credential is a 401).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import Database from '../../src/storage/sqlite-driver.js';
import { startOpenAIFake, type ModelFake } from '../fakes/openai-server.js';
import { startHearth, type HearthProcess } from '../harness.js';
import { chatOverWs } from '../webchat-client.js';
import { makePdf } from './samples.js';
import type { Json } from '../json.js';

const CONFIG = `
agents:
  default:
    knowledge: [hr]
  helpdesk:
    knowledge: [it]
routes:
  - { channel: api, agent: helpdesk }
knowledge:
  maxFileBytes: 200000
`;

let model: ModelFake;
let h: HearthProcess;

const auth = (token = h.token) => ({ authorization: `Bearer ${token}` });

async function upload(
  collection: string,
  files: Array<{ name: string; type: string; data: Buffer }>,
  token?: string,
): Promise<Response> {
  const form = new FormData();
  for (const f of files) form.append('file', new Blob([f.data], { type: f.type }), f.name);
  return fetch(`${h.baseUrl}/admin/knowledge/${collection}/documents`, {
    method: 'POST',
    headers: auth(token),
    body: form,
  });
}

async function documents(collection: string): Promise<Json[]> {
  const res = await fetch(`${h.baseUrl}/admin/knowledge/${collection}/documents`, { headers: auth() });
  assert.equal(res.status, 200);
  return ((await res.json()) as { documents: Json[] }).documents;
}

/** Waits until no document of the collection is still indexing. */
async function settled(collection: string): Promise<Json[]> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const docs = await documents(collection);
    if (docs.every((d) => d.status !== 'indexing')) return docs;
    if (Date.now() > deadline) throw new Error(`still indexing: ${JSON.stringify(docs)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function search(collection: string, q: string, k?: number): Promise<Json[]> {
  const res = await fetch(
    `${h.baseUrl}/admin/knowledge/${collection}/search?q=${encodeURIComponent(q)}${k ? `&k=${k}` : ''}`,
    { headers: auth() },
  );
  assert.equal(res.status, 200);
  return ((await res.json()) as { results: Json[] }).results;
}

const handbook = (days: number) =>
  makePdf(
    [
      {
        heading: 'Vacation policy',
        lines: [
          `Employees get ${days} days of paid vacation per year.`,
          'Unused vacation days carry over until March.',
        ],
      },
      { heading: 'Travel expenses', lines: ['Travel expenses are refunded within 14 days of submitting receipts.'] },
    ],
    'ACME Employee Handbook',
  );

let handbookId: string;

before(async () => {
  model = await startOpenAIFake();
  model.setReply(() => ({ text: 'You get the days the handbook names [1].', chunkDelayMs: 5 }));
  h = await startHearth({ config: CONFIG, env: { MODEL_ENDPOINT: model.baseUrl } });
});

after(async () => {
  await h?.stop();
  await model?.close();
});

describe('knowledge base end to end', () => {
  it('opens no knowledge.db until the knowledge base is first used', async () => {
    const file = join(h.dataDir, 'knowledge.db');
    const health = await fetch(`${h.baseUrl}/healthz`);
    assert.ok(health.status < 500);
    assert.equal(existsSync(file), false, 'a started Hearth has not opened the knowledge base');
    const res = await fetch(`${h.baseUrl}/admin/knowledge`, { headers: auth() });
    assert.deepEqual(await res.json(), { collections: [] });
    assert.equal(existsSync(file), true, 'the first use opened it');
  });

  it('accepts one upload of several files (202 with ids); a corrupt PDF and an unsupported type fail alone', async () => {
    const res = await upload('hr', [
      { name: 'handbook.pdf', type: 'application/pdf', data: await handbook(25) },
      { name: 'broken.pdf', type: 'application/pdf', data: Buffer.from('%PDF-1.7\nnot really a pdf\n%%EOF') },
      { name: 'photo.png', type: 'image/png', data: Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]) },
    ]);
    assert.equal(res.status, 202);
    const body = (await res.json()) as { documents: Array<{ id: string; fileName: string; status: string }> };
    assert.deepEqual(
      body.documents.map((d) => d.fileName),
      ['handbook.pdf', 'broken.pdf', 'photo.png'],
    );
    assert.ok(body.documents.every((d) => /^doc_[0-9a-f]{16}$/.test(d.id)));
    handbookId = body.documents[0].id;

    const docs = await settled('hr');
    const by = Object.fromEntries(docs.map((d) => [d.fileName, d]));
    assert.equal(by['handbook.pdf'].status, 'indexed');
    assert.equal(by['handbook.pdf'].title, 'ACME Employee Handbook', 'the PDF metadata title');
    assert.equal(by['handbook.pdf'].progress.pages, 2);
    assert.equal(by['broken.pdf'].status, 'failed');
    assert.equal(by['broken.pdf'].error.code, 'HEARTH_E_KNOWLEDGE_EXTRACT');
    assert.match(by['broken.pdf'].error.message, /not a readable PDF/);
    assert.equal(by['photo.png'].status, 'failed');
    assert.equal(by['photo.png'].error.code, 'HEARTH_E_KNOWLEDGE_UNSUPPORTED');
    await h.waitForLog((l) => l.msg === 'document failed to index' && l.errorCode === 'HEARTH_E_KNOWLEDGE_EXTRACT');
  });

  it('refuses a file over knowledge.maxFileBytes (413) and a request of unsupported files only (415), logged, losing nothing', async () => {
    const small = Buffer.from('# Parking\n\nVisitors park on level two of the garage.\n');
    const big = Buffer.alloc(300_000, 'lorem ipsum ');
    let res = await upload('limits', [
      { name: 'parking.md', type: 'text/markdown', data: small },
      { name: 'big.txt', type: 'text/plain', data: big },
    ]);
    assert.equal(res.status, 413);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'HEARTH_E_TOO_LARGE');
    await h.waitForLog((l) => l.msg === 'knowledge request rejected' && l.errorCode === 'HEARTH_E_TOO_LARGE');
    let docs = await settled('limits');
    assert.deepEqual(
      docs.map((d) => [d.fileName, d.status]),
      [['parking.md', 'indexed']],
      'the file before the big one is kept; the big one is not recorded',
    );

    // The same name again, now too large: the indexed version stays as it was.
    res = await upload('limits', [{ name: 'parking.md', type: 'text/markdown', data: big }]);
    assert.equal(res.status, 413);
    docs = await settled('limits');
    assert.deepEqual(
      docs.map((d) => [d.fileName, d.status]),
      [['parking.md', 'indexed']],
    );
    assert.match((await search('limits', 'where do visitors park'))[0]?.text ?? '', /level two/);

    res = await upload('limits', [
      { name: 'photo.png', type: 'image/png', data: Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]) },
    ]);
    assert.equal(res.status, 415);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'HEARTH_E_KNOWLEDGE_UNSUPPORTED');
    await h.waitForLog((l) => l.msg === 'document refused' && l.errorCode === 'HEARTH_E_KNOWLEDGE_UNSUPPORTED');
  });

  it('answers the pinned search API best first, k defaulting to 5 and capped at 50', async () => {
    const results = await search('hr', 'how many vacation days do we get?');
    assert.ok(results.length >= 1 && results.length <= 5);
    const [best] = results;
    assert.equal(best.documentId, handbookId);
    assert.equal(best.title, 'ACME Employee Handbook');
    assert.equal(best.section, 'Vacation policy');
    assert.match(best.text, /25 days of paid vacation/);
    assert.equal(typeof best.score, 'number');
    assert.ok(results.every((r, i) => i === 0 || r.score <= results[i - 1].score));
    const tooMany = await fetch(`${h.baseUrl}/admin/knowledge/hr/search?q=vacation&k=51`, { headers: auth() });
    assert.equal(tooMany.status, 400);
    const noQ = await fetch(`${h.baseUrl}/admin/knowledge/hr/search`, { headers: auth() });
    assert.equal(noQ.status, 400);
  });

  it('retrieves before the model: the passage reaches the model and the reply cites title and section', async () => {
    const calls = model.requests.length;
    const { events } = await chatOverWs(h.baseUrl, 'How many vacation days do I get?');
    const done = events.at(-1)!;
    assert.equal(done.type, 'done');
    assert.equal(model.requests.length, calls + 1);
    const sent = model.requests.at(-1)!.body.messages as Array<{ role: string; content: string }>;
    assert.equal(sent.at(-1)!.role, 'user');
    assert.equal(sent.at(-1)!.content, 'How many vacation days do I get?');
    const context = sent.find((m) => m.role === 'system' && m.content.includes('knowledge base passages'));
    assert.ok(context, 'a context block in the prompt');
    assert.match(context.content, /25 days of paid vacation/);
    assert.match(context.content, /\[1\] ACME Employee Handbook — Vacation policy \(p\. 1\)/);
    assert.match(done.text, /^You get the days the handbook names \[1\]\./);
    assert.match(done.text, /Sources:\n\[1\] ACME Employee Handbook — Vacation policy \(p\. 1\)/);
    const deltas = events
      .filter((e) => e.type === 'delta')
      .map((e) => e.text)
      .join('');
    assert.equal(deltas, done.text, 'the sources stream too');
  });

  it('says the collection has no answer, without calling the model and without sources', async () => {
    const calls = model.requests.length;
    const { events } = await chatOverWs(h.baseUrl, 'What is the capital of Mongolia?');
    const done = events.at(-1)!;
    assert.equal(done.type, 'done');
    assert.match(done.text, /No answer in "hr"/);
    assert.doesNotMatch(done.text, /Sources/);
    assert.equal(model.requests.length, calls, 'strict mode: the model is not called');
  });

  it('an agent only sees its own collections (the API is routed to a helpdesk agent with "it")', async () => {
    const calls = model.requests.length;
    const client = new OpenAI({ baseURL: `${h.baseUrl}/v1`, apiKey: h.token });
    const res = await client.chat.completions.create({
      model: 'env',
      messages: [{ role: 'user', content: 'How many vacation days do I get?' }],
    });
    assert.match(res.choices[0].message.content ?? '', /No answer in "it"/);
    assert.doesNotMatch(res.choices[0].message.content ?? '', /Handbook/);
    assert.equal(model.requests.length, calls);
  });

  it('re-indexes a changed file under the same document, and keeps an unchanged one', async () => {
    const v30 = await handbook(30);
    const res = await upload('hr', [{ name: 'handbook.pdf', type: 'application/pdf', data: v30 }]);
    assert.equal(res.status, 202);
    const [doc] = ((await res.json()) as { documents: Json[] }).documents;
    assert.equal(doc.id, handbookId, 'the same file name replaces its document');
    await settled('hr');
    const results = await search('hr', 'vacation days');
    assert.match(results[0].text, /30 days of paid vacation/);
    assert.ok(
      results.every((r) => !/25 days/.test(r.text)),
      'the old version is gone',
    );
    // The same bytes again (pdf-lib stamps a new date into every file it makes, so reuse them).
    const again = await upload('hr', [{ name: 'handbook.pdf', type: 'application/pdf', data: v30 }]);
    assert.equal(again.status, 202);
    await settled('hr');
    await h.waitForLog((l) => l.msg === 'document unchanged; kept its index' && l.documentId === handbookId);
    const reindex = await fetch(`${h.baseUrl}/admin/knowledge/hr/documents/${handbookId}/reindex`, {
      method: 'POST',
      headers: auth(),
    });
    assert.equal(reindex.status, 202);
    const docs = await settled('hr');
    assert.equal(docs.find((d) => d.id === handbookId).status, 'indexed');
  });

  it('a viewer reads but cannot write; no credential is a 401', async () => {
    const issued = await fetch(`${h.baseUrl}/admin/tokens`, {
      method: 'POST',
      headers: { ...auth(), 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'kb viewer', role: 'viewer' }),
    });
    assert.equal(issued.status, 201);
    const { token } = (await issued.json()) as { token: string };
    const list = await fetch(`${h.baseUrl}/admin/knowledge/hr/documents`, { headers: auth(token) });
    assert.equal(list.status, 200);
    const found = await fetch(`${h.baseUrl}/admin/knowledge/hr/search?q=vacation`, { headers: auth(token) });
    assert.equal(found.status, 200);
    const write = await upload('hr', [{ name: 'x.md', type: 'text/markdown', data: Buffer.from('# X\n\ny') }], token);
    assert.equal(write.status, 403);
    const del = await fetch(`${h.baseUrl}/admin/knowledge/hr/documents/${handbookId}`, {
      method: 'DELETE',
      headers: auth(token),
    });
    assert.equal(del.status, 403);
    const anonymous = await fetch(`${h.baseUrl}/admin/knowledge/hr/documents`);
    assert.equal(anonymous.status, 401);
  });

  it('delete removes the document with every chunk and its stored upload', async () => {
    const res = await fetch(`${h.baseUrl}/admin/knowledge/hr/documents/${handbookId}`, {
      method: 'DELETE',
      headers: auth(),
    });
    assert.equal(res.status, 200);
    assert.deepEqual(await search('hr', 'vacation days'), []);
    assert.ok(!(await documents('hr')).some((d) => d.id === handbookId));
    const db = new Database(join(h.dataDir, 'knowledge.db'), { readonly: true });
    try {
      const { n } = db.prepare('SELECT count(*) AS n FROM kb_chunks WHERE document_id = ?').get(handbookId) as {
        n: number;
      };
      assert.equal(n, 0);
    } finally {
      db.close();
    }
    assert.equal(existsSync(join(h.dataDir, 'blobs', 'knowledge', 'hr', handbookId)), false);
    const missing = await fetch(`${h.baseUrl}/admin/knowledge/hr/documents/${handbookId}`, {
      method: 'DELETE',
      headers: auth(),
    });
    assert.equal(missing.status, 404);
  });
});
