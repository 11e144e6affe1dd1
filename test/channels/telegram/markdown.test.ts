import assert from 'node:assert/strict';
import { test } from 'node:test';
import { markdownToTelegramHtml } from '../../../src/channels/telegram/markdown.js';
import { parseTelegramHtml } from '../../fakes/telegram-html.js';

test('renders bold, italic, strike, code and links as Telegram HTML', () => {
  assert.equal(
    markdownToTelegramHtml('**bold** and *it* and _it2_ ~~gone~~ `a<b` [site](https://example.com/?a=1&b=2)'),
    '<b>bold</b> and <i>it</i> and <i>it2</i> <s>gone</s> <code>a&lt;b</code> <a href="https://example.com/?a=1&amp;b=2">site</a>',
  );
});

test('escapes HTML special characters in plain text', () => {
  assert.equal(markdownToTelegramHtml('if a < b && c > d then <script>'), 'if a &lt; b &amp;&amp; c &gt; d then &lt;script&gt;');
});

test('fenced code blocks become pre/code with the language, content escaped and not formatted', () => {
  const html = markdownToTelegramHtml('Code:\n```ts\nconst x = a**b** < 2;\n```\nafter');
  assert.equal(html, 'Code:\n<pre><code class="language-ts">const x = a**b** &lt; 2;</code></pre>\nafter');
});

test('headings become bold, bullets become •, quotes become blockquote', () => {
  assert.equal(markdownToTelegramHtml('# Title\n- one\n* two\n> quoted *x*\n> more'), '<b>Title</b>\n• one\n• two\n<blockquote>quoted <i>x</i>\nmore</blockquote>');
});

test('unclosed markers (a half-streamed answer) stay literal and the HTML still parses', () => {
  for (const partial of ['**bold but not closed', 'a `code', '```py\nprint(1)', '[link](https://x', '*a **b* c**', '__ _ * ** ~~', 'x_y_z snake_case_name']) {
    const html = markdownToTelegramHtml(partial);
    const parsed = parseTelegramHtml(html);
    assert.ok(parsed.ok, `${partial} → ${html}: ${parsed.ok ? '' : parsed.error}`);
  }
  assert.equal(markdownToTelegramHtml('snake_case_name'), 'snake_case_name');
  assert.equal(markdownToTelegramHtml('2 * 3 * 4'), '2 * 3 * 4');
});

test('links only for safe schemes; javascript: stays text', () => {
  assert.equal(markdownToTelegramHtml('[x](javascript:alert(1))'), '[x](javascript:alert(1))');
});

test('quotes in link targets are escaped inside the attribute', () => {
  const html = markdownToTelegramHtml('[x](https://e.com/"onmouseover)');
  assert.ok(parseTelegramHtml(html).ok, html);
  assert.match(html, /href="https:\/\/e\.com\/&quot;onmouseover"/);
});
