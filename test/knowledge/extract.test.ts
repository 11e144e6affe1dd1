/**
 * Extractors on real files the test makes: a PDF (pdf-lib), a DOCX (docx), HTML with nested
 * headings, Markdown; and the section-aware chunker on what they yield.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { approxTokens, chunkBlocks, splitText } from '../../src/knowledge/chunking.js';
import { extractDocument } from '../../src/knowledge/extract/index.js';
import type { Block } from '../../src/knowledge/types.js';
import { makeDocx, makePdf } from './samples.js';
import type { Json } from '../json.js';

async function all(blocks: AsyncIterable<Block>): Promise<Block[]> {
  const out: Block[] = [];
  for await (const b of blocks) out.push(b);
  return out;
}

describe('extractors', () => {
  it('PDF: metadata title, text page by page with page numbers, headings from larger type', async () => {
    const data = await makePdf(
      [
        {
          heading: 'Vacation policy',
          lines: ['Employees get 25 days of paid vacation per year.', 'Unused days carry over until March.'],
        },
        { heading: 'Expenses', lines: ['Travel expenses are refunded within 14 days.'] },
      ],
      'ACME Employee Handbook',
    );
    const doc = await extractDocument({ fileName: 'handbook.pdf', data });
    assert.equal(doc.kind, 'pdf');
    assert.equal(doc.title, 'ACME Employee Handbook');
    assert.equal(doc.totalPages, 2);
    const blocks = await all(doc.blocks);
    assert.deepEqual(
      blocks.filter((b) => b.kind === 'heading').map((b) => [b.text, b.page]),
      [
        ['Vacation policy', 1],
        ['Expenses', 2],
      ],
    );
    const text = blocks.filter((b) => b.kind === 'text');
    assert.match(text[0].text, /25 days of paid vacation/);
    assert.equal(text[0].page, 1);
    assert.match(text[1].text, /refunded within 14 days/);
    assert.equal(text[1].page, 2);
  });

  it('PDF: a corrupt file fails with HEARTH_E_KNOWLEDGE_EXTRACT', async () => {
    await assert.rejects(
      extractDocument({ fileName: 'broken.pdf', data: Buffer.from('%PDF-1.7\nthis is not really a pdf\n%%EOF') }),
      (err: Json) => err.code === 'HEARTH_E_KNOWLEDGE_EXTRACT' && /not a readable PDF/.test(err.message),
    );
  });

  it('DOCX: core-properties title and Word headings kept as sections', async () => {
    const data = await makeDocx(
      [
        { heading: 'Onboarding', paragraphs: ['New hires receive a laptop on day one.'] },
        { heading: 'Accounts', level: 2, paragraphs: ['IT creates the email account before the first day.'] },
      ],
      'IT Guide',
    );
    const doc = await extractDocument({ fileName: 'it.docx', data });
    assert.equal(doc.kind, 'docx');
    assert.equal(doc.title, 'IT Guide');
    const blocks = await all(doc.blocks);
    assert.deepEqual(blocks, [
      { kind: 'heading', level: 1, text: 'Onboarding' },
      { kind: 'text', text: 'New hires receive a laptop on day one.' },
      { kind: 'heading', level: 2, text: 'Accounts' },
      { kind: 'text', text: 'IT creates the email account before the first day.' },
    ]);
  });

  it('DOCX: a ZIP that is not a Word file fails clearly', async () => {
    await assert.rejects(
      extractDocument({ fileName: 'x.docx', data: Buffer.from('PK\u0003\u0004garbage') }),
      (err: Json) => err.code === 'HEARTH_E_KNOWLEDGE_EXTRACT',
    );
  });

  it('HTML: <title>, nested headings, scripts and navigation skipped, entities decoded', async () => {
    const html = `<!doctype html><html><head><title>Support &amp; Help</title><style>p{color:red}</style></head>
      <body><nav>Home | About</nav><h1>Returns</h1><p>Items can be returned within <b>30 days</b>.</p>
      <h2>Refunds</h2><p>Refunds go to the original card.</p><script>alert('x')</script>
      <h3>Exceptions</h3><ul><li>Gift cards</li><li>Opened software</li></ul></body></html>`;
    const doc = await extractDocument({ fileName: 'help.html', data: Buffer.from(html) });
    assert.equal(doc.title, 'Support & Help');
    const blocks = await all(doc.blocks);
    assert.deepEqual(blocks, [
      { kind: 'heading', level: 1, text: 'Returns' },
      { kind: 'text', text: 'Items can be returned within 30 days.' },
      { kind: 'heading', level: 2, text: 'Refunds' },
      { kind: 'text', text: 'Refunds go to the original card.' },
      { kind: 'heading', level: 3, text: 'Exceptions' },
      { kind: 'text', text: 'Gift cards\nOpened software' },
    ]);
    const chunks = [];
    for await (const c of chunkBlocks(
      (async function* () {
        yield* blocks;
      })(),
      { maxTokens: 300, overlapTokens: 20 },
    ))
      chunks.push(c);
    assert.deepEqual(
      chunks.map((c) => c.section),
      ['Returns', 'Returns > Refunds', 'Returns > Refunds > Exceptions'],
    );
  });

  it('Markdown: front-matter title, headings, lists and code through the parser', async () => {
    const md =
      '---\ntitle: Deploy guide\n---\n# Install\n\nRun `npm ci` first.\n\n- one\n- two\n\n## Configure\n\n```yaml\nport: 8080\n```\n';
    const doc = await extractDocument({ fileName: 'deploy.md', data: Buffer.from(md) });
    assert.equal(doc.title, 'Deploy guide');
    assert.deepEqual(await all(doc.blocks), [
      { kind: 'heading', level: 1, text: 'Install' },
      { kind: 'text', text: 'Run npm ci first.' },
      { kind: 'text', text: '- one\n- two' },
      { kind: 'heading', level: 2, text: 'Configure' },
      { kind: 'text', text: 'port: 8080' },
    ]);
  });

  it('an unsupported type fails with HEARTH_E_KNOWLEDGE_UNSUPPORTED', async () => {
    await assert.rejects(
      extractDocument({
        fileName: 'photo.png',
        mimeType: 'image/png',
        data: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0]),
      }),
      (err: Json) => err.code === 'HEARTH_E_KNOWLEDGE_UNSUPPORTED' && /photo\.png/.test(err.message),
    );
  });
});

describe('chunking', () => {
  it('splits a long section under the cap with overlap, each piece keeping its section and page', async () => {
    const sentences = Array.from({ length: 60 }, (_, i) => `Sentence number ${i} talks about topic ${i % 7}.`).join(
      ' ',
    );
    const blocks = (async function* (): AsyncGenerator<Block> {
      yield { kind: 'heading', level: 1, text: 'Guide' };
      yield { kind: 'heading', level: 2, text: 'Long part' };
      yield { kind: 'text', text: sentences, page: 4 };
    })();
    const chunks = [];
    for await (const c of chunkBlocks(blocks, { maxTokens: 100, overlapTokens: 20 })) chunks.push(c);
    assert.ok(chunks.length >= 4, `${chunks.length} chunks`);
    for (const c of chunks) {
      assert.ok(c.text.length <= 400, `chunk of ${c.text.length} chars`);
      assert.equal(c.section, 'Guide > Long part');
      assert.equal(c.page, 4);
    }
    // The overlap: each piece starts with words the previous one ended with.
    for (let i = 1; i < chunks.length; i++) {
      const firstWords = chunks[i].text.split(' ').slice(0, 3).join(' ');
      assert.ok(chunks[i - 1].text.includes(firstWords), `piece ${i} starts with the end of piece ${i - 1}`);
    }
    assert.deepEqual(
      chunks.map((c) => c.ordinal),
      chunks.map((_, i) => i),
    );
  });

  it('sizes Chinese by characters (about a token each) and cuts it after a sentence mark, with overlap', async () => {
    const sentences = Array.from({ length: 40 }, (_, i) => `第${i}条规定员工在提交报销申请时必须附上发票。`).join('');
    const blocks = (async function* (): AsyncGenerator<Block> {
      yield { kind: 'heading', level: 1, text: '报销制度' };
      yield { kind: 'text', text: sentences };
    })();
    const chunks = [];
    for await (const c of chunkBlocks(blocks, { maxTokens: 100, overlapTokens: 20 })) chunks.push(c);
    assert.ok(
      chunks.length >= 8,
      `${chunks.length} chunks: a 100-token cap holds about 100 Chinese characters, not 400`,
    );
    for (const c of chunks) {
      assert.ok(approxTokens(c.text) <= 100, `chunk of ~${approxTokens(c.text)} tokens`);
      assert.equal(c.section, '报销制度');
    }
    for (let i = 0; i < chunks.length - 1; i++)
      assert.ok(chunks[i].text.endsWith('。'), `piece ${i} ends at a sentence mark: …${chunks[i].text.slice(-8)}`);
    for (let i = 1; i < chunks.length; i++) {
      assert.ok(
        chunks[i - 1].text.includes(chunks[i].text.slice(0, 6)),
        `piece ${i} starts with the end of piece ${i - 1}`,
      );
    }
  });

  it('always makes progress, even on one unbroken word longer than the cap', () => {
    const pieces = splitText('x'.repeat(1000), 100, 25);
    assert.equal(pieces.join('').length >= 1000, true);
    assert.ok(pieces.length >= 10 && pieces.length < 20);
  });
});
