import assert from 'node:assert/strict';
import { test } from 'node:test';
import { escapeHtml, markdownToTelegramHtml } from '../../../src/channels/telegram/markdown.js';
import { splitMessage } from '../../../src/channels/shared/split.js';
import { prefixes, richAnswer } from '../shared/rich-answer.js';
import { parseTelegramHtml } from '../../fakes/telegram-html.js';

test('renders bold, italic, strike, code and links as Telegram HTML', () => {
  assert.equal(
    markdownToTelegramHtml('**bold** and *it* and _it2_ ~~gone~~ `a<b` [site](https://example.com/?a=1&b=2)'),
    '<b>bold</b> and <i>it</i> and <i>it2</i> <s>gone</s> <code>a&lt;b</code> <a href="https://example.com/?a=1&amp;b=2">site</a>',
  );
});

test('escapes HTML special characters in plain text', () => {
  assert.equal(
    markdownToTelegramHtml('if a < b && c > d then <script>'),
    'if a &lt; b &amp;&amp; c &gt; d then &lt;script&gt;',
  );
});

test('fenced code blocks become pre/code with the language, content escaped and not formatted', () => {
  const html = markdownToTelegramHtml('Code:\n```ts\nconst x = a**b** < 2;\n```\nafter');
  assert.equal(html, 'Code:\n<pre><code class="language-ts">const x = a**b** &lt; 2;</code></pre>\nafter');
});

test('headings become bold, bullets become •, quotes become blockquote', () => {
  assert.equal(
    markdownToTelegramHtml('# Title\n- one\n* two\n> quoted *x*\n> more'),
    '<b>Title</b>\n• one\n• two\n<blockquote>quoted <i>x</i>\nmore</blockquote>',
  );
});

test('unclosed markers (a half-streamed answer) stay literal and the HTML still parses', () => {
  for (const partial of [
    '**bold but not closed',
    'a `code',
    '```py\nprint(1)',
    '[link](https://x',
    '*a **b* c**',
    '__ _ * ** ~~',
    'x_y_z snake_case_name',
  ]) {
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

test('nested emphasis nests the tags; a same-kind nesting adds none', () => {
  assert.equal(markdownToTelegramHtml('**bold _italic_ bold**'), '<b>bold <i>italic</i> bold</b>');
  assert.equal(markdownToTelegramHtml('*a **b** c*'), '<i>a <b>b</b> c</i>');
  assert.equal(markdownToTelegramHtml('**a __b__ c**'), '<b>a b c</b>');
});

test('code spans keep markup characters literal and escaped', () => {
  assert.equal(
    markdownToTelegramHtml('`a*b_c` and `<tag>` and `**x**`'),
    '<code>a*b_c</code> and <code>&lt;tag&gt;</code> and <code>**x**</code>',
  );
  // Telegram cannot put code inside a link: the label's code is plain text.
  assert.equal(markdownToTelegramHtml('[`npm` docs](https://npmjs.com)'), '<a href="https://npmjs.com">npm docs</a>');
});

test('links keep parentheses in the URL; bare URLs are left for Telegram to link', () => {
  assert.equal(
    markdownToTelegramHtml('[x](https://en.wikipedia.org/wiki/Foo_(bar))'),
    '<a href="https://en.wikipedia.org/wiki/Foo_(bar)">x</a>',
  );
  assert.equal(
    markdownToTelegramHtml('see https://example.com/a_b_c?x=1&y=2 now'),
    'see https://example.com/a_b_c?x=1&amp;y=2 now',
  );
  assert.equal(markdownToTelegramHtml('![diagram](https://x/d.png)'), '<a href="https://x/d.png">diagram</a>');
});

test('headings of every depth are bold; nested and ordered lists are indented under their parent', () => {
  assert.equal(markdownToTelegramHtml('## Sub\n#### Deep **bold**'), '<b>Sub</b>\n<b>Deep bold</b>');
  assert.equal(markdownToTelegramHtml('- a\n  - b\n    - c\n- d'), '• a\n  • b\n    • c\n• d');
  assert.equal(markdownToTelegramHtml('3. three\n4. four\n   - sub'), '3. three\n4. four\n   • sub');
  assert.equal(markdownToTelegramHtml('- [x] done\n- [ ] todo'), '• ☑ done\n• ☐ todo');
});

test('a code block in a list item keeps its lines unindented', () => {
  assert.equal(
    markdownToTelegramHtml('1. run\n   ```sh\n   npm i\n   npm t\n   ```\n2. next'),
    '1. run\n   <pre><code class="language-sh">npm i\nnpm t</code></pre>\n2. next',
  );
});

test('quotes: one blockquote; a nested quote (Telegram cannot nest them) is marked with >', () => {
  const html = markdownToTelegramHtml('> outer **b**\n>\n> > inner');
  assert.equal(html, '<blockquote>outer <b>b</b>\n\n&gt; inner</blockquote>');
  assert.ok(parseTelegramHtml(html).ok);
});

test('tables become a monospace grid, aligned as the rule says', () => {
  assert.equal(
    markdownToTelegramHtml('| Name | Qty |\n|:--|--:|\n| apple | 3 |\n| kiwi <b> | 12 |\nnext line'),
    '<pre>| Name     | Qty |\n|----------|-----|\n| apple    |   3 |\n| kiwi &lt;b&gt; |  12 |</pre>\nnext line',
  );
});

test('strikethrough needs ~~; a single ~ (about) stays text', () => {
  assert.equal(markdownToTelegramHtml('~~gone~~ in ~5 min, not ~10 min'), '<s>gone</s> in ~5 min, not ~10 min');
});

test('text that is not Markdown comes back as it was, only escaped', () => {
  const plain =
    'Dear Ada,\nthe total is 2 * 3 = 6 (see item #4); file snake_case_name.txt, a | b, 50% & more!\n\nBest, <Bob>';
  assert.equal(markdownToTelegramHtml(plain), escapeHtml(plain));
  assert.equal(markdownToTelegramHtml('C:\\Users\\ada and 1+1=2'), 'C:\\Users\\ada and 1+1=2');
  assert.equal(markdownToTelegramHtml('\\*not bold\\*'), '*not bold*');
});

test('while an answer streams, every prefix renders to HTML Telegram accepts', () => {
  for (const partial of prefixes(richAnswer)) {
    const html = markdownToTelegramHtml(partial);
    const parsed = parseTelegramHtml(html);
    assert.ok(parsed.ok, `${JSON.stringify(partial)} → ${html}: ${parsed.ok ? '' : parsed.error}`);
  }
  assert.equal(markdownToTelegramHtml('Hello **wor'), 'Hello **wor');
  assert.equal(
    markdownToTelegramHtml('Code:\n```ts\nconst a = 1 <'),
    'Code:\n<pre><code class="language-ts">const a = 1 &lt;</code></pre>',
  );
  assert.equal(markdownToTelegramHtml('Code:\n```'), 'Code:', 'a fence just opened shows nothing yet');
});

test('an answer cut at a small limit renders every piece to valid HTML', () => {
  for (const limit of [40, 90, 200]) {
    for (const piece of splitMessage(richAnswer, limit)) {
      const parsed = parseTelegramHtml(markdownToTelegramHtml(piece));
      assert.ok(parsed.ok && parsed.text.length <= limit, `${limit}: ${piece}`);
    }
  }
});
