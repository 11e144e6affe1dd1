/**
 * The web chat's /ws frames beyond plain text, against the real `hearth` process and the OpenAI
 * fake: `stop` aborts the model's upstream request and keeps what was streamed as a cancelled
 * answer; attachments reach the model (an image as an image part, a text file read into the
 * prompt); bad uploads get a clear error; `regenerate` replaces the last answer (the question is
 * asked again with its attachments and stays stored once).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startOpenAIFake, type ModelFake } from '../fakes/openai-server.js';
import { startHearth, type HearthProcess } from '../harness.js';
import type { Json } from '../json.js';
import { WebChatSocket } from '../webchat-client.js';

/** A 1×1 PNG. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGP4z8DwHwAFAAH/iZk9HQAAAABJRU5ErkJggg==',
  'base64',
);

type Part = { type: string; text?: string; image_url?: { url: string } };

/** The content of the last user message of a recorded request, as parts. */
function lastUser(body: Json): Part[] {
  const messages = (body as { messages: Array<{ role: string; content: string | Part[] }> }).messages;
  const content = messages.filter((m) => m.role === 'user').at(-1)!.content;
  return typeof content === 'string' ? [{ type: 'text', text: content }] : content;
}

const textOf = (parts: Part[]) => parts.map((p) => p.text ?? '').join('');

describe('web chat: stop, attachments, regenerate', () => {
  let model: ModelFake;
  let h: HearthProcess;
  let onRequest: (text: string) => Record<string, unknown> = () => ({});

  before(async () => {
    model = await startOpenAIFake();
    model.setReply((body) => {
      const text = textOf(lastUser(body));
      return { text: `Answer to: ${text}`, ...onRequest(text) };
    });
    h = await startHearth({ env: { MODEL_ENDPOINT: model.baseUrl } });
  });
  after(async () => {
    await h?.stop();
    await model?.close();
  });

  it('stop aborts the upstream model request and keeps the streamed part as a cancelled answer', async () => {
    let closed!: () => void;
    const upstreamClosed = new Promise<void>((resolve) => (closed = resolve));
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    onRequest = (text) =>
      text === 'tell me a long story'
        ? {
            chunks: ['Once ', 'upon ', 'a ', 'time ', 'there ', 'was'],
            hold: { afterChunks: 2, until: held },
            onClientClose: closed,
          }
        : {};
    const { socket, ready } = await WebChatSocket.open(h.baseUrl);
    try {
      socket.send({ type: 'message', text: 'tell me a long story' });
      let seen = '';
      while (seen !== 'Once upon ') seen += String((await socket.next((f) => f.type === 'delta')).text);
      socket.send({ type: 'stop' });
      await upstreamClosed; // the fake saw its request's socket close: the model call was aborted
      const done = await socket.next((f) => f.type === 'done');
      assert.equal(done.finishReason, 'cancelled');
      assert.equal(done.text, 'Once upon ');
      release();
      // The cut answer is the conversation's history: a reload shows it.
      const again = await WebChatSocket.open(h.baseUrl, {
        identity: ready.identity,
        conversationId: ready.conversationId,
      });
      assert.deepEqual(
        (again.ready.history as Array<{ role: string; content: string }>).map((m) => [m.role, m.content]),
        [
          ['user', 'tell me a long story'],
          ['assistant', 'Once upon '],
        ],
      );
      again.socket.close();
      // Nothing left to stop now.
      socket.send({ type: 'stop' });
      const refused = await socket.next((f) => f.type === 'error');
      assert.match(String(refused.message), /nothing is being generated/);
    } finally {
      release();
      onRequest = () => ({});
      socket.close();
    }
  });

  it('an OpenAI-compatible client that disconnects mid-stream stops the model call the same way', async () => {
    let closed!: () => void;
    const upstreamClosed = new Promise<void>((resolve) => (closed = resolve));
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    onRequest = (text) =>
      text === 'stream and hang up'
        ? { chunks: ['Part ', 'one ', 'part ', 'two'], hold: { afterChunks: 2, until: held }, onClientClose: closed }
        : {};
    const abort = new AbortController();
    try {
      const res = await fetch(`${h.baseUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${h.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ stream: true, messages: [{ role: 'user', content: 'stream and hang up' }] }),
        signal: abort.signal,
      });
      const reader = res.body!.getReader();
      let seen = '';
      while (!seen.includes('one ')) seen += new TextDecoder().decode((await reader.read()).value);
      abort.abort();
      await upstreamClosed;
      await h.waitForLog((l) => l.msg === 'turn cancelled by the user');
    } finally {
      release();
      onRequest = () => ({});
    }
  });

  it('sends an attached image as an image part and a text file as a read document', async () => {
    const { socket } = await WebChatSocket.open(h.baseUrl);
    try {
      const before = model.requests.length;
      const done = await socket.ask('what is in these?', {
        attachments: [
          { name: 'dot.png', mimeType: 'image/png', data: PNG.toString('base64') },
          {
            name: 'notes.txt',
            mimeType: 'text/plain',
            data: Buffer.from('The password is heliotrope.').toString('base64'),
          },
        ],
      });
      assert.equal(done.type, 'done');
      const parts = lastUser(model.requests.slice(before).at(-1)!.body);
      const image = parts.find((p) => p.type === 'image_url');
      assert.equal(image?.image_url?.url, `data:image/png;base64,${PNG.toString('base64')}`);
      assert.match(textOf(parts), /what is in these\?/);
      assert.match(textOf(parts), /heliotrope/, 'the text file was read into the prompt');
    } finally {
      socket.close();
    }
  });

  it('refuses a bad or oversized upload with a clear error, and the model is not called', async () => {
    const { socket, ready } = await WebChatSocket.open(h.baseUrl);
    try {
      const max = (ready.features as { maxAttachmentBytes: number }).maxAttachmentBytes;
      assert.ok(max > 100_000, `a useful upload size (${max})`);
      const before = model.requests.length;
      const cases: Array<[unknown, RegExp]> = [
        [[{ name: 'x.png', mimeType: 'image/png', data: 'not base64!' }], /"x.png": the file's data must be base64/],
        [[{ name: 'x.png', mimeType: 'image png', data: 'AAAA' }], /"x.png": unknown file type/],
        [[{ mimeType: 'image/png', data: 'AAAA' }], /attachment 1: a file needs a name/],
        [Array.from({ length: 5 }, () => ({ name: 'a.txt', mimeType: 'text/plain', data: 'AAAA' })), /at most 4 files/],
        [
          [{ name: 'big.bin', mimeType: 'application/octet-stream', data: Buffer.alloc(max + 3).toString('base64') }],
          new RegExp(`"big.bin" is too large \\(at most ${max} bytes\\)`),
        ],
      ];
      for (const [attachments, message] of cases) {
        const answer = await socket.ask('look', { attachments });
        assert.equal(answer.type, 'error');
        assert.equal(answer.code, 'HEARTH_E_BAD_REQUEST');
        assert.match(String(answer.message), message);
      }
      assert.equal(model.requests.length, before);
    } finally {
      socket.close();
    }
  });

  it('regenerate replaces the last answer: the question again with its attachments, stored once', async () => {
    let attempt = 0;
    onRequest = (text) => (text === 'second question' ? { text: `Answer #${++attempt} to: ${text}` } : {});
    const { socket, ready } = await WebChatSocket.open(h.baseUrl);
    try {
      socket.send({ type: 'regenerate' });
      assert.match(String((await socket.next((f) => f.type === 'error')).message), /nothing to regenerate/);
      await socket.ask('first question');
      const first = await socket.ask('second question', {
        attachments: [{ name: 'dot.png', mimeType: 'image/png', data: PNG.toString('base64') }],
      });
      assert.equal(first.text, 'Answer #1 to: second question');
      const before = model.requests.length;
      socket.send({ type: 'regenerate' });
      const done = await socket.next((f) => f.type === 'done');
      assert.equal(done.text, 'Answer #2 to: second question');
      assert.equal(model.requests.length, before + 1, 'a new model request');
      const body = model.requests.at(-1)!.body as { messages: Array<{ role: string; content: string | Part[] }> };
      const parts = lastUser(body);
      assert.equal(textOf(parts), 'second question');
      assert.ok(
        parts.some((p) => p.type === 'image_url'),
        'the image is sent again',
      );
      // The prompt holds the question once and not the answer being replaced.
      const said = body.messages.map((m) => (typeof m.content === 'string' ? m.content : textOf(m.content)));
      assert.equal(said.filter((t) => t === 'second question').length, 1, JSON.stringify(said));
      assert.ok(!said.some((t) => t.includes('Answer #1')), 'the old answer is not in the prompt');
    } finally {
      socket.close();
    }

    // Reopened, the conversation holds each question once and only the new answer.
    const again = await WebChatSocket.open(h.baseUrl, {
      conversationId: ready.conversationId,
      identity: ready.identity,
    });
    again.socket.close();
    const history = (again.ready.history as Array<{ role: string; content: string }>).map(
      (m) => `${m.role}: ${m.content}`,
    );
    assert.deepEqual(history, [
      'user: first question',
      'assistant: Answer to: first question',
      'user: second question',
      'assistant: Answer #2 to: second question',
    ]);
  });
});
