/**
 * Pseudo-relevance feedback in the hybrid retriever, on a real SQLite index:
 *   - keyword expansion: the keyword candidates are ranked again with the distinctive words of the
 *     best passage, so a passage on the winner's topic that holds few of the question's words
 *     moves above one that holds more of them but is about something else;
 *   - vector feedback (hand-placed vectors): the question's vector moves towards the keyword
 *     winners' stored vectors, so a passage that shares no word with the question but sits next to
 *     the keyword winner in meaning moves up.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { bm25Scores, expansionCandidates, pickExpansion, rocchio } from '../../src/knowledge/feedback.js';
import { SqliteKnowledgeIndex } from '../../src/knowledge/index/sqlite.js';
import { Retriever, type RankingOptions } from '../../src/knowledge/retrieval.js';
import type { Embedder } from '../../src/knowledge/types.js';
import { VectorIndex } from '../../src/knowledge/vector-index.js';
import { doc as knowledgeDoc } from './index-contract.js';

const QUESTION = 'how do I enable the alpha switch';

/** Passages and their (3-dimensional) vectors; the question's vector is [1, 0, 0]. */
const PASSAGES: Array<{ section: string; text: string; vector: number[] }> = [
  // The keyword winner: it holds the question's words, but its vector is orthogonal to the question's.
  { section: 'Alpha', text: 'The alpha switch is enabled in the settings file.', vector: [0, 1, 0] },
  // No word in common with the question, close to the keyword winner in meaning.
  { section: 'Toggles', text: 'Turning the toggle on takes effect after a restart.', vector: [0, 0.95, 0.31] },
  // Nearer to the question's vector alone, on another topic.
  { section: 'Colours', text: 'Themes change the colours of the page.', vector: [0.6, 0, 0.8] },
  { section: 'Fonts', text: 'Fonts are loaded from the system.', vector: [0.5, -0.5, 0.71] },
];

const embedder: Embedder = {
  model: 'hand-placed',
  embed: async (texts) =>
    texts.map((t) => {
      if (t === QUESTION) return Float32Array.from([1, 0, 0]);
      const p = PASSAGES.find((x) => t.endsWith(x.text));
      if (!p) throw new Error(`no vector for ${t}`);
      return Float32Array.from(p.vector);
    }),
};

/** A keyword-only collection for expansion (no vectors). */
const EXPANSION_QUESTION = 'how do I configure the alpha switch';
const EXPANSION_PASSAGES: Array<{ section: string; text: string }> = [
  {
    section: 'Alpha switch',
    text: 'Configure the alpha switch through the flux regulator: the regulator reads the capacitor voltage.',
  },
  // The winner's topic (flux regulator, capacitor voltage), one question word.
  {
    section: 'Flux regulator',
    text: 'The flux regulator holds the capacitor voltage steady and reports it to the switch.',
  },
  // Two question words, another topic.
  { section: 'Labels', text: 'Configure the label colour of any switch on the panel.' },
  { section: 'Fonts', text: 'Fonts are loaded from the system.' },
];

let dir: string;
let index: SqliteKnowledgeIndex;
let vectors: VectorIndex;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hearth-kb-feedback-'));
  index = new SqliteKnowledgeIndex(join(dir, 'knowledge.db'));
  await index.open();
  const doc = knowledgeDoc('doc_1', 'kb', 'Manual');
  await index.putDocument(doc);
  await index.addChunks(
    doc,
    1,
    PASSAGES.map((p, i) => ({
      ordinal: i,
      section: p.section,
      heading: `Manual\n${p.section}`,
      text: p.text,
      embedding: Float32Array.from(p.vector),
    })),
    embedder.model,
  );
  vectors = new VectorIndex(index, embedder.model);
  const other = knowledgeDoc('doc_2', 'exp', 'Manual');
  await index.putDocument(other);
  await index.addChunks(
    other,
    1,
    EXPANSION_PASSAGES.map((p, i) => ({
      ordinal: i,
      section: p.section,
      heading: `Panel\n${p.section}`,
      text: p.text,
    })),
  );
});

after(async () => {
  await index.close();
  rmSync(dir, { recursive: true, force: true });
});

async function ranking(options: Partial<RankingOptions>): Promise<string[]> {
  const retriever = new Retriever(
    index,
    () => ({ minRelevance: 0.5, minSimilarity: 0.9 }),
    { embedder, index: vectors },
    undefined,
    // The sub-word list (subword.test.ts) is left out: these tests measure feedback alone.
    { subwordWeight: 0, ...options },
  );
  return (await retriever.search(['kb'], QUESTION, 4)).map((p) => p.section);
}

describe('pseudo-relevance feedback for the vector query', () => {
  it('moves a passage that shares no question word but sits next to the keyword winner up the ranking', async () => {
    const without = await ranking({ feedbackPassages: 0 });
    const withFeedback = await ranking({ feedbackPassages: 1, feedbackWeight: 1 });
    assert.equal(without[0], 'Alpha');
    assert.equal(withFeedback[0], 'Alpha');
    assert.ok(without.indexOf('Toggles') > without.indexOf('Colours'), `without feedback: ${without.join(', ')}`);
    assert.equal(withFeedback[1], 'Toggles', `with feedback: ${withFeedback.join(', ')}`);
  });

  it('rocchio adds the weighted mean of the feedback vectors to the unit query vector', () => {
    const q = rocchio(Float32Array.from([2, 0]), [Float32Array.from([0, 1]), Float32Array.from([1, 0])], 0.5);
    assert.deepEqual([...q], [1.25, 0.25]);
    const same = Float32Array.from([3, 4]);
    assert.equal(rocchio(same, [], 0.5), same, 'no feedback: the query as it was');
  });
});

describe('keyword expansion from the best passages', () => {
  async function keywordRanking(options: Partial<RankingOptions>): Promise<string[]> {
    const retriever = new Retriever(index, () => ({ minRelevance: 0.5, minSimilarity: 0.9 }), undefined, undefined, {
      expansionPassages: 1,
      subwordWeight: 0,
      ...options,
    });
    return (await retriever.search(['exp'], EXPANSION_QUESTION, 4)).map((p) => p.section);
  }

  it("moves a passage on the winner's topic above one that only shares more question words", async () => {
    const without = await keywordRanking({ expansionTerms: 0 });
    const expanded = await keywordRanking({ expansionTerms: 5, expansionWeight: 2 });
    assert.equal(without[0], 'Alpha switch');
    assert.ok(without.indexOf('Labels') < without.indexOf('Flux regulator'), `without: ${without.join(', ')}`);
    assert.deepEqual(expanded.slice(0, 2), ['Alpha switch', 'Flux regulator'], `expanded: ${expanded.join(', ')}`);
  });

  it("the expansion never counts towards a passage's coverage of the question", async () => {
    const retriever = new Retriever(index, () => ({ minRelevance: 0.5, minSimilarity: 0.9 }), undefined, undefined, {
      expansionPassages: 1,
      expansionTerms: 5,
      expansionWeight: 2,
    });
    const plain = new Retriever(index, () => ({ minRelevance: 0.5, minSimilarity: 0.9 }), undefined, undefined, {
      expansionTerms: 0,
    });
    const coverage = async (r: Retriever) =>
      new Map((await r.search(['exp'], EXPANSION_QUESTION, 4)).map((p) => [p.section, p.coverage]));
    assert.deepEqual(await coverage(retriever), await coverage(plain));
  });

  it('candidates are the feedback words the question lacks (by stem), most frequent first', () => {
    const got = expansionCandidates(
      ['configure', 'switch'],
      ['Switches: the regulator, the regulator and a capacitor.'],
      5,
    );
    assert.deepEqual(
      got.map((c) => c.term),
      ['regulator', 'capacitor'],
    );
    assert.ok(got[0].weight > got[1].weight);
  });

  it('picks candidates by frequency times IDF, leaving out words no chunk holds', () => {
    const candidates = [
      { term: 'request', weight: 0.3 },
      { term: 'regulator', weight: 0.2 },
      { term: 'ghost', weight: 0.2 },
    ];
    assert.deepEqual(pickExpansion(candidates, [900, 3, 0], 1000, 2), ['regulator', 'request']);
    assert.deepEqual(pickExpansion(candidates, [900, 3, 0], 1000, 1), ['regulator']);
  });

  it('BM25 over the passages ranks more and rarer matching words higher, heading words above body words', () => {
    const passages = [
      { title: 'T', section: 'Other', text: 'regulator voltage' },
      { title: 'T', section: 'Other', text: 'regulator nothing' },
      { title: 'T', section: 'Regulator', text: 'voltage' },
      { title: 'T', section: 'Other', text: 'nothing here' },
    ];
    const [both, one, heading, none] = bm25Scores(passages, ['regulator', 'voltage'], [5, 500], 1000);
    assert.ok(both > one, 'two terms beat one');
    assert.ok(heading > both, 'the rarer term in the heading outweighs it in the body');
    assert.equal(none, 0);
  });
});

describe('VectorIndex.stored', () => {
  it('returns the unit-length stored vectors of the ids asked, in that order, skipping unknown ids', async () => {
    const ids = (await index.vectors('kb', embedder.model)).map((r) => r.chunkId);
    const got = await vectors.stored(['kb'], [ids[2], 'nope', ids[0]]);
    assert.equal(got.length, 2);
    assert.deepEqual(
      [...got[0]].map((x) => +x.toFixed(3)),
      [0.6, 0, 0.8],
    );
    assert.deepEqual([...got[1]], [0, 1, 0]);
    assert.deepEqual(await vectors.stored(['other'], [ids[0]]), []);
  });
});
