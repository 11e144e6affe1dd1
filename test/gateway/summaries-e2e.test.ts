/**
 * Summarized history end to end (web chat, OpenAI fake): once turns leave the agent's window they
 * are summarized by the model and the summary rides in the system message; a refresh sends the
 * model only the turns that left the window since, with the previous summary; a failing summary
 * call never fails the turn.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Json } from '../json.js';
import { chatOverWs } from '../webchat-client.js';
import { startGateway, type InProcessGateway } from './in-process.js';

const isSummaryCall = (body: Json) => String(body?.messages?.[0]?.content).startsWith('You keep a running summary');
const lastUser = (body: Json) => String(body.messages.at(-1).content);

describe('summarized history', () => {
  let g: InProcessGateway;
  let failSummaries = false;
  before(async () => {
    // A window of one exchange: every earlier exchange must come back through the summary.
    g = await startGateway('agents:\n  default:\n    historyMessages: 2\n');
    let summaries = 0;
    g.fake.setReply((body) => {
      if (!isSummaryCall(body)) return { text: `answer to ${lastUser(body)}` };
      if (failSummaries) return { status: 400, errorMessage: 'summary refused' };
      return { text: `SUMMARY-${++summaries}` };
    });
  });
  after(() => g?.close());

  const chats = () => g.fake.requests.filter((r) => r.path === '/v1/chat/completions').map((r) => r.body);

  it('summarizes turns that left the window, puts the summary in the prompt, and refreshes it with new turns only', async () => {
    const first = await chatOverWs(g.hearth.url, 'my dog is called Rex');
    const hello = { conversationId: first.ready.conversationId, identity: first.ready.identity };
    await chatOverWs(g.hearth.url, 'question two', hello);
    assert.equal(chats().filter(isSummaryCall).length, 0, 'nothing left the window yet');

    const third = await chatOverWs(g.hearth.url, 'question three', hello);
    assert.equal(third.events.at(-1)!.type, 'done');
    const [firstSummary] = chats().filter(isSummaryCall);
    assert.ok(firstSummary, 'the first exchange left the window: it was summarized');
    assert.match(lastUser(firstSummary), /my dog is called Rex/);
    assert.doesNotMatch(lastUser(firstSummary), /question two/, 'the window is not summarized');
    const answered = chats()
      .filter((b) => !isSummaryCall(b))
      .at(-1)!;
    assert.equal(lastUser(answered), 'question three');
    assert.match(answered.messages[0].content, /Earlier in this conversation[^\n]*\n(.|\n)*SUMMARY-1/);
    assert.deepEqual(
      answered.messages.slice(1).map((m: Json) => m.content),
      ['question two', 'answer to question two', 'question three'],
      'the window, oldest first, after the system message',
    );

    await chatOverWs(g.hearth.url, 'question four', hello);
    const refresh = chats().filter(isSummaryCall)[1]!;
    assert.match(lastUser(refresh), /Summary so far:\nSUMMARY-1/);
    assert.match(lastUser(refresh), /question two/);
    assert.doesNotMatch(lastUser(refresh), /Rex/, 'turns already summarized are not sent again');
    const latest = chats()
      .filter((b) => !isSummaryCall(b))
      .at(-1)!;
    assert.match(latest.messages[0].content, /SUMMARY-2/);
    assert.doesNotMatch(latest.messages[0].content, /SUMMARY-1/);
  });

  it('answers the turn when summarizing fails, and logs it', async () => {
    failSummaries = true;
    const first = await chatOverWs(g.hearth.url, 'one');
    const hello = { conversationId: first.ready.conversationId, identity: first.ready.identity };
    await chatOverWs(g.hearth.url, 'two', hello);
    const third = await chatOverWs(g.hearth.url, 'three', hello);
    assert.equal(third.events.at(-1)!.type, 'done');
    assert.equal(third.events.at(-1)!.text, 'answer to three');
    assert.ok(g.logs.some((l) => String(l.msg).startsWith('summarizing older turns failed')));
    const answered = chats()
      .filter((b) => !isSummaryCall(b))
      .at(-1)!;
    assert.doesNotMatch(answered.messages[0].content, /Earlier in this conversation/);
  });
});
