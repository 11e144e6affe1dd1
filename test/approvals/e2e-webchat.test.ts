/**
 * End to end against the real `hearth` process: a tool-calling fake model asks for a sensitive tool
 * (a static skill whose manifest marks it `sensitive`); over the web chat the call waits for a yes,
 * an operator can answer through /admin/approvals, and every request and decision is in the audit log.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { startOpenAIFake, type ModelFake } from '../fakes/openai-server.js';
import { startHearth, type HearthProcess } from '../harness.js';
import type { Json } from '../json.js';
import { callLampOnRequest, exportedAuditRows, lampSkillDir } from './lamp-skill.js';

/** One web chat connection kept open across several messages. */
class Chat {
  readonly events: Array<Record<string, Json>> = [];
  private constructor(private readonly ws: WebSocket) {}

  static async open(baseUrl: string): Promise<Chat> {
    const ws = new WebSocket(baseUrl.replace('http', 'ws') + '/ws');
    const chat = new Chat(ws);
    ws.on('message', (data) => void chat.events.push(JSON.parse(String(data))));
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    ws.send(JSON.stringify({ type: 'hello' }));
    await chat.next((e) => e.type === 'ready');
    return chat;
  }

  /** Waits for the first event (counted from `from`) that matches. */
  async next(pred: (e: Record<string, Json>) => boolean, from = 0, timeoutMs = 20_000): Promise<Record<string, Json>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.slice(from).find(pred);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no matching event; got ${JSON.stringify(this.events)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Sends a message and waits for the next final answer. */
  async say(text: string): Promise<string> {
    const from = this.events.length;
    this.ws.send(JSON.stringify({ type: 'message', text }));
    return (await this.next((e) => e.type === 'done' || e.type === 'error', from)).text ?? '';
  }

  close(): void {
    this.ws.close();
  }
}

describe('approvals end to end over the web chat and the admin API', () => {
  let model: ModelFake;
  let h: HearthProcess;

  before(async () => {
    model = await startOpenAIFake();
    callLampOnRequest(model);
    h = await startHearth({
      env: { MODEL_ENDPOINT: model.baseUrl, MODEL_NAME: 'fake-model' },
      config: [
        'skills:',
        `  dir: ${JSON.stringify(lampSkillDir())}`,
        'agents:',
        '  default:',
        '    skills: ["*"]',
        '',
      ].join('\n'),
      keepDataDir: true,
      timeoutMs: 30_000,
    });
  });
  after(async () => {
    await h?.stop();
    await model?.close();
  });

  const toolRan = () => h.logs.some((l) => l.msg === 'tool call' && l.tool === 'lamp_on');
  const toolResultsSeen = () =>
    model.requests.filter((r) => r.body.messages.some((m: { role: string }) => m.role === 'tool')).length;
  const admin = (path: string, init: RequestInit = {}) =>
    fetch(`${h.baseUrl}${path}`, { ...init, headers: { authorization: `Bearer ${h.token}`, ...(init.headers ?? {}) } });

  it('asks in the chat, runs nothing before yes, and runs the call after yes', async () => {
    const chat = await Chat.open(h.baseUrl);
    try {
      const question = await chat.say('please switch the lamp in the kitchen on');
      assert.match(question, /lamp_on/);
      assert.match(question, /room: "kitchen"/);
      assert.match(question, /yes/);
      assert.equal(toolRan(), false, 'the tool did not run before the answer');

      const listed = (await (await admin('/admin/approvals')).json()) as {
        approvals: Array<{ tool: string; arguments: string }>;
      };
      assert.deepEqual(
        listed.approvals.map((a) => [a.tool, a.arguments]),
        [['lamp_on', '{"room":"kitchen"}']],
      );

      const requestsBefore = model.requests.length;
      const answer = await chat.say('yes');
      assert.equal(answer, 'Tool said: lamp in the kitchen is on');
      assert.equal(toolRan(), true);
      assert.equal(
        model.requests.length,
        requestsBefore + 1,
        'the yes is not a turn of its own: only the continuation reached the model',
      );
      assert.ok(
        !model.requests.some((r) => r.body.messages.some((m: { content: string }) => m.content === 'yes')),
        'the answer never reaches the model',
      );
    } finally {
      chat.close();
    }
  });

  it('no: the call is not run', async () => {
    const chat = await Chat.open(h.baseUrl);
    try {
      await chat.say('lamp in the cellar please');
      const seen = toolResultsSeen();
      assert.match(await chat.say('no'), /did not run lamp_on/);
      assert.equal(toolResultsSeen(), seen);
      assert.equal(
        h.logs.filter((l) => l.msg === 'tool call' && l.tool === 'lamp_on').length,
        1,
        'only the call approved in the first test ran',
      );
    } finally {
      chat.close();
    }
  });

  it('an operator approves through the admin API; a caller without a credential cannot', async () => {
    const chat = await Chat.open(h.baseUrl);
    try {
      await chat.say('lamp in the garden');
      const { approvals } = (await (await admin('/admin/approvals')).json()) as {
        approvals: Array<{ id: string; tool: string }>;
      };
      const pending = approvals.find((a) => a.tool === 'lamp_on')!;
      assert.equal((await fetch(`${h.baseUrl}/admin/approvals/${pending.id}/approve`, { method: 'POST' })).status, 401);

      const from = chat.events.length;
      const res = await admin(`/admin/approvals/${pending.id}/approve`, { method: 'POST' });
      assert.equal(res.status, 200, await res.clone().text());
      assert.deepEqual(await res.json(), { id: pending.id, outcome: 'approved' });
      const done = await chat.next((e) => e.type === 'done', from);
      assert.equal(done.text, 'Tool said: lamp in the garden is on', 'the answer reaches the chat that asked');

      assert.equal(
        (await admin(`/admin/approvals/${pending.id}/deny`, { method: 'POST' })).status,
        404,
        'answered already',
      );
      assert.equal((await admin('/admin/approvals/no-such-id/approve', { method: 'POST' })).status, 404);
    } finally {
      chat.close();
    }
  });

  it('every request and decision is in the audit log', async () => {
    await h.stop();
    const rows = await exportedAuditRows(h.dataDir);
    const approvals = rows.filter((r) => r.action.startsWith('approval.')).map((r) => [r.action, r.target]);
    assert.deepEqual(approvals, [
      ['approval.request', 'lamp_on'],
      ['approval.approve', 'lamp_on'],
      ['approval.request', 'lamp_on'],
      ['approval.deny', 'lamp_on'],
      ['approval.request', 'lamp_on'],
      ['approval.approve', 'lamp_on'],
    ]);
    assert.equal(rows.filter((r) => r.action === 'approval.approve').at(-1)!.actor, 'api-token');
  });
});
