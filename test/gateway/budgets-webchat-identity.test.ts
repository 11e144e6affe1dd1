/**
 * The user budget follows the web chat identity, not the conversation: one browser's conversations
 * share one `budgets.user` budget (a new conversation is no way around it), and another browser has
 * its own.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { chatOverWs } from '../webchat-client.js';
import { startGateway, TOKEN, type InProcessGateway } from './in-process.js';

describe('user budget across web chat conversations', () => {
  let g: InProcessGateway;
  before(async () => {
    // Each answer reports 1,200 tokens; a call reserves its prompt plus at most 100 answer tokens.
    g = await startGateway('budgets:\n  user:\n    tokensPerDay: 2000\nagents:\n  default:\n    maxTokens: 100\n');
    g.fake.setReply(() => ({ text: 'fine', usage: { promptTokens: 1000, completionTokens: 200 } }));
  });
  after(() => g?.close());

  const modelCalls = () => g.fake.requests.filter((r) => r.path === '/v1/chat/completions').length;

  it('two conversations of one identity share one budget; another identity has its own', async () => {
    const first = await chatOverWs(g.hearth.url, 'first conversation');
    assert.equal(first.events.at(-1)!.type, 'done');
    const identity = first.ready.identity;
    const userId = String(first.ready.userId);

    const second = await chatOverWs(g.hearth.url, 'second conversation', { identity });
    assert.notEqual(second.ready.conversationId, first.ready.conversationId, 'a new conversation');
    assert.equal(second.ready.userId, userId, 'of the same user');
    assert.equal(second.events.at(-1)!.type, 'done', '1,200 of 2,000 used: this one still fits');

    const calls = modelCalls();
    const third = await chatOverWs(g.hearth.url, 'third conversation', { identity });
    assert.equal(third.events.at(-1)!.type, 'error');
    assert.equal(third.events.at(-1)!.code, 'HEARTH_E_BUDGET');
    assert.match(String(third.events.at(-1)!.message), /budgets\.user\.tokensPerDay/);
    assert.equal(modelCalls(), calls, 'the refused turn never reached the model');

    const res = await fetch(`${g.hearth.url}/admin/usage?user=${encodeURIComponent(userId)}`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    const { budgets } = (await res.json()) as { budgets: Array<{ budget: string; used: number }> };
    assert.deepEqual(
      budgets.map((b) => [b.budget, b.used]),
      [['budgets.user.tokensPerDay', 2400]],
    );

    const stranger = await chatOverWs(g.hearth.url, 'another browser');
    assert.notEqual(stranger.ready.userId, userId);
    assert.equal(stranger.events.at(-1)!.type, 'done', 'another identity is not limited by the first one');
  });
});
