import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseMarkdown } from '../../../src/channels/shared/markdown-tree.js';

const types = (markdown: string): string[] => parseMarkdown(markdown).root.children.map((n) => n.type);

test('a line of prose right under a table is a paragraph, not a one-cell row', () => {
  const doc = parseMarkdown('| a | b |\n|---|---|\n| 1 | 2 |\nafter the table');
  assert.deepEqual(
    doc.root.children.map((n) => n.type),
    ['table', 'paragraph'],
  );
  const table = doc.root.children[0];
  assert.ok(table.type === 'table');
  assert.equal(table.children.length, 2);
});

test('raw HTML is text, so Markdown after an HTML-looking line still parses', () => {
  assert.deepEqual(types('<div>\n\n**bold**'), ['paragraph', 'paragraph']);
  const [paragraph] = parseMarkdown('a <b>x</b> c').root.children;
  assert.ok(paragraph.type === 'paragraph');
  assert.deepEqual(
    paragraph.children.map((n) => n.type),
    ['text'],
  );
});

test('CRLF line endings parse like LF; reference definitions are collected', () => {
  const doc = parseMarkdown('# T\r\n\r\n[ref]\r\n\r\n[ref]: https://r.example');
  assert.deepEqual(
    doc.root.children.map((n) => n.type),
    ['heading', 'paragraph', 'definition'],
  );
  assert.equal(doc.definitions.get('ref')?.url, 'https://r.example');
  assert.ok(!doc.source.includes('\r'));
});
