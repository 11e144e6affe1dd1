/** Token and cost budgets through the engine: reserved before the model call, settled after, per period. */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import pino from 'pino';
import { MemoryBus } from '../../src/core/bus.js';
import { configSchema, type ConfigInput, type ModelSpec } from '../../src/core/config.js';
import type { Message, ReplyEvent } from '../../src/core/message.js';
import type { ChatRequest, ModelProvider, StreamPart } from '../../src/core/model-provider.js';
import { Budgets, periodEnd } from '../../src/engine/budgets.js';
import { Engine } from '../../src/engine/engine.js';
import { ModelRegistry } from '../../src/engine/model-registry.js';
import { costUsd, priceOf } from '../../src/engine/pricing.js';
import { LocalBlobStore } from '../../src/storage/blobs/local.js';
import { SqliteHistoryStore } from '../../src/storage/history/sqlite.js';
import { MemorySessionStore } from '../../src/storage/sessions/memory.js';

const log = pino({ level: 'silent' });

/** Answers every call with a fixed usage, after yielding to the event loop (parallel calls interleave). */
class CountingModel implements ModelProvider {
  readonly kind = 'scripted';
  calls: ChatRequest[] = [];
  constructor(private readonly usage = { promptTokens: 60, completionTokens: 40 }) {}
  async *stream(req: ChatRequest): AsyncIterable<StreamPart> {
    this.calls.push(req);
    await new Promise((r) => setImmediate(r));
    yield { type: 'text-delta', text: 'ok' };
    yield { type: 'finish', reason: 'stop', usage: this.usage };
  }
}

describe('budgets', () => {
  let bus: MemoryBus;
  let history: SqliteHistoryStore;
  let sessions: MemorySessionStore;
  let registry: ModelRegistry;
  let model: CountingModel;
  let engine: Engine;
  let events: ReplyEvent[];
  let now: number;

  function setup(budgets: NonNullable<ConfigInput['budgets']>, spec: Partial<ModelSpec> = {}) {
    const config = configSchema.parse({
      models: { default: 'm', catalog: { m: { provider: 'openai', model: 'local-model', maxTokens: 100, ...spec } } },
      budgets,
    });
    registry = new ModelRegistry({
      dataDir: '.',
      log,
      breaker: config.models.breaker,
      loadFactory: async () => () => model,
    });
    registry.configure(config.models.catalog, config.models.default, config.models.fallback);
    const b = new Budgets({ sessions, config: () => config, now: () => now });
    engine = new Engine({
      bus,
      history,
      blobs: new LocalBlobStore(mkdtempSync(join(tmpdir(), 'blobs-'))),
      models: registry,
      budgets: b,
      log,
      config: () => config,
    });
    return b;
  }

  let seq = 0;
  function msg(user = 'u1', agent = 'default'): Message {
    seq++;
    return {
      id: `test:c${seq}:1`,
      kind: 'message',
      channel: 'test',
      chatId: `c${seq}`,
      sender: { id: user },
      text: 'hi',
      attachments: [],
      isGroup: false,
      mentioned: true,
      timestamp: now,
      agent,
    };
  }

  async function turn(m: Message): Promise<ReplyEvent[]> {
    const from = events.length;
    await engine.handle(m);
    await bus.drain();
    return events.slice(from).filter((e) => e.inReplyTo === m.id);
  }

  beforeEach(async () => {
    bus = new MemoryBus((err) => assert.fail(String(err)));
    history = new SqliteHistoryStore(':memory:');
    await history.open();
    sessions = new MemorySessionStore();
    model = new CountingModel();
    events = [];
    now = Date.parse('2026-03-01T10:00:00Z');
    bus.subscribeOutbound('test', (o) => void events.push(o.event));
  });
  afterEach(async () => {
    await registry?.close();
    await history.close();
    await sessions.close();
  });

  it('refuses a turn that would pass the budget before the model is called, naming it and its reset', async () => {
    setup({ user: { tokensPerDay: 250 } });
    assert.equal((await turn(msg())).at(-1)!.type, 'done');
    assert.equal((await turn(msg())).at(-1)!.type, 'done'); // 200 tokens used, each reservation ~ prompt + 100
    const refused = (await turn(msg())).at(-1) as Extract<ReplyEvent, { type: 'error' }>;
    assert.equal(refused.type, 'error');
    assert.equal(refused.code, 'HEARTH_E_BUDGET');
    assert.match(refused.message, /budgets\.user\.tokensPerDay/);
    assert.match(refused.message, /250 tokens/);
    assert.match(refused.message, /resets at 2026-03-02 00:00 UTC/);
    assert.equal(model.calls.length, 2, 'the refused turn never reached the model');
  });

  it('keeps users apart, and resets at the period boundary', async () => {
    setup({ user: { tokensPerDay: 150 } });
    assert.equal((await turn(msg('u1'))).at(-1)!.type, 'done');
    assert.equal((await turn(msg('u1'))).at(-1)!.type, 'error');
    assert.equal((await turn(msg('u2'))).at(-1)!.type, 'done', 'another user has their own budget');
    now = periodEnd(now, 'day') - 1;
    assert.equal((await turn(msg('u1'))).at(-1)!.type, 'error', 'still the same day');
    now += 1;
    assert.equal((await turn(msg('u1'))).at(-1)!.type, 'done', 'a new UTC day, a new budget');
  });

  it('50 parallel turns never overshoot the budget by more than one turn', async () => {
    const limit = 2_000;
    setup({ user: { tokensPerDay: limit } });
    const results = await Promise.all(Array.from({ length: 50 }, () => turn(msg())));
    const answered = results.filter((r) => r.at(-1)!.type === 'done').length;
    const refused = results.filter((r) => (r.at(-1) as { code?: string }).code === 'HEARTH_E_BUDGET').length;
    assert.equal(answered + refused, 50);
    assert.equal(model.calls.length, answered, 'refused turns never reached the model');
    const used = answered * 100;
    assert.ok(used <= limit + 100, `used ${used} of ${limit}`);
    assert.ok(answered >= 10, `reservations are released and settled, not kept: only ${answered} answered`);
  });

  it('an agent budget counts every user of the agent; other agents are not limited by it', async () => {
    setup({ agent: { shop: { tokensPerDay: 150 } } });
    assert.equal((await turn(msg('u1', 'shop'))).at(-1)!.type, 'done');
    const refused = (await turn(msg('u2', 'shop'))).at(-1) as Extract<ReplyEvent, { type: 'error' }>;
    assert.match(refused.message, /budgets\.agent\.shop\.tokensPerDay/);
    assert.equal((await turn(msg('u2', 'default'))).at(-1)!.type, 'done');
  });

  it('a USD budget counts the cost at the model price; a monthly one resets on the 1st', async () => {
    model = new CountingModel({ promptTokens: 10_000, completionTokens: 10_000 });
    // 10k in at 1 USD/MTok + 10k out at 10 USD/MTok = 0.11 USD per call; a reservation is about 0.10.
    setup({ user: { usdPerMonth: 0.25 } }, { price: { inputPerMTok: 1, outputPerMTok: 10 }, maxTokens: 10_000 });
    assert.equal((await turn(msg())).at(-1)!.type, 'done');
    assert.equal((await turn(msg())).at(-1)!.type, 'done');
    const refused = (await turn(msg())).at(-1) as Extract<ReplyEvent, { type: 'error' }>;
    assert.match(refused.message, /budgets\.user\.usdPerMonth \(0\.25 USD\)/);
    assert.match(refused.message, /2026-04-01 00:00 UTC/);
    now = Date.parse('2026-04-01T00:00:00Z');
    assert.equal((await turn(msg())).at(-1)!.type, 'done');
  });

  it('warns once per period when 80 % is used', async () => {
    const b = setup({ user: { tokensPerDay: 500 } });
    const notices = async () =>
      (await turn(msg())).filter((e) => e.type === 'done' && /80|%/.test(e.text) && e.text.startsWith('Note'));
    assert.equal((await notices()).length, 0);
    assert.equal((await notices()).length, 0);
    assert.equal((await notices()).length, 0);
    const warned = await notices(); // 400 of 500
    assert.equal(warned.length, 1);
    assert.match((warned[0] as { text: string }).text, /budgets\.user\.tokensPerDay/);
    const [state] = await b.states({ userId: 'u1', agent: 'default' });
    assert.deepEqual([state!.used, state!.remaining], [400, 100]);
  });

  it('prices: catalog price first, the built-in table by model name, local models free', () => {
    assert.deepEqual(priceOf({ provider: 'openai', model: 'x', price: { inputPerMTok: 1, outputPerMTok: 2 } }), {
      inputPerMTok: 1,
      outputPerMTok: 2,
    });
    assert.equal(priceOf({ provider: 'openai', model: 'gpt-4o-mini-2024-07-18' })!.inputPerMTok, 0.15);
    assert.equal(priceOf({ provider: 'openai', model: 'gpt-4o' })!.inputPerMTok, 2.5);
    assert.equal(priceOf({ provider: 'ollama', model: 'llama3' })!.outputPerMTok, 0);
    assert.equal(priceOf({ provider: 'openai', model: 'some-local-model' }), undefined);
    const usd = costUsd(
      { inputPerMTok: 3, outputPerMTok: 15, cachedInputPerMTok: 0.3 },
      { promptTokens: 1_000_000, completionTokens: 0, cachedPromptTokens: 500_000 },
    );
    assert.ok(Math.abs(usd - 1.65) < 1e-9, String(usd));
  });

  it('a stopped turn is charged for its prompt and what it streamed, so Stop is no way around the budget', async () => {
    const b = setup({ user: { tokensPerDay: 10_000 } });
    const held: ModelProvider = {
      kind: 'scripted',
      async *stream(req: ChatRequest): AsyncIterable<StreamPart> {
        yield { type: 'text-delta', text: 'x'.repeat(400) };
        await new Promise((_, reject) => req.signal!.addEventListener('abort', () => reject(req.signal!.reason)));
      },
    };
    model = held as CountingModel;
    const m = msg();
    engine.start();
    await bus.publishInbound(m);
    while (!events.some((e) => e.type === 'delta' && e.inReplyTo === m.id)) await new Promise((r) => setTimeout(r, 5));
    await bus.publishControl({ type: 'turn.cancel', messageId: m.id });
    await bus.drain();
    const done = events.filter((e) => e.inReplyTo === m.id).at(-1) as Extract<ReplyEvent, { type: 'done' }>;
    assert.equal(done.finishReason, 'cancelled');
    const [state] = await b.states({ userId: 'u1', agent: 'default' });
    // 100 tokens for the 400 characters streamed, plus the prompt's estimate; nothing left reserved.
    assert.ok(state!.used > 100 && state!.used < 200, `charged ${state!.used} tokens`);
  });
});
