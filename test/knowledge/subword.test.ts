/**
 * Sub-word matching (src/knowledge/subword.ts): the keyword candidates ranked again by character
 * trigrams, so a word meets the parts of a compound ("hostname" → "Host Constraints", "filesystem"
 * → "file system") that whole-word BM25 with Porter stems cannot see; and, in the retriever, that
 * list moves such a passage up in the fusion.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SqliteKnowledgeIndex } from '../../src/knowledge/index/sqlite.js';
import { queryTerms } from '../../src/knowledge/query.js';
import { Retriever } from '../../src/knowledge/retrieval.js';
import { subwordRanking, subwordScores, trigrams } from '../../src/knowledge/subword.js';
import { doc as knowledgeDoc } from './index-contract.js';

const passage = (section: string, text: string) => ({ title: 'Manual', section, text });

describe('sub-word scores', () => {
  it('cuts words into lowercased character trigrams, none for words under three characters', () => {
    assert.deepEqual(trigrams('Host'), ['hos', 'ost']);
    assert.deepEqual(trigrams('id'), []);
  });

  it('lets a compound meet its parts and the parts meet the compound', () => {
    const host = passage('Host Constraints', 'Limit the route to certain values of the Host header.');
    const fonts = passage('Fonts', 'Fonts are loaded at start.');
    const [h, f] = subwordScores([host, fonts], queryTerms('route by hostname'));
    assert.ok(h > 0 && f === 0, `host ${h}, fonts ${f}`);
    const disk = passage('Storage', 'Files are kept on the file system of the server.');
    const queue = passage('Queue', 'Jobs wait in the queue until a worker is free.');
    assert.deepEqual(
      subwordRanking(queryTerms('where is the filesystem'), [queue, disk]).map((p) => p.section),
      ['Storage'],
      'the passage sharing no trigram with the question is left out',
    );
  });
});

describe('sub-word list in the retriever', () => {
  let dir: string;
  let index: SqliteKnowledgeIndex;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hearth-kb-subword-'));
    index = new SqliteKnowledgeIndex(join(dir, 'knowledge.db'));
    await index.open();
    const doc = knowledgeDoc('doc_1', 'kb', 'Manual');
    await index.putDocument(doc);
    const chunks = [
      passage(
        'Route prefixing',
        'Every route of a plugin gets the prefix: the route is registered under it, route by route.',
      ),
      passage('Route options', 'A route takes options; each route can set its own schema.'),
      passage(
        'Host Constraints',
        'Provide a host key in the constraints to limit the route to values of the Host header.',
      ),
      passage('Fonts', 'Fonts are loaded at start.'),
    ];
    await index.addChunks(
      doc,
      1,
      chunks.map((c, i) => ({ ordinal: i, section: c.section, heading: `Manual\n${c.section}`, text: c.text })),
    );
  });
  after(async () => {
    await index.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('moves the passage about the parts of a compound question word up', async () => {
    const opts = () => ({ minRelevance: 0.5, minSimilarity: 0.6 });
    const rankOf = async (subwordWeight: number) => {
      const r = new Retriever(index, opts, undefined, undefined, { expansionTerms: 0, subwordWeight });
      const hits = await r.search(['kb'], 'route by hostname', 5);
      return hits.findIndex((h) => h.section === 'Host Constraints');
    };
    const without = await rankOf(0);
    const withSubword = await rankOf(1);
    assert.equal(without, 2, 'whole-word BM25 puts the route passages first');
    assert.ok(withSubword < without, `sub-word list: rank ${withSubword + 1}, without it ${without + 1}`);
  });
});
