/**
 * At-least-once redelivery as the engine sees it: a message whose user turn is stored but whose
 * reply is not (its engine died mid-turn) is answered again, exactly once, with the user turn in
 * the prompt once; a message whose reply is stored is ignored.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { MemoryBus } from '../../src/core/bus.js';
import type { Outbound } from '../../src/core/message.js';
import { Engine } from '../../src/engine/engine.js';
import { ModelRegistry } from '../../src/engine/model-registry.js';
import { LocalBlobStore } from '../../src/storage/blobs/local.js';
import { SqliteHistoryStore } from '../../src/storage/history/sqlite.js';
import { startOpenAIFake, type ModelFake } from '../fakes/openai-server.js';
import { message } from '../bus/bus-fixtures.js';

describe('engine redelivery', () => {
  let model: ModelFake;
  let dir: string;
  let history: SqliteHistoryStore;
  let models: ModelRegistry;
  const out: Outbound[] = [];
  let bus: MemoryBus;
  before(async () => {
    model = await startOpenAIFake();
    model.setReply((body) => ({ text: `echo: ${body.messages.at(-1).content}` }));
    dir = mkdtempSync(join(tmpdir(), 'hearth-redeliver-'));
    history = new SqliteHistoryStore(join(dir, 'h.db'));
    await history.open();
    const log = pino({ level: 'silent' });
    models = new ModelRegistry({ dataDir: dir, log, breaker: { failures: 5, cooldownMs: 1000 } });
    models.configure({ fake: { provider: 'openai', model: 'fake-gpt', baseUrl: model.baseUrl } }, 'fake', []);
    bus = new MemoryBus(() => undefined);
    bus.subscribeOutbound('webchat', (o) => void out.push(o));
    const engine = new Engine({
      bus,
      history,
      blobs: new LocalBlobStore(join(dir, 'blobs')),
      models,
      log,
      config: () => ({ agents: {}, models: { timeoutMs: 5000, retries: 0 } }) as never,
    });
    engine.start();
  });
  after(async () => {
    await models.close();
    await history.close();
    await model.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers a message whose user turn was stored by an engine that died before replying', async () => {
    const m = message('redeliver', 1);
    // What the dead engine left behind: the conversation and the user turn, no reply.
    await history.upsertConversation({
      id: 'webchat:redeliver',
      channel: 'webchat',
      chatId: 'redeliver',
      userId: m.sender.id,
      agent: 'default',
      createdAt: 1,
      updatedAt: 1,
    });
    await history.append({
      id: m.id,
      conversationId: 'webchat:redeliver',
      role: 'user',
      content: m.text,
      attachments: [],
      author: m.sender.id,
      createdAt: m.timestamp,
      tokens: 3,
    });
    await bus.publishInbound(m);
    await bus.drain();
    const done = out.filter((o) => o.event.type === 'done' && o.event.inReplyTo === m.id);
    assert.equal(done.length, 1);
    assert.equal(done[0].event.type === 'done' && done[0].event.text, `echo: ${m.text}`);
    assert.equal(await history.hasMessage(`${m.id}#reply`), true);
    const prompt = model.requests.at(-1)!.body.messages as Array<{ role: string; content: string }>;
    assert.equal(
      prompt.filter((p) => p.role === 'user' && p.content === m.text).length,
      1,
      'the user turn is in the prompt once',
    );
  });

  it('ignores a redelivered message whose reply is stored', async () => {
    const m = message('redeliver', 1);
    const before = model.requests.length;
    const events = out.length;
    await bus.publishInbound(m);
    await bus.drain();
    assert.equal(model.requests.length, before, 'no model call');
    assert.equal(out.length, events, 'no reply events');
    const turns = await history.recent('webchat:redeliver', 10_000);
    assert.deepEqual(
      turns.map((t) => t.id),
      [m.id, `${m.id}#reply`],
    );
  });
});
