/**
 * A turn that runs without a message from its user — resumed because an operator approved its
 * sensitive tool call in the admin API — is counted in that user's budget, like the turn that asked.
 * (Reminders and scheduled device actions make no model call: they deliver text or run one tool.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Json } from '../json.js';
import { lampConfig, lampSkillDir } from '../approvals/lamp-skill.js';
import { chatOverWs } from '../webchat-client.js';
import { startGateway, TOKEN, type InProcessGateway } from './in-process.js';

describe('background turns in the user budget', () => {
  let g: InProcessGateway;
  before(async () => {
    g = await startGateway(`${lampConfig(lampSkillDir())}budgets:\n  user:\n    tokensPerDay: 100000\n`);
    g.fake.setReply((body: Json) => {
      const last = body.messages.at(-1);
      if (last.role === 'tool')
        return { text: `Tool said: ${last.content}`, usage: { promptTokens: 300, completionTokens: 30 } };
      return {
        toolCalls: [{ name: 'lamp_on', arguments: JSON.stringify({ room: 'hall' }) }],
        usage: { promptTokens: 100, completionTokens: 10 },
      };
    });
  });
  after(() => g?.close());

  const admin = (path: string, method = 'GET') =>
    fetch(`${g.hearth.url}${path}`, { method, headers: { authorization: `Bearer ${TOKEN}` } });
  const used = async (userId: string): Promise<number> => {
    const body = (await (await admin(`/admin/usage?user=${encodeURIComponent(userId)}`)).json()) as {
      budgets: Array<{ budget: string; used: number }>;
    };
    return body.budgets.find((b) => b.budget === 'budgets.user.tokensPerDay')!.used;
  };

  it('counts the model call of a turn resumed by an operator approval against the user who asked', async () => {
    const asked = await chatOverWs(g.hearth.url, 'switch the lamp on');
    assert.match(String(asked.events.at(-1)!.text), /lamp_on/, 'the turn ends asking for approval');
    const userId = String(asked.ready.userId);
    assert.equal(await used(userId), 110);

    const { approvals } = (await (await admin('/admin/approvals')).json()) as { approvals: Array<{ id: string }> };
    assert.equal((await admin(`/admin/approvals/${approvals[0]!.id}/approve`, 'POST')).status, 200);
    const deadline = Date.now() + 10_000;
    while ((await used(userId)) !== 440 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(await used(userId), 440, 'the resumed call (330 tokens) is in the same user budget');
    const tool = g.fake.requests.at(-1)!.body.messages.at(-1);
    assert.equal(tool.role, 'tool', 'the approved call ran and its result went to the model');
  });
});
