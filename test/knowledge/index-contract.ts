/** The KnowledgeIndex contract: the SQLite FTS5 and PostgreSQL full-text backends run these same tests. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { queryTerms } from '../../src/knowledge/query.js';
import type { IndexedChunk, KnowledgeDocument, KnowledgeIndex } from '../../src/knowledge/types.js';

export interface IndexBackend {
  create(): Promise<KnowledgeIndex>;
  cleanup?(): Promise<void>;
}

/** An indexed upload's row, as the contract tests and other index tests store it. */
export function doc(id: string, collection: string, title: string, generation = 1): KnowledgeDocument {
  return {
    id,
    collection,
    title,
    fileName: `${id}.md`,
    source: { kind: 'upload', blobKey: `knowledge/${collection}/${id}` },
    status: 'indexed',
    progress: { pages: 0, chunks: 0 },
    generation,
    createdAt: 1000,
    updatedAt: 1000,
  };
}

function chunk(ordinal: number, section: string, text: string, title: string, embedding?: number[]): IndexedChunk {
  return {
    ordinal,
    section,
    text,
    heading: `${title}\n${section}`,
    ...(embedding ? { embedding: Float32Array.from(embedding) } : {}),
  };
}

export function knowledgeIndexContract(name: string, backend: IndexBackend): void {
  describe(`KnowledgeIndex contract: ${name}`, () => {
    let index: KnowledgeIndex;
    before(async () => {
      index = await backend.create();
      await index.open();
      const handbook = doc('doc_hr', 'hr', 'Employee Handbook');
      await index.putDocument(handbook);
      await index.addChunks(
        handbook,
        1,
        [
          chunk(
            0,
            'Vacation',
            'Employees get 25 days of paid vacation each year. Vacation requests go to your manager.',
            'Employee Handbook',
            [1, 0, 0],
          ),
          chunk(
            1,
            'Expenses',
            'Travel expenses are refunded within 14 days of submitting receipts.',
            'Employee Handbook',
            [0, 1, 0],
          ),
          chunk(
            2,
            'Security',
            'Laptops must use disk encryption. Report lost laptops at once.',
            'Employee Handbook',
            [0, 0, 1],
          ),
        ],
        'test-model',
      );
      const it = doc('doc_it', 'it', 'IT Guide');
      await index.putDocument(it);
      await index.addChunks(it, 1, [
        chunk(0, 'Vacation mode', 'Set an out-of-office reply before your vacation.', 'IT Guide'),
      ]);
    });
    after(async () => {
      await index?.close();
      await backend.cleanup?.();
    });

    it('finds chunks by stemmed terms, best first, with title, section and which terms matched', async () => {
      const terms = queryTerms('How many vacation days do employees get?');
      assert.deepEqual(terms, ['vacation', 'days', 'employees']);
      const hits = await index.keywordSearch(['hr'], terms, 10);
      assert.equal(hits[0].section, 'Vacation');
      assert.equal(hits[0].title, 'Employee Handbook');
      assert.equal(hits[0].documentId, 'doc_hr');
      assert.deepEqual(hits[0].matched, [0, 1, 2], 'stemming: "days" matches "days", "employees" matches "Employees"');
      assert.ok(
        hits.every((h, i) => i === 0 || h.score <= hits[i - 1].score),
        'best first',
      );
      assert.ok(
        hits.every((h) => h.collection === 'hr'),
        'only the asked collection',
      );
    });

    it('weights headings: a term in the section heading ranks that chunk first', async () => {
      const hits = await index.keywordSearch(['hr'], ['security', 'encryption'], 10);
      assert.equal(hits[0].section, 'Security');
    });

    it('searches several collections at once and none outside them', async () => {
      const both = await index.keywordSearch(['hr', 'it'], ['vacation'], 10);
      assert.deepEqual(new Set(both.map((h) => h.collection)), new Set(['hr', 'it']));
      assert.deepEqual(await index.keywordSearch(['nope'], ['vacation'], 10), []);
    });

    it('reports document frequencies per term', async () => {
      const stats = await index.termStats(['hr'], ['vacation', 'laptops', 'unicorn']);
      assert.equal(stats.chunks, 3);
      assert.deepEqual(stats.df, [1, 1, 0]);
    });

    it('a new generation replaces the old one only once it is made current', async () => {
      const before = await index.revision('hr');
      const hr = (await index.getDocument('hr', 'doc_hr'))!;
      await index.addChunks(
        hr,
        2,
        [chunk(0, 'Vacation', 'Employees now get 30 days of paid vacation.', 'Employee Handbook', [1, 0, 0])],
        'test-model',
      );
      let hits = await index.keywordSearch(['hr'], ['vacation'], 10);
      assert.match(hits[0].text, /25 days/, 'generation 2 is not searchable yet');
      await index.putDocument({ ...hr, generation: 2 });
      await index.dropOtherGenerations('doc_hr', 2);
      hits = await index.keywordSearch(['hr'], ['vacation'], 10);
      assert.equal(hits.length, 1);
      assert.match(hits[0].text, /30 days/);
      assert.equal(await index.countChunks('doc_hr'), 1);
      assert.ok((await index.revision('hr')) > before, 'the revision moved');
    });

    it('stores vectors with their chunks, only of the named model', async () => {
      const vectors = await index.vectors('hr', 'test-model');
      assert.equal(vectors.length, 1);
      assert.deepEqual([...vectors[0].vector], [1, 0, 0]);
      assert.deepEqual(await index.vectors('hr', 'other-model'), []);
      const [p] = await index.passages([vectors[0].chunkId]);
      assert.equal(p.section, 'Vacation');
      assert.match(p.text, /30 days/);
    });

    it('finds documents by source key, lists collections and documents, and resumes unfinished ones', async () => {
      assert.equal((await index.findBySourceKey('hr', 'upload:doc_hr.md'))?.id, 'doc_hr');
      assert.equal(await index.findBySourceKey('it', 'upload:doc_hr.md'), undefined);
      const pending = { ...doc('doc_new', 'hr', 'New'), status: 'indexing' as const, generation: 0 };
      await index.putDocument(pending);
      assert.deepEqual(
        (await index.unfinished()).map((d) => d.id),
        ['doc_new'],
      );
      assert.deepEqual((await index.listDocuments('hr')).map((d) => d.id).sort(), ['doc_hr', 'doc_new']);
      const collections = await index.listCollections();
      assert.deepEqual(
        collections.map((c) => [c.name, c.documents, c.chunks]),
        [
          ['hr', 2, 1],
          ['it', 1, 1],
        ],
      );
      const failed = {
        ...pending,
        status: 'failed' as const,
        error: { code: 'HEARTH_E_KNOWLEDGE_EXTRACT', message: 'bad' },
      };
      await index.putDocument(failed);
      assert.deepEqual((await index.getDocument('hr', 'doc_new'))?.error, failed.error);
    });

    it('finds Chinese passages by the words of a Chinese question (no spaces in either)', async () => {
      const zh = doc('doc_zh', 'zh', '员工手册');
      await index.putDocument(zh);
      await index.addChunks(zh, 1, [
        chunk(0, '年假', '员工每年享有十五天带薪年假，年假申请需提前一周提交给直属经理。', '员工手册'),
        chunk(1, '报销', '差旅费用在提交发票后十四天内报销。', '员工手册'),
      ]);
      const terms = queryTerms('我每年可以休多少天年假？');
      assert.ok(terms.includes('年假') && terms.includes('每年'), `segmented into words: ${terms.join(' ')}`);
      assert.ok(!terms.includes('多少') && !terms.includes('我'), 'question words and pronouns are dropped');
      const hits = await index.keywordSearch(['zh'], terms, 10);
      assert.equal(hits[0]?.section, '年假');
      assert.match(hits[0].text, /十五天带薪年假，/, 'the passage text is returned as written');
      const stats = await index.termStats(['zh'], ['报销', '年假']);
      assert.deepEqual(stats.df, [1, 1]);
    });

    it('finds a camelCase option by its words, and the words by the option', async () => {
      const ref = doc('doc_ref', 'ref', 'Server reference');
      await index.putDocument(ref);
      await index.addChunks(ref, 1, [
        chunk(0, 'connectionTimeout', 'Defines the server timeout in milliseconds.', 'Server reference'),
        chunk(1, 'bodyLimit', 'Defines the maximum payload the server is allowed to accept.', 'Server reference'),
      ]);
      const hits = await index.keywordSearch(['ref'], queryTerms('connection timeout'), 10);
      assert.equal(hits[0]?.section, 'connectionTimeout');
      assert.deepEqual(hits[0].matched, [0, 1]);
      assert.equal((await index.keywordSearch(['ref'], queryTerms('what is bodyLimit'), 10))[0]?.section, 'bodyLimit');
    });

    it('delete removes the document with every chunk and vector, and nothing else', async () => {
      assert.equal(await index.deleteDocument('hr', 'doc_hr'), true);
      assert.equal(await index.countChunks('doc_hr'), 0);
      assert.deepEqual(await index.keywordSearch(['hr'], ['vacation'], 10), []);
      assert.deepEqual(await index.vectors('hr', 'test-model'), []);
      assert.equal(await index.getDocument('hr', 'doc_hr'), undefined);
      assert.equal(await index.deleteDocument('hr', 'doc_hr'), false);
      assert.equal((await index.keywordSearch(['it'], ['vacation'], 10)).length, 1, 'other collections keep theirs');
    });
  });
}
