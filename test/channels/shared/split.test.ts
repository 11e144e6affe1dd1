import assert from 'node:assert/strict';
import { test } from 'node:test';
import { splitMessage } from '../../../src/channels/shared/split.js';

test('text within the limit is one piece', () => {
  assert.deepEqual(splitMessage('hello', 10), ['hello']);
  assert.deepEqual(splitMessage('', 10), ['']);
});

test('cuts at paragraph breaks, then lines, then spaces, never over the limit', () => {
  const text = `${'a'.repeat(60)}\n\n${'b'.repeat(60)}`;
  assert.deepEqual(splitMessage(text, 100), ['a'.repeat(60), 'b'.repeat(60)]);
  const words = Array.from({ length: 200 }, (_, i) => `word${i}`).join(' ');
  const pieces = splitMessage(words, 100);
  assert.ok(pieces.every((p) => p.length <= 100));
  assert.equal(pieces.join(' '), words);
});

test('a word longer than the limit is cut hard', () => {
  const pieces = splitMessage('x'.repeat(250), 100);
  assert.ok(pieces.every((p) => p.length <= 100));
  assert.equal(pieces.join(''), 'x'.repeat(250));
});

test('never splits a surrogate pair', () => {
  const text = '😀'.repeat(100);
  for (const piece of splitMessage(text, 51)) {
    assert.ok(piece.length <= 51);
    assert.doesNotMatch(piece, /^[\udc00-\udfff]|[\ud800-\udbff]$/);
  }
});

test('a cut inside a code fence closes it and reopens it with the same language', () => {
  const code = Array.from({ length: 40 }, (_, i) => `line ${i}`).join('\n');
  const pieces = splitMessage(`intro\n\`\`\`js\n${code}\n\`\`\`\nend`, 120);
  assert.ok(pieces.length > 2);
  for (const piece of pieces) {
    assert.ok(piece.length <= 120, `${piece.length}`);
    const fences = piece.split('\n').filter((l) => l.startsWith('```')).length;
    assert.equal(fences % 2, 0, `unbalanced fences in: ${piece}`);
  }
  assert.match(pieces[1], /^```js\n/);
});

test('Telegram-sized split: every piece of a long answer is at most 4096', () => {
  const answer = Array.from({ length: 900 }, (_, i) => `Sentence number ${i} is here.`).join(' ');
  const pieces = splitMessage(answer, 4096);
  assert.ok(pieces.length >= 6);
  assert.ok(pieces.every((p) => p.length <= 4096));
});

test('pathological fences always finish and respect the limit', () => {
  const cases: Array<[string, number]> = [
    ['```'.repeat(3000), 4096],
    ['```\n```\n```\n'.repeat(100), 20],
    ['```' + 'x'.repeat(5000) + '\n' + 'y'.repeat(5000), 2000],
    ['~~~python\n' + 'print(1)\n'.repeat(2000) + '~~~', 2000],
  ];
  for (const [text, limit] of cases) {
    const pieces = splitMessage(text, limit);
    assert.ok(pieces.length > 1);
    for (const p of pieces) assert.ok(p.length <= limit, `a piece of ${p.length} > ${limit}`);
    assert.ok(pieces.join('').replace(/[`~\n]/g, '').length >= text.replace(/[`~\n]/g, '').length, 'no text lost');
  }
});
