import assert from 'node:assert/strict';
import { test } from 'node:test';
import { escapeDiscord, markdownToDiscord } from '../../../src/channels/discord/markdown.js';
import { prefixes, richAnswer } from '../shared/rich-answer.js';

test('what Discord renders natively comes back as written', () => {
  const native =
    '# Title\n\n**bold *italic* bold** and ~~gone~~ with `a*b_c <tag>`\n\n- one\n  - nested\n1. first\n\n> quoted\n\n```py\nprint("*x*")\n```';
  assert.equal(markdownToDiscord(native), native);
});

test('links: masked links keep a URL with parentheses whole; bare URLs go out exactly as written', () => {
  assert.equal(
    markdownToDiscord('[x](https://en.wikipedia.org/wiki/Foo_(bar))'),
    '[x](https://en.wikipedia.org/wiki/Foo_%28bar%29)',
  );
  assert.equal(markdownToDiscord('see https://example.com/_a_b_c now'), 'see https://example.com/_a_b_c now');
});

test('same-kind nesting adds no second marker pair; deep headings are bold once', () => {
  assert.equal(markdownToDiscord('*a _b_ c*'), '*a b c*');
  assert.equal(markdownToDiscord('##### **Deep** one'), '**Deep one**');
});

test('tables become an aligned code block; a quote around code marks every line', () => {
  assert.equal(
    markdownToDiscord('| k | value |\n|---|:-:|\n| a | 1 |'),
    '```\n| k | value |\n|---|-------|\n| a |   1   |\n```',
  );
  assert.equal(markdownToDiscord('> ```\n> code\n> ```'), '> ```\n> code\n> ```');
});

test('text that is not Markdown comes back unchanged', () => {
  const plain = 'Total: 2 * 3 = 6, snake_case_name, a | b, ~5 min (see #4)\nC:\\Users\\ada\n\n<tag> & more';
  assert.equal(markdownToDiscord(plain), plain);
});

test('literal characters Discord would read as markup are escaped', () => {
  // Escaped in the Markdown, so meant literally; Discord has its own spoilers, and would format these.
  assert.equal(
    markdownToDiscord('\\*not bold\\* \\_nor this\\_ a || b || c \\`tick'),
    '\\*not bold\\* \\_nor this\\_ a \\|\\| b \\|\\| c \\`tick',
  );
  assert.equal(markdownToDiscord('\\# not a heading\nsome\n2. not a list'), '\\# not a heading\nsome\n2\\. not a list');
  assert.equal(escapeDiscord('[x](y) ~~z~~', false), '[x\\](y) \\~\\~z\\~\\~');
});

test('while an answer streams, every prefix keeps code fences paired and no marker left open', () => {
  for (const partial of prefixes(richAnswer)) {
    const out = markdownToDiscord(partial);
    assert.equal((out.match(/```/g) ?? []).length % 2, 0, `${JSON.stringify(partial)} → ${out}`);
    assert.equal((out.replace(/```[\s\S]*?```|`[^`]*`/g, '').match(/(?<!\\)\*\*/g) ?? []).length % 2, 0, out);
  }
  assert.equal(markdownToDiscord('Hello **wor'), 'Hello \\*\\*wor');
  assert.equal(markdownToDiscord('Code:\n```ts\nconst a'), 'Code:\n```ts\nconst a\n```');
});
