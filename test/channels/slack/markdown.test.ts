import { test } from 'node:test';
import assert from 'node:assert/strict';
import { markdownToMrkdwn, mrkdwnPieces } from '../../../src/channels/slack/markdown.js';
import { extractButtons, streamingText } from '../../../src/channels/shared/buttons.js';
import { slackSignature, verifySlackSignature } from '../../../src/channels/slack/signature.js';

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
  assert.ok(code.length > 1 && code.every((c) => c.startsWith('```') && c.endsWith('```')), 'a cut code block stays a code block in every piece');
  assert.ok(mrkdwnPieces('& '.repeat(60), 100).every((c) => c.length <= 100), 'escaping never pushes a piece past the limit');
});

test('button markup is extracted from answers and hidden while streaming', () => {
  const { text, buttons } = extractButtons('Deploy now?\n[[button:Yes|deploy-yes]] [[button:No]]');
  assert.equal(text, 'Deploy now?');
  assert.deepEqual(buttons, [{ label: 'Yes', value: 'deploy-yes' }, { label: 'No', value: 'No' }]);
  assert.equal(streamingText('Deploy now?\n[[butt'), 'Deploy now?');
});

test('signatures: valid passes, wrong secret and stale timestamp fail', () => {
  const body = Buffer.from('{"a":1}');
  const now = 1_700_000_000_000;
  const ts = String(now / 1000);
  const sig = slackSignature('s3cret', ts, body);
  assert.deepEqual(verifySlackSignature('s3cret', { signature: sig, timestamp: ts }, body, 300, now), { ok: true });
  assert.deepEqual(verifySlackSignature('other', { signature: sig, timestamp: ts }, body, 300, now), { ok: false, reason: 'bad signature' });
  assert.deepEqual(verifySlackSignature('s3cret', { signature: sig, timestamp: ts }, body, 300, now + 301_000), { ok: false, reason: 'stale timestamp' });
  assert.deepEqual(verifySlackSignature('s3cret', { timestamp: ts }, body, 300, now), { ok: false, reason: 'missing headers' });
});
