/**
 * The inbound pipeline's steps, one by one, without a server: each either passes the message on
 * (calls next) or drops it, and says why in the log.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import type { Message, Outbound } from '../../src/core/message.js';
import type { HistoryStore } from '../../src/core/stores.js';
import { AccessControl } from '../../src/gateway/pipeline/access.js';
import { compose, type ChannelPolicy, type Inbound, type Step } from '../../src/gateway/pipeline/compose.js';
import { InboundPipeline } from '../../src/gateway/pipeline/pipeline.js';
import {
  accessStep,
  botFilter,
  knownChannel,
  mentionRule,
  publishInbound,
  routing,
  senderLimit,
  shutdownGate,
} from '../../src/gateway/pipeline/steps.js';
import { MemorySessionStore } from '../../src/storage/sessions/memory.js';
import { routeAgent } from '../../src/gateway/pipeline/routing.js';

const log = pino({ level: 'silent' });
const chatPolicy: ChannelPolicy = { trusted: false, limitSenders: true, requireMention: true };
const trustedPolicy: ChannelPolicy = { trusted: true, limitSenders: true, requireMention: false };

function message(over: Partial<Message> = {}): Message {
  return {
    id: 'telegram:1',
    kind: 'message',
    channel: 'telegram',
    chatId: 'c1',
    sender: { id: 'u1' },
    text: 'hi',
    attachments: [],
    isGroup: false,
    mentioned: false,
    timestamp: 0,
    ...over,
  };
}
function inbound(m: Message = message(), ...policy: [ChannelPolicy | undefined] | []): Inbound {
  return {
    message: m,
    policy: policy.length ? policy[0] : chatPolicy,
    log,
    meta: { requestId: m.id, channel: m.channel },
  };
}
/** Runs one step; true when it passed the message on. */
async function passes(step: Step, i: Inbound): Promise<boolean> {
  let called = false;
  await step(i, async () => {
    called = true;
  });
  return called;
}

/** A history store holding only the approved-senders list (what access control reads). */
function approvals(): HistoryStore {
  const approved = new Set<string>();
  return {
    isSenderApproved: async (channel: string, sender: string) => approved.has(`${channel}:${sender}`),
    approveSender: async (channel: string, sender: string) => void approved.add(`${channel}:${sender}`),
  } as unknown as HistoryStore;
}

describe('pipeline steps', () => {
  it('shutdownGate refuses every message with 503 once shutdown began', async () => {
    let open = true;
    const gate = shutdownGate(() => open);
    assert.equal(await passes(gate, inbound()), true);
    open = false;
    await assert.rejects(
      passes(gate, inbound()),
      (err: { code?: string; httpStatus?: number }) => err.code === 'HEARTH_E_SHUTTING_DOWN' && err.httpStatus === 503,
    );
  });

  it('knownChannel drops messages of an unconfigured channel', async () => {
    assert.equal(await passes(knownChannel, inbound(message(), undefined)), false);
    assert.equal(await passes(knownChannel, inbound()), true);
  });

  it('botFilter drops messages from bots', async () => {
    assert.equal(await passes(botFilter, inbound(message({ sender: { id: 'b', isBot: true } }))), false);
    assert.equal(await passes(botFilter, inbound()), true);
  });

  it('mentionRule answers a group only when mentioned, unless the channel says otherwise', async () => {
    assert.equal(await passes(mentionRule, inbound(message({ isGroup: true }))), false);
    assert.equal(await passes(mentionRule, inbound(message({ isGroup: true, mentioned: true }))), true);
    assert.equal(
      await passes(mentionRule, inbound(message({ isGroup: true }), { ...chatPolicy, requireMention: false })),
      true,
    );
    assert.equal(await passes(mentionRule, inbound(message({ isGroup: false }))), true);
  });

  it('senderLimit drops a chat sender silently and tells our own clients (429)', async () => {
    const refuse = senderLimit(async () => ({ allowed: false, retryAfterSec: 7 }));
    assert.equal(await passes(refuse, inbound()), false);
    await assert.rejects(
      passes(refuse, inbound(message(), trustedPolicy)),
      (err: { code?: string; httpStatus?: number; message: string }) =>
        err.code === 'HEARTH_E_RATE_LIMITED' && err.httpStatus === 429 && /7 s/.test(err.message),
    );
    const counted: string[] = [];
    const allow = senderLimit(
      async (channel, sender) => (counted.push(`${channel}:${sender}`), { allowed: true, retryAfterSec: 0 }),
    );
    assert.equal(await passes(allow, inbound()), true);
    assert.equal(await passes(allow, inbound(message(), { ...chatPolicy, limitSenders: false })), true);
    assert.deepEqual(counted, ['telegram:u1'], 'a channel that does not limit senders is not counted');
  });

  it('accessStep admits allowFrom, ignores others, and sends an unknown sender a pairing code', async () => {
    const sent: Outbound[] = [];
    const access = new AccessControl(approvals(), new MemorySessionStore());
    const step = accessStep(access, { publishOutbound: async (o) => void sent.push(o) });
    assert.equal(await passes(step, inbound(message(), { ...chatPolicy, allowFrom: ['u1'] })), true);
    assert.equal(await passes(step, inbound(message(), { ...chatPolicy, allowFrom: ['someone-else'] })), false);
    assert.equal(sent.length, 0);
    assert.equal(await passes(step, inbound()), false);
    assert.equal(sent.length, 1);
    assert.equal(sent[0].event.type, 'done');
    assert.match((sent[0].event as { text: string }).text, /pairing code [A-Z2-9]{8}/);
    assert.equal(sent[0].target.chatId, 'c1');
    assert.equal(
      await passes(step, inbound(message(), trustedPolicy)),
      true,
      'trusted surfaces authenticate their callers themselves',
    );
  });

  it('routing picks the first matching route, else the channel agent, and keeps an agent already chosen', async () => {
    const step = routing(() => [{ chat: 'vip', agent: 'concierge' }]);
    const routed = message({ chatId: 'vip' });
    assert.equal(await passes(step, inbound(routed)), true);
    assert.equal(routed.agent, 'concierge');
    const other = message();
    await passes(step, inbound(other, { ...chatPolicy, agent: 'support' }));
    assert.equal(other.agent, 'support');
    const chosen = message({ chatId: 'vip', agent: 'mine' });
    await passes(step, inbound(chosen));
    assert.equal(chosen.agent, 'mine');
  });

  it('publishInbound hands the message to the bus and ends the pipeline', async () => {
    const published: Message[] = [];
    const m = message();
    assert.equal(
      await passes(publishInbound({ publishInbound: async (x) => void published.push(x) }), inbound(m)),
      false,
    );
    assert.deepEqual(published, [m]);
  });
});

describe('routing rules (channel, chat, user → agent)', () => {
  const routes = [
    { channel: 'telegram', user: 'ada', agent: 'ada-on-telegram' },
    { chat: 'C-sales', agent: 'sales' },
    { channel: 'slack', agent: 'office' },
    { user: 'bob', agent: 'bobs' },
  ];
  const at = (channel: string, chatId: string, user: string) => ({ channel, chatId, sender: { id: user } });

  it('takes the first route whose given fields all match', () => {
    assert.equal(routeAgent(routes, at('telegram', 'x', 'ada')), 'ada-on-telegram');
    // Ada elsewhere, and others on Telegram, do not match the first route.
    assert.equal(routeAgent(routes, at('discord', 'x', 'ada')), 'default');
    assert.equal(routeAgent(routes, at('telegram', 'x', 'carol')), 'default');
    // A chat route wins over the channel route listed after it; the rest of Slack gets the channel's.
    assert.equal(routeAgent(routes, at('slack', 'C-sales', 'carol')), 'sales');
    assert.equal(routeAgent(routes, at('slack', 'C-other', 'carol')), 'office');
    // Bob on Slack is caught by the earlier Slack route; on Discord by his user route.
    assert.equal(routeAgent(routes, at('slack', 'C-other', 'bob')), 'office');
    assert.equal(routeAgent(routes, at('discord', 'x', 'bob')), 'bobs');
  });

  it("falls back to the channel's own agent, then to default", () => {
    assert.equal(routeAgent(routes, at('whatsapp', 'x', 'carol'), 'helpdesk'), 'helpdesk');
    assert.equal(routeAgent([], at('whatsapp', 'x', 'carol')), 'default');
  });
});

describe('composition', () => {
  it('runs steps in order and stops where a step does not call next', async () => {
    const seen: string[] = [];
    const step =
      (name: string, pass = true): Step =>
      async (_i, next) => {
        seen.push(name);
        if (pass) await next();
      };
    await compose([step('a'), step('b', false), step('c')])(inbound());
    assert.deepEqual(seen, ['a', 'b']);
  });

  it('a step calling next twice fails loudly', async () => {
    const twice: Step = async (_i, next) => {
      await next();
      await next();
    };
    await assert.rejects(compose([twice, async () => {}])(inbound()), /next\(\) called twice/);
  });

  it('a feature step added with use() runs after routing, right before the bus', async () => {
    const published: Message[] = [];
    const pipeline = new InboundPipeline({
      bus: { publishInbound: async (m: Message) => void published.push(m), publishOutbound: async () => {} } as never,
      access: new AccessControl(approvals(), new MemorySessionStore()),
      log,
      routes: () => [{ agent: 'routed' }],
      policy: () => trustedPolicy,
      accepting: () => true,
      senderLimit: async () => ({ allowed: true, retryAfterSec: 0 }),
    });
    const agents: Array<string | undefined> = [];
    pipeline.use(async ({ message: m }, next) => {
      agents.push(m.agent);
      if (m.text !== 'yes') await next();
    });
    await pipeline.receive(message({ text: 'hello' }));
    await pipeline.receive(message({ id: 'telegram:2', text: 'yes' }));
    assert.deepEqual(agents, ['routed', 'routed']);
    assert.deepEqual(
      published.map((m) => m.text),
      ['hello'],
      'the step took "yes" out of the conversation',
    );
    assert.throws(() => pipeline.use(async () => {}), /before the first message/);
  });
});
