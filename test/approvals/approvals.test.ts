/**
 * Approval of sensitive tool calls through the engine and the pipeline step: a tool-calling model,
 * a tool host with one sensitive tool, the answer step in front of the bus.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import pino from 'pino';
import { answerApproval, resumeMessage } from '../../src/approvals/answers.js';
import { Approvals, callHash, parseAnswer, type ApprovalAuditEntry } from '../../src/approvals/approvals.js';
import { MemoryBus } from '../../src/core/bus.js';
import { configSchema, type ConfigInput, type ModelSpec } from '../../src/core/config.js';
import type { Message, ReplyEvent } from '../../src/core/message.js';
import type { ChatRequest, ModelProvider, StreamPart, ToolCall } from '../../src/core/model-provider.js';
import type { ToolHost } from '../../src/core/tools.js';
import { Engine } from '../../src/engine/engine.js';
import { ModelRegistry } from '../../src/engine/model-registry.js';
import { compose } from '../../src/gateway/pipeline/compose.js';
import { approvalAnswerStep } from '../../src/gateway/plugins/approvals.js';
import { LocalBlobStore } from '../../src/storage/blobs/local.js';
import { SqliteHistoryStore } from '../../src/storage/history/sqlite.js';
import { MemorySessionStore } from '../../src/storage/sessions/memory.js';

const log = pino({ level: 'silent' });

/** A model that asks for `lamp_on` (or whatever `next` says) until it sees a tool result, then answers. */
class ToolCallingModel implements ModelProvider {
  readonly kind = 'scripted';
  calls: ChatRequest[] = [];
  toolArgs = '{"room":"kitchen"}';
  async *stream(req: ChatRequest): AsyncIterable<StreamPart> {
    this.calls.push(structuredClone({ ...req, signal: undefined }));
    const last = req.messages.at(-1)!;
    if (last.role === 'tool') {
      yield { type: 'text-delta', text: `Done: ${last.content}` };
      yield { type: 'finish', reason: 'stop', usage: { promptTokens: 20, completionTokens: 4 } };
      return;
    }
    if (typeof last.content === 'string' && last.content.includes('lamp')) {
      yield { type: 'tool-call', call: { id: `call-${this.calls.length}`, name: 'lamp_on', arguments: this.toolArgs } };
      yield { type: 'finish', reason: 'tool-calls', usage: { promptTokens: 10, completionTokens: 2 } };
      return;
    }
    yield { type: 'text-delta', text: `You said: ${String(last.content)}` };
    yield { type: 'finish', reason: 'stop', usage: { promptTokens: 5, completionTokens: 3 } };
  }
}

/** One sensitive tool (`lamp_on`) and one harmless one; records what actually ran. */
class Tools implements ToolHost {
  ran: ToolCall[] = [];
  toolsFor() {
    return [
      {
        name: 'lamp_on',
        description: 'switch a lamp on',
        parameters: { type: 'object', properties: { room: { type: 'string' } } },
      },
      { name: 'clock', description: 'time', parameters: { type: 'object', properties: {} } },
    ];
  }
  isSensitive(name: string): boolean {
    return name === 'lamp_on';
  }
  async execute(call: ToolCall) {
    this.ran.push(call);
    return { content: `${call.name} ran with ${call.arguments}` };
  }
}

describe('approvals of sensitive tool calls', () => {
  let bus: MemoryBus;
  let history: SqliteHistoryStore;
  let sessions: MemorySessionStore;
  let registry: ModelRegistry;
  let model: ToolCallingModel;
  let tools: Tools;
  let approvals: Approvals;
  let audit: ApprovalAuditEntry[];
  let events: ReplyEvent[];
  let now: number;
  let receive: (m: Message) => Promise<void>;

  async function setup(agent: NonNullable<ConfigInput['agents']>[string] = {}, buttons = false) {
    const config = configSchema.parse({
      models: { default: 'm', catalog: { m: { provider: 'openai', model: 'm' } } },
      agents: { default: agent },
    });
    registry = new ModelRegistry({
      dataDir: '.',
      log,
      breaker: config.models.breaker,
      loadFactory: async () => (_spec: ModelSpec) => model,
    });
    registry.configure(config.models.catalog, config.models.default, config.models.fallback);
    approvals = new Approvals({
      sessions,
      audit: async (e) => void audit.push(e),
      expiresMinutes: () => config.approvals.expiresMinutes,
      buttons: () => buttons,
      now: () => now,
    });
    const engine = new Engine({
      bus,
      history,
      blobs: new LocalBlobStore(mkdtempSync(join(tmpdir(), 'blobs-'))),
      models: registry,
      tools,
      approvals,
      log,
      config: () => config,
    });
    engine.start();
    const run = compose([approvalAnswerStep(approvals, bus), async ({ message }) => bus.publishInbound(message)]);
    receive = (message) => run({ message, log, meta: { requestId: message.id, channel: message.channel } });
  }

  let seq = 0;
  function msg(text: string, extra: Partial<Message> = {}): Message {
    seq++;
    return {
      id: `test:c1:${seq}`,
      kind: 'message',
      channel: 'test',
      chatId: 'c1',
      sender: { id: 'u1' },
      text,
      attachments: [],
      isGroup: false,
      mentioned: true,
      timestamp: now,
      ...extra,
    };
  }

  /** Sends one message through the step and waits for the engine; returns the texts of the answers. */
  async function say(m: Message): Promise<string[]> {
    events.length = 0;
    await receive(m);
    await bus.drain();
    return events.filter((e) => e.type === 'done').map((e) => (e as Extract<ReplyEvent, { type: 'done' }>).text);
  }

  beforeEach(async () => {
    bus = new MemoryBus((err) => assert.fail(String(err)));
    history = new SqliteHistoryStore(':memory:');
    await history.open();
    sessions = new MemorySessionStore();
    model = new ToolCallingModel();
    tools = new Tools();
    audit = [];
    events = [];
    now = Date.parse('2026-03-01T10:00:00Z');
    bus.subscribeOutbound('test', (o) => void events.push(o.event));
  });
  afterEach(async () => {
    await registry?.close();
    await history.close();
  });

  it('asks first, runs nothing before yes, then runs exactly the asked call and answers', async () => {
    await setup();
    const [question] = await say(msg('turn the lamp on'));
    assert.match(question!, /lamp_on/);
    assert.match(question!, /room: "kitchen"/);
    assert.match(question!, /yes/);
    assert.equal(tools.ran.length, 0, 'nothing runs before the answer');
    assert.doesNotMatch(question!, /\[\[button:/, 'no button markup on a channel without buttons');

    now += 60_000;
    const [answer] = await say(msg('yes'));
    assert.deepEqual(
      tools.ran.map((c) => [c.name, c.arguments]),
      [['lamp_on', '{"room":"kitchen"}']],
    );
    assert.equal(answer, 'Done: lamp_on ran with {"room":"kitchen"}');
    assert.equal(model.calls.length, 2, 'the yes itself never reaches the model as a turn');
    assert.deepEqual(
      audit.map((a) => [a.action, a.actor, a.result]),
      [
        ['approval.request', 'user:u1', 'ok'],
        ['approval.approve', 'user:u1', 'ok'],
      ],
    );
    assert.equal(audit[0]!.detail!.hash, callHash('lamp_on', '{"room":"kitchen"}'));

    // Always-ask: the next call asks again.
    const [again] = await say(msg('lamp again please'));
    assert.match(again!, /lamp_on/);
    assert.equal(tools.ran.length, 1);
  });

  it('no (or /deny) means the call is not run', async () => {
    await setup();
    await say(msg('lamp on'));
    const [reply] = await say(msg('/deny'));
    assert.match(reply!, /did not run lamp_on/);
    assert.equal(tools.ran.length, 0);
    assert.equal(audit.at(-1)!.action, 'approval.deny');
    // The request is gone: a later yes is an ordinary message.
    const [later] = await say(msg('yes'));
    assert.equal(later, 'You said: yes');
    assert.equal(tools.ran.length, 0);
  });

  it('a yes sent before the question never counts', async () => {
    await setup();
    const early = msg('yes'); // written before the question exists
    now += 5_000;
    await say(msg('lamp on'));
    const [reply] = await say(early);
    assert.equal(reply, 'You said: yes', 'the early yes is an ordinary message');
    assert.equal(tools.ran.length, 0);
    assert.ok((await approvals.list()).length === 1, 'the request still waits');
  });

  it('an answer from someone else in the chat is not an approval', async () => {
    await setup();
    await say(msg('lamp on'));
    await say(msg('yes', { sender: { id: 'intruder' } }));
    assert.equal(tools.ran.length, 0);
    assert.equal((await approvals.list()).length, 1);
  });

  it('expires: a yes after 30 minutes is a denial', async () => {
    await setup();
    await say(msg('lamp on'));
    now += 31 * 60_000;
    assert.deepEqual(await approvals.list(), [], 'an expired request is no longer listed');
    const [reply] = await say(msg('yes'));
    assert.match(reply!, /expired/);
    assert.equal(tools.ran.length, 0);
    assert.equal(audit.at(-1)!.action, 'approval.expire');
  });

  it('once-per-conversation asks for the first call of a tool only, and per conversation', async () => {
    await setup({ approval: 'once-per-conversation' });
    await say(msg('lamp on'));
    await say(msg('yes'));
    assert.equal(tools.ran.length, 1);
    model.toolArgs = '{"room":"hall"}';
    const [second] = await say(msg('lamp in the hall'));
    assert.equal(second, 'Done: lamp_on ran with {"room":"hall"}', 'no second question in this conversation');
    const [other] = await say(msg('lamp on', { chatId: 'c2', id: 'test:c2:1' }));
    assert.match(other!, /Reply \*\*yes\*\*/, 'another conversation asks again');
    assert.equal(tools.ran.length, 2);
  });

  it('never: the agent runs sensitive calls unasked', async () => {
    await setup({ approval: 'never' });
    const [reply] = await say(msg('lamp on'));
    assert.equal(reply, 'Done: lamp_on ran with {"room":"kitchen"}');
    assert.equal(audit.length, 0);
  });

  it('channels with buttons get Approve/Deny buttons whose click answers', async () => {
    await setup({}, true);
    const [question] = await say(msg('lamp on'));
    const [pending] = await approvals.list();
    assert.ok(question!.includes(`[[button:Approve|approval:${pending!.id}:approve]]`));
    assert.ok(question!.includes(`[[button:Deny|approval:${pending!.id}:deny]]`));
    // A click for another (stale) request is not an answer to this one.
    await say(msg('', { kind: 'action', value: 'approval:00000000-0000-0000-0000-000000000000:approve' }));
    assert.equal(tools.ran.length, 0);
    await say(msg('', { kind: 'action', value: `approval:${pending!.id}:approve` }));
    assert.equal(tools.ran.length, 1);
  });

  it('an operator answers by id; a second answer and a forged resume do nothing', async () => {
    await setup();
    await say(msg('lamp on'));
    const [pending] = await approvals.list();
    events.length = 0;
    const outcome = await answerApproval(approvals, bus, pending!.id, 'approve', 'api-token');
    await bus.drain();
    assert.equal(outcome.kind, 'approved');
    assert.equal(tools.ran.length, 1);
    assert.equal(audit.at(-1)!.actor, 'api-token');
    assert.equal((await answerApproval(approvals, bus, pending!.id, 'deny', 'api-token')).kind, 'unknown');
    // Replaying the resume message (a redelivery or a forged action) does not run the call again.
    await bus.publishInbound(resumeMessage(pending!));
    await bus.drain();
    assert.equal(tools.ran.length, 1);
  });

  it('reads yes / no, /approve, /deny and button values, nothing else', () => {
    const m = (text: string, value?: string) => ({ kind: value ? 'action' : 'message', text, value });
    assert.deepEqual(parseAnswer(m('Yes')), { decision: 'approve' });
    assert.deepEqual(parseAnswer(m('no.')), { decision: 'deny' });
    assert.deepEqual(parseAnswer(m('/approve@hearth_bot')), { decision: 'approve' });
    assert.deepEqual(parseAnswer(m('/deny')), { decision: 'deny' });
    assert.deepEqual(parseAnswer(m('', 'approval:ab-12:deny')), { id: 'ab-12', decision: 'deny' });
    assert.equal(parseAnswer(m('yes please turn it off')), undefined);
    assert.equal(parseAnswer(m('maybe')), undefined);
  });

  it('binds an approval to the call: same arguments in another key order hash alike, others differ', () => {
    assert.equal(callHash('t', '{"a":1,"b":2}'), callHash('t', '{"b":2,"a":1}'));
    assert.notEqual(callHash('t', '{"a":1}'), callHash('t', '{"a":2}'));
    assert.notEqual(callHash('t', '{"a":1}'), callHash('u', '{"a":1}'));
  });
});
