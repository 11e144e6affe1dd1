import { test } from 'node:test';
import { deepEqual, equal } from 'node:assert/strict';
import { SentenceSplitter, speakable } from '../../src/voice/sentences.js';

test('sentences are released as soon as they are complete', () => {
  const s = new SentenceSplitter();
  deepEqual(s.push('Hello there'), []);
  deepEqual(s.push('. How are'), ['Hello there.']);
  deepEqual(s.push(' you? I am'), ['How are you?']);
  deepEqual(s.push(' fine!\nNext line'), ['I am fine!']);
  deepEqual(s.flush(), ['Next line']);
  deepEqual(s.flush(), []);
});

test('a line break ends a sentence without punctuation', () => {
  const s = new SentenceSplitter();
  deepEqual(s.push('- first item\n- second'), ['- first item']);
});

test('markdown, code and links are not read aloud', () => {
  equal(
    speakable('**Bold** and `code` see [docs](https://x.y/z) or https://a.b/c\n```js\nx()\n```'),
    'Bold and code see docs or a link',
  );
});
