import { test } from 'node:test';
import assert from 'node:assert/strict';
import { markdownToMrkdwn, mrkdwnPieces } from '../../../src/channels/slack/markdown.js';
import { extractButtons, streamingText } from '../../../src/channels/shared/buttons.js';
import { slackSignature, verifySlackSignature } from '../../../src/channels/slack/signature.js';
import { prefixes, richAnswer } from '../shared/rich-answer.js';

test('Markdown becomes Slack mrkdwn', () => {
  assert.equal(markdownToMrkdwn('**bold** and *it* and ~~gone~~'), '*bold* and _it_ and ~gone~');
  assert.equal(markdownToMrkdwn('# Title\n- one\n- two'), '*Title*\n• one\n• two');
  assert.equal(markdownToMrkdwn('see [docs](https://example.com/a)'), 'see <https://example.com/a|docs>');
  assert.equal(markdownToMrkdwn('a < b & c'), 'a &lt; b &amp; c');
});

test('code is kept verbatim apart from escaping; the fence language tag is dropped', () => {
  assert.equal(markdownToMrkdwn('run `a **b**` now'), 'run `a **b**` now');
  assert.equal(markdownToMrkdwn('```js\nif (a < b) **x**\n```'), '```if (a &lt; b) **x**```');
});

test('long answers split at paragraph boundaries under the limit, each piece converted on its own', () => {
  const text = `**${'a'.repeat(60)}**\n\n${'b'.repeat(60)}`;
  assert.deepEqual(mrkdwnPieces(text, 100), [`*${'a'.repeat(60)}*`, 'b'.repeat(60)]);
  assert.ok(mrkdwnPieces('x'.repeat(250), 100).every((c) => c.length <= 100));
  const code = mrkdwnPieces('```\n' + 'line\n'.repeat(40) + '```', 100);
  assert.ok(
    code.length > 1 && code.every((c) => c.startsWith('```') && c.endsWith('```')),
    'a cut code block stays a code block in every piece',
  );
  assert.ok(
    mrkdwnPieces('& '.repeat(60), 100).every((c) => c.length <= 100),
    'escaping never pushes a piece past the limit',
  );
});

test('button markup is extracted from answers and hidden while streaming', () => {
  const { text, buttons } = extractButtons('Deploy now?\n[[button:Yes|deploy-yes]] [[button:No]]');
  assert.equal(text, 'Deploy now?');
  assert.deepEqual(buttons, [
    { label: 'Yes', value: 'deploy-yes' },
    { label: 'No', value: 'No' },
  ]);
  assert.equal(streamingText('Deploy now?\n[[butt'), 'Deploy now?');
});

test('signatures: valid passes, wrong secret and stale timestamp fail', () => {
  const body = Buffer.from('{"a":1}');
  const now = 1_700_000_000_000;
  const ts = String(now / 1000);
  const sig = slackSignature('s3cret', ts, body);
  assert.deepEqual(verifySlackSignature('s3cret', { signature: sig, timestamp: ts }, body, 300, now), { ok: true });
  assert.deepEqual(verifySlackSignature('other', { signature: sig, timestamp: ts }, body, 300, now), {
    ok: false,
    reason: 'bad signature',
  });
  assert.deepEqual(verifySlackSignature('s3cret', { signature: sig, timestamp: ts }, body, 300, now + 301_000), {
    ok: false,
    reason: 'stale timestamp',
  });
  assert.deepEqual(verifySlackSignature('s3cret', { timestamp: ts }, body, 300, now), {
    ok: false,
    reason: 'missing headers',
  });
});

test("nested emphasis: Slack's single markers, no doubled pair for a same-kind nesting", () => {
  assert.equal(markdownToMrkdwn('**bold _italic_ bold**'), '*bold _italic_ bold*');
  assert.equal(markdownToMrkdwn('*a **b** c*'), '_a *b* c_');
  assert.equal(markdownToMrkdwn('# Title with **bold**'), '*Title with bold*');
});

test('code spans keep markup characters, only &<> escaped', () => {
  assert.equal(markdownToMrkdwn('`a*b_c` and `<tag>`'), '`a*b_c` and `&lt;tag&gt;`');
});

test('links: parentheses stay in the URL, the label is plain text, bare URLs are left to Slack', () => {
  assert.equal(
    markdownToMrkdwn('[x](https://en.wikipedia.org/wiki/Foo_(bar))'),
    '<https://en.wikipedia.org/wiki/Foo_(bar)|x>',
  );
  assert.equal(markdownToMrkdwn('[**the** `docs`](https://a.b/?q=1&r=2)'), '<https://a.b/?q=1&amp;r=2|the docs>');
  assert.equal(markdownToMrkdwn('go to https://a.b/x_y_z or <https://c.d>'), 'go to https://a.b/x_y_z or https://c.d');
});

test('lists nest, quotes get > on every line, tables become a code block grid', () => {
  assert.equal(markdownToMrkdwn('- a\n  - b\n1. one\n2. two'), '• a\n  • b\n1. one\n2. two');
  assert.equal(markdownToMrkdwn('> said **this**\n> and that'), '> said *this*\n> and that');
  assert.equal(
    markdownToMrkdwn('| a | b |\n|---|---|\n| 1 | <2> |'),
    '```| a | b   |\n|---|-----|\n| 1 | &lt;2&gt; |```',
  );
});

test('text that is not Markdown comes back as it was, only &<> escaped', () => {
  const plain = 'Total: 2 * 3 = 6, snake_case_name, a | b (see #4) ~5 min\nnext line\n\n<@U123> & co';
  assert.equal(markdownToMrkdwn(plain), plain.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'));
});

test('while an answer streams, every prefix keeps code fences paired and no raw < outside a link', () => {
  for (const partial of prefixes(richAnswer)) {
    const mrkdwn = markdownToMrkdwn(partial);
    assert.equal((mrkdwn.match(/```/g) ?? []).length % 2, 0, `${JSON.stringify(partial)} → ${mrkdwn}`);
    assert.doesNotMatch(mrkdwn.replace(/<https:[^|>]+\|[^<>]*>/g, ''), /</, mrkdwn);
  }
  assert.equal(markdownToMrkdwn('so **bold but not'), 'so **bold but not');
  assert.equal(markdownToMrkdwn('run:\n```sh\nnpm i'), 'run:\n```npm i```');
});
