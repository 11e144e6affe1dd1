import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import pino from 'pino';
import { MemoryBus } from '../../src/core/bus.js';
import { configSchema, type ConfigInput, type ModelSpec } from '../../src/core/config.js';
import type { Message, ReplyEvent } from '../../src/core/message.js';
import { ProviderError, type ChatRequest, type ModelProvider, type StreamPart } from '../../src/core/model-provider.js';
import type { ToolHost } from '../../src/core/tools.js';
import { Budgets } from '../../src/engine/budgets.js';
import { Engine } from '../../src/engine/engine.js';
import { SUMMARY_MAX_CHARS } from '../../src/engine/summaries.js';
import { ModelRegistry } from '../../src/engine/model-registry.js';
import { LocalBlobStore } from '../../src/storage/blobs/local.js';
import { MemorySessionStore } from '../../src/storage/sessions/memory.js';
import { SqliteHistoryStore } from '../../src/storage/history/sqlite.js';

type Script = (req: ChatRequest, call: number) => AsyncIterable<StreamPart>;

/** An in-process provider whose answers a test scripts per model name. */
class ScriptedProvider implements ModelProvider {
  readonly kind = 'scripted';
  calls: ChatRequest[] = [];
  constructor(private readonly script: Script) {}
  stream(req: ChatRequest): AsyncIterable<StreamPart> {
    this.calls.push(structuredClone({ ...req, signal: undefined }));
    return this.script(req, this.calls.length - 1);
  }
}

async function* say(text: string, usage = { promptTokens: 10, completionTokens: 3 }): AsyncIterable<StreamPart> {
  for (const w of text.split(/(?<= )/)) yield { type: 'text-delta', text: w };
  yield { type: 'finish', reason: 'stop', usage };
}

// eslint-disable-next-line require-yield -- a stream that fails before its first part, on iteration like a real one
async function* fail(status: number, retryAfter?: number): AsyncIterable<StreamPart> {
  throw new ProviderError(`HTTP ${status}`, status === 429 || status >= 500, status, retryAfter);
}

function message(text: string, n = 1, chatId = 'c1'): Message {
  return {
    id: `test:${chatId}:${n}`,
    kind: 'message',
    channel: 'test',
    chatId,
    sender: { id: 'u1' },
    text,
    attachments: [],
    isGroup: false,
    mentioned: true,
    timestamp: Date.now(),
  };
}

describe('Engine', () => {
  let bus: MemoryBus;
  let history: SqliteHistoryStore;
  let events: ReplyEvent[];
  let providers: Map<string, ScriptedProvider>;
  let engine: Engine;
  let registry: ModelRegistry;
  let blobs: LocalBlobStore;

  async function setup(input: ConfigInput, scripts: Record<string, Script>, tools?: ToolHost) {
    const config = configSchema.parse(input);
    providers = new Map(Object.entries(scripts).map(([k, s]) => [k, new ScriptedProvider(s)]));
    registry = new ModelRegistry({
      dataDir: '.',
      log: pino({ level: 'silent' }),
      breaker: config.models.breaker,
      loadFactory: async () => (spec: ModelSpec) => providers.get(spec.model)!,
    });
    registry.configure(config.models.catalog, config.models.default, config.models.fallback);
    engine = new Engine({
      bus,
      history,
      blobs: (blobs = new LocalBlobStore(mkdtempSync(join(tmpdir(), 'blobs-')))),
      models: registry,
      tools,
      budgets: input.budgets ? new Budgets({ sessions: new MemorySessionStore(), config: () => config }) : undefined,
      log: pino({ level: 'silent' }),
      config: () => config,
    });
    engine.start();
  }

  async function ask(m: Message): Promise<ReplyEvent[]> {
    events.length = 0;
    await bus.publishInbound(m);
    await bus.drain();
    return [...events];
  }

  beforeEach(async () => {
    bus = new MemoryBus((err) => assert.fail(String(err)));
    history = new SqliteHistoryStore(':memory:');
    await history.open();
    events = [];
    bus.subscribeOutbound('test', (o) => void events.push(o.event));
  });
  afterEach(async () => {
    await registry?.close();
    await history.close();
  });

  const twoModels = (extra: Partial<NonNullable<ConfigInput['models']>> = {}): ConfigInput => ({
    models: {
      default: 'a',
      retries: 2,
      catalog: { a: { provider: 'openai', model: 'a' }, b: { provider: 'openai', model: 'b' } },
      ...extra,
    },
  });

  it('streams start, deltas and done, and records the turn and its usage', async () => {
    await setup(twoModels(), { a: () => say('hello there friend'), b: () => say('x') });
    const ev = await ask(message('hi'));
    assert.deepEqual(
      ev.map((e) => e.type),
      ['start', 'delta', 'delta', 'delta', 'done'],
    );
    const done = ev.at(-1) as Extract<ReplyEvent, { type: 'done' }>;
    assert.equal(done.text, 'hello there friend');
    assert.equal(done.usage.promptTokens, 10);
    const stored = await history.recent('test:c1', 10_000);
    assert.deepEqual(
      stored.map((m) => [m.role, m.content]),
      [
        ['user', 'hi'],
        ['assistant', 'hello there friend'],
      ],
    );
    const usage = await history.usageSince({ userId: 'u1' }, 0);
    assert.equal(usage.promptTokens, 10);
  });

  it('tells the user when the model returns an empty answer instead of going silent', async () => {
    async function* nothing(): AsyncIterable<StreamPart> {
      yield { type: 'finish', reason: 'length', usage: { promptTokens: 5, completionTokens: 0 } };
    }
    await setup(twoModels(), { a: () => nothing(), b: () => say('x') });
    const ev = await ask(message('hi'));
    const last = ev.at(-1) as Extract<ReplyEvent, { type: 'error' }>;
    assert.equal(last.type, 'error');
    assert.match(last.message, /empty answer/);
  });

  it('ignores a duplicate delivery of the same message id', async () => {
    await setup(twoModels(), { a: () => say('once'), b: () => say('x') });
    await ask(message('hi'));
    const again = await ask(message('hi'));
    assert.equal(again.length, 0);
    assert.equal(providers.get('a')!.calls.length, 1);
  });

  it('retries a retryable error on the same model before answering', async () => {
    await setup(twoModels(), { a: (_r, n) => (n === 0 ? fail(503) : say('second try')), b: () => say('from b') });
    const ev = await ask(message('hi'));
    assert.equal((ev.at(-1) as { text: string }).text, 'second try');
    assert.equal(providers.get('a')!.calls.length, 2);
    assert.equal(providers.get('b')!.calls.length, 0);
  });

  it('does not retry a 400 and falls back to the next model', async () => {
    await setup(twoModels({ fallback: ['b'] }), { a: () => fail(400), b: () => say('from b') });
    const ev = await ask(message('hi'));
    assert.equal((ev.at(-1) as { text: string }).text, 'from b');
    assert.equal(providers.get('a')!.calls.length, 1);
  });

  it('opens the circuit after repeated failures and stops calling the broken model', async () => {
    await setup(twoModels({ fallback: ['b'], retries: 0, breaker: { failures: 2, cooldownMs: 60_000 } }), {
      a: () => fail(500),
      b: () => say('from b'),
    });
    for (let i = 1; i <= 4; i++) await ask(message('hi', i));
    assert.equal(providers.get('a')!.calls.length, 2, 'calls stop once the breaker is open');
    assert.equal(providers.get('b')!.calls.length, 4);
    assert.equal(registry.list().find((m) => m.id === 'a')!.breaker, 'open');
  });

  it('does not fall back once text reached the user (no repeated or mixed answers)', async () => {
    async function* halfThenFail(): AsyncIterable<StreamPart> {
      yield { type: 'text-delta', text: 'partial ' };
      throw new ProviderError('reset', true, 502);
    }
    await setup(twoModels({ fallback: ['b'] }), { a: () => halfThenFail(), b: () => say('from b') });
    const ev = await ask(message('hi'));
    assert.equal(ev.at(-1)!.type, 'error');
    assert.equal(providers.get('b')!.calls.length, 0);
    assert.equal(providers.get('a')!.calls.length, 1);
  });

  it('times a hanging model out and says so', async () => {
    // eslint-disable-next-line require-yield -- a model that never sends a part
    async function* hang(req: ChatRequest): AsyncIterable<StreamPart> {
      await new Promise((_r, reject) => req.signal!.addEventListener('abort', () => reject(req.signal!.reason)));
    }
    await setup(
      { models: { default: 'a', retries: 0, timeoutMs: 100, catalog: { a: { provider: 'openai', model: 'a' } } } },
      { a: (r) => hang(r) },
    );
    // AbortSignal.timeout's timer does not keep a process alive; in Hearth the server does.
    const keepAlive = setInterval(() => undefined, 1000);
    const ev = await ask(message('hi')).finally(() => clearInterval(keepAlive));
    const last = ev.at(-1) as Extract<ReplyEvent, { type: 'error' }>;
    assert.equal(last.type, 'error');
    assert.match(last.message, /no model could answer/i);
  });

  it('answers with an error event, not silence, when the history store fails before the model call', async () => {
    await setup(twoModels(), { a: () => say('never'), b: () => say('x') });
    history.recent = async () => {
      throw new Error('SQLITE_IOERR: disk I/O error');
    };
    const ev = await ask(message('hi'));
    assert.deepEqual(
      ev.map((e) => e.type),
      ['error'],
    );
    const err = ev[0] as Extract<ReplyEvent, { type: 'error' }>;
    assert.equal(err.code, 'HEARTH_E_STORAGE');
    assert.equal(err.inReplyTo, 'test:c1:1');
    assert.doesNotMatch(err.message, /SQLITE/);
  });

  it('keeps the history window within the agent token budget', async () => {
    await setup(
      { ...twoModels(), agents: { default: { historyTokens: 40 } } },
      { a: () => say('ok'), b: () => say('x') },
    );
    for (let i = 1; i <= 6; i++) await ask(message(`message number ${i} with some padding text`, i));
    const last = providers.get('a')!.calls.at(-1)!;
    const historyTurns = last.messages.slice(1, -1);
    assert.ok(historyTurns.length > 0 && historyTurns.length < 10, `window had ${historyTurns.length} turns`);
    assert.equal(last.messages.at(-1)!.role, 'user');
  });

  it('caps the history window at historyMessages', async () => {
    await setup(
      { ...twoModels(), agents: { default: { historyMessages: 3 } } },
      { a: () => say('ok'), b: () => say('x') },
    );
    for (let i = 1; i <= 5; i++) await ask(message(`m${i}`, i));
    const last = providers.get('a')!.calls.at(-1)!;
    assert.deepEqual(
      last.messages.slice(1).map((m) => m.content),
      ['ok', 'm4', 'ok', 'm5'],
    );
  });

  it('shows the model the pictures a tool made, without counting their bytes as prompt text', async () => {
    const png = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.alloc(600_000, 7)]);
    const tools: ToolHost = {
      toolsFor: () => [{ name: 'canvas_read', description: 'read', parameters: { type: 'object', properties: {} } }],
      isSensitive: () => false,
      execute: async () => {
        await blobs.put('media/canvas/board.png', png, { mimeType: 'image/png' });
        return {
          content: '2 elements',
          attachments: [{ kind: 'image', blobKey: 'media/canvas/board.png', mimeType: 'image/png' }],
        };
      },
    };
    async function* callTool(): AsyncIterable<StreamPart> {
      yield { type: 'tool-call', call: { id: 'c1', name: 'canvas_read', arguments: '{}' } };
      yield { type: 'finish', reason: 'tool-calls', usage: { promptTokens: 5, completionTokens: 1 } };
    }
    // 600 kB of base64 read as text would be ~200,000 tokens: far past this budget.
    await setup(
      { ...twoModels(), budgets: { user: { tokensPerDay: 30_000 } } },
      { a: (_r, n) => (n === 0 ? callTool() : say('a box and an arrow')), b: () => say('x') },
      tools,
    );
    const ev = await ask(message('what is on the board?'));
    assert.equal((ev.at(-1) as { text: string }).text, 'a box and an arrow');
    const toolMsg = providers.get('a')!.calls[1].messages.find((m) => m.role === 'tool');
    assert.deepEqual(toolMsg && 'images' in toolMsg ? toolMsg.images : undefined, [
      { mimeType: 'image/png', data: png.toString('base64') },
    ]);
  });

  it('runs the tool-call loop: tool result goes back to the model, answer streams', async () => {
    const chart = { kind: 'image' as const, blobKey: 'media/charts/1.png', mimeType: 'image/png' };
    const tools: ToolHost = {
      toolsFor: () => [{ name: 'clock', description: 'time', parameters: { type: 'object', properties: {} } }],
      isSensitive: () => false,
      execute: async (call) => ({ content: `result of ${call.name}`, attachments: [chart] }),
    };
    async function* callTool(): AsyncIterable<StreamPart> {
      yield { type: 'tool-call', call: { id: 'c1', name: 'clock', arguments: '{}' } };
      yield { type: 'finish', reason: 'tool-calls', usage: { promptTokens: 5, completionTokens: 1 } };
    }
    await setup(twoModels(), { a: (_r, n) => (n === 0 ? callTool() : say('it is noon')), b: () => say('x') }, tools);
    const ev = await ask(message('what time is it'));
    assert.equal((ev.at(-1) as { text: string }).text, 'it is noon');
    assert.deepEqual(
      (ev.at(-1) as { attachments: unknown[] }).attachments,
      [chart],
      'files a tool made go out with the answer',
    );
    const second = providers.get('a')!.calls[1];
    const toolMsg = second.messages.find((m) => m.role === 'tool');
    assert.deepEqual(toolMsg, { role: 'tool', toolCallId: 'c1', name: 'clock', content: 'result of clock' });
    assert.equal(providers.get('a')!.calls[0].tools?.[0].name, 'clock');
  });

  const priced = (extra: Partial<NonNullable<ConfigInput['models']>> = {}): ConfigInput => ({
    models: {
      default: 'a',
      retries: 0,
      catalog: {
        a: { provider: 'openai', model: 'a', price: { inputPerMTok: 1, outputPerMTok: 2 } },
        b: { provider: 'openai', model: 'b', price: { inputPerMTok: 3, outputPerMTok: 4 } },
      },
      ...extra,
    },
  });

  it('records one usage row, with tokens and cost, per model call of a tool-calling turn', async () => {
    const tools: ToolHost = {
      toolsFor: () => [{ name: 'clock', description: 'time', parameters: { type: 'object', properties: {} } }],
      isSensitive: () => false,
      execute: async () => ({ content: 'noon' }),
    };
    async function* callTool(): AsyncIterable<StreamPart> {
      yield { type: 'tool-call', call: { id: 'c1', name: 'clock', arguments: '{}' } };
      yield { type: 'finish', reason: 'tool-calls', usage: { promptTokens: 100, completionTokens: 10 } };
    }
    await setup(
      priced(),
      {
        a: (_r, n) => (n === 0 ? callTool() : say('it is noon', { promptTokens: 200, completionTokens: 20 })),
        b: () => say('x'),
      },
      tools,
    );
    await ask(message('what time is it'));
    const rows = (await history.exportUser('u1')).usage;
    assert.deepEqual(
      rows.map((r) => [r.model, r.usage.promptTokens, r.usage.completionTokens, r.ok, r.costUsd]),
      [
        ['a', 100, 10, true, (100 * 1 + 10 * 2) / 1e6],
        ['a', 200, 20, true, (200 * 1 + 20 * 2) / 1e6],
      ],
    );
    assert.ok(rows.every((r) => r.conversationId === 'test:c1' && r.agent === 'default'));
  });

  it('records a failed call and the fallback that answered as two rows', async () => {
    await setup(priced({ fallback: ['b'] }), {
      a: () => fail(500),
      b: () => say('from b', { promptTokens: 50, completionTokens: 5 }),
    });
    const ev = await ask(message('hi'));
    assert.equal((ev.at(-1) as { text: string }).text, 'from b');
    const rows = (await history.exportUser('u1')).usage;
    assert.deepEqual(
      rows.map((r) => [r.model, r.provider, r.ok, r.usage.promptTokens, r.costUsd]),
      [
        ['a', 'openai', false, 0, 0],
        ['b', 'openai', true, 50, (50 * 3 + 5 * 4) / 1e6],
      ],
    );
  });

  it('summarizes older turns with agents.<id>.summaryModel when one is set', async () => {
    await setup(
      { ...twoModels(), agents: { default: { historyMessages: 2, summaryModel: 'b' } } },
      { a: () => say('answer'), b: () => say('the user said one') },
    );
    for (const [i, text] of ['one', 'two', 'three'].entries()) await ask(message(text, i + 1));
    const b = providers.get('b')!.calls;
    assert.equal(b.length, 1, 'the cheaper model wrote the summary');
    assert.equal(b[0]!.maxTokens, 400);
    assert.equal(b[0]!.tools, undefined, 'no tools offered to the summary call');
    const main = providers.get('a')!.calls.at(-1)!;
    assert.match(main.messages[0]!.content, /the user said one/);
    const summary = await history.getSummary('test:c1');
    assert.equal(summary?.throughMessageId, 'test:c1:1#reply');
  });

  it('keeps a stored summary bounded when the model ignores max_tokens and echoes it all back', async () => {
    // An echoing server: each summary would be the previous one plus the new turns, for ever.
    const echo = (r: ChatRequest) => say(`${r.messages.at(-1)!.content} ${'padding '.repeat(300)}`);
    await setup(
      { ...twoModels(), agents: { default: { historyMessages: 2, summaryModel: 'b' } } },
      { a: () => say('answer'), b: echo },
    );
    for (let i = 1; i <= 8; i++) await ask(message(`turn ${i}`, i));
    assert.ok(providers.get('b')!.calls.length >= 5, 'the summary was refreshed turn after turn');
    const summary = await history.getSummary('test:c1');
    assert.ok(
      summary && summary.content.length <= SUMMARY_MAX_CHARS + 1,
      `summary of ${summary?.content.length} chars`,
    );
    const lastPrompt = providers.get('a')!.calls.at(-1)!.messages[0]!.content;
    assert.ok(lastPrompt.length < SUMMARY_MAX_CHARS + 2000, `system prompt of ${lastPrompt.length} chars`);
  });

  it('passes one prompt cache key for every call of a conversation, another for another conversation', async () => {
    await setup(twoModels(), { a: () => say('ok'), b: () => say('x') });
    await ask(message('one', 1, 'c1'));
    await ask(message('two', 2, 'c1'));
    await ask(message('three', 3, 'c2'));
    const keys = providers.get('a')!.calls.map((c) => c.cacheKey);
    assert.equal(keys[0], keys[1]);
    assert.notEqual(keys[0], keys[2]);
    assert.match(keys[0]!, /^[0-9a-f]{32}$/);
    assert.ok(!keys[0]!.includes('test:c1'), 'the key is a hash, not the conversation id');
  });

  it('stops a turn on turn.cancel: the model call is aborted, no retry or fallback, the streamed text stays', async () => {
    let aborted = false;
    async function* heldOpen(req: ChatRequest): AsyncIterable<StreamPart> {
      yield { type: 'text-delta', text: 'Hello ' };
      // Like a real provider: the stream ends with the abort reason once the signal fires.
      await new Promise<void>((_, reject) =>
        req.signal!.addEventListener('abort', () => {
          aborted = true;
          reject(req.signal!.reason);
        }),
      );
    }
    await setup(twoModels(), { a: heldOpen, b: () => say('fallback answer') });
    const m = message('tell me everything');
    events.length = 0;
    await bus.publishInbound(m);
    while (!events.some((e) => e.type === 'delta')) await new Promise((r) => setTimeout(r, 5));
    await bus.publishControl({ type: 'turn.cancel', messageId: 'test:other:1' }); // another turn: nothing happens
    assert.equal(aborted, false);
    await bus.publishControl({ type: 'turn.cancel', messageId: m.id });
    await bus.drain();
    assert.ok(aborted, "the model call's signal was aborted");
    assert.deepEqual(
      events.map((e) => e.type),
      ['start', 'delta', 'done'],
    );
    const done = events.at(-1) as Extract<ReplyEvent, { type: 'done' }>;
    assert.equal(done.finishReason, 'cancelled');
    assert.equal(done.text, 'Hello ');
    assert.equal(providers.get('a')!.calls.length, 1, 'no retry');
    assert.equal(providers.get('b')!.calls.length, 0, 'no fallback');
    assert.equal(registry.list().find((x) => x.id === 'a')!.breaker, 'closed');
    // Usage figures include the stopped turn (estimated: the provider's count never came).
    const used = await history.usageSince({ userId: 'u1' }, 0);
    assert.equal(used.completionTokens, 6, "'Hello ' estimated like stored turns (4 characters a token, + 4)");
    assert.ok(used.promptTokens > 0);
    const stored = await history.recent('test:c1', 10_000);
    assert.deepEqual(
      stored.map((h) => [h.role, h.content]),
      [
        ['user', 'tell me everything'],
        ['assistant', 'Hello '],
      ],
    );
  });
});
