import assert from 'node:assert/strict';
import { test } from 'node:test';
import { markdownToWhatsApp, whatsappPieces } from '../../../src/channels/whatsapp/markdown.js';
import { prefixes, richAnswer } from '../shared/rich-answer.js';

test('nested emphasis and headings use single markers, never doubled', () => {
  assert.equal(markdownToWhatsApp('**bold _italic_ bold**'), '*bold _italic_ bold*');
  assert.equal(markdownToWhatsApp('### **Plan** B'), '*Plan B*');
});

test('code spans and blocks keep markup characters verbatim', () => {
  assert.equal(markdownToWhatsApp('`a*b_c` and `<tag>`'), '`a*b_c` and `<tag>`');
  assert.equal(markdownToWhatsApp('```py\nx = a*b_c\n```'), '```x = a*b_c\n```');
});

test('links show label then URL, parentheses kept; lists nest with -; quotes keep >', () => {
  assert.equal(
    markdownToWhatsApp('[x](https://en.wikipedia.org/wiki/Foo_(bar))'),
    'x (https://en.wikipedia.org/wiki/Foo_(bar))',
  );
  assert.equal(markdownToWhatsApp('* a\n  + b\n3. c'), '- a\n  - b\n3. c');
  assert.equal(markdownToWhatsApp('> **note**\n> more'), '> *note*\n> more');
});

test('tables become a monospace grid; strikethrough needs ~~', () => {
  assert.equal(markdownToWhatsApp('| a | b |\n|---|---|\n| 10 | 2 |'), '```| a  | b |\n|----|---|\n| 10 | 2 |\n```');
  assert.equal(markdownToWhatsApp('~~old~~ ~5 min'), '~old~ ~5 min');
});

test('text that is not Markdown comes back unchanged', () => {
  const plain = 'Total: 2 * 3 = 6, snake_case_name, a | b, ~5 min (see #4)\n<tag> & more\n\nBye';
  assert.equal(markdownToWhatsApp(plain), plain);
});

test('while an answer streams, every prefix keeps code fences paired', () => {
  for (const partial of prefixes(richAnswer)) {
    const out = markdownToWhatsApp(partial);
    assert.equal((out.match(/```/g) ?? []).length % 2, 0, `${JSON.stringify(partial)} → ${out}`);
  }
});

test('a table that grows as a grid is split again to stay within the limit', () => {
  const table = '|a|b|\n|-|-|\n' + Array.from({ length: 30 }, (_, i) => `|${'x'.repeat(i % 7)}|${i}|`).join('\n');
  const pieces = whatsappPieces(table, 120);
  assert.ok(pieces.length > 1 && pieces.every((p) => p.length <= 120), pieces.map((p) => p.length).join(','));
});
