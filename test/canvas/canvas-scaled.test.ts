/**
 * The scaled shape: two gateway processes and an engine on one Redis bus and one data folder. A
 * stroke drawn through one gateway reaches the clients of the other, and the assistant's drawing,
 * made by the canvas skill in the engine process, reaches the clients of both — through the room
 * log and the bus, not through a gateway's memory.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startOpenAIFake, type ModelFake } from '../fakes/openai-server.js';
import { startHearth, TEST_TOKEN, type HearthProcess } from '../harness.js';
import { roomClient, until, type RoomClient } from './ws-client.js';

describe('canvas rooms across replicas on the Redis bus', () => {
  let model: ModelFake;
  let dataDir: string;
  let engine: HearthProcess;
  let one: HearthProcess;
  let two: HearthProcess;
  const clients: RoomClient[] = [];

  before(async () => {
    model = await startOpenAIFake();
    model.setReply((body) => {
      const messages = body.messages as Array<{ role: string; content: string }>;
      const tool = messages.findLast((m) => m.role === 'tool');
      if (tool) return { text: tool.content };
      return {
        toolCalls: [
          {
            name: 'canvas_draw',
            arguments: JSON.stringify({ room: 'scaled', elements: [{ type: 'ellipse', x: 10, y: 10, w: 50, h: 30 }] }),
          },
        ],
      };
    });
    dataDir = mkdtempSync(join(tmpdir(), 'hearth-canvas-scaled-'));
    const prefix = `hearth:test:${randomBytes(4).toString('hex')}:`;
    const config = `bus: { kind: redis, prefix: "${prefix}", leaseMs: 2000 }
canvas: { publicUrl: "https://draw.example.org" }
models:
  default: m
  catalog:
    m: { provider: openai, baseUrl: "${model.baseUrl}", model: m }
`;
    // One after the other: the first start creates the shared keys in the data folder.
    // A loaded CI machine can take a while to start three processes.
    engine = await startHearth({ command: 'engine', config, dataDir, timeoutMs: 45_000 });
    one = await startHearth({ command: 'gateway', config, dataDir, timeoutMs: 45_000 });
    two = await startHearth({ command: 'gateway', config, dataDir, timeoutMs: 45_000 });
  });
  after(async () => {
    clients.forEach((c) => c.destroy());
    await Promise.all([one?.stop(), two?.stop(), engine?.stop()]);
    await model?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a stroke drawn on one gateway reaches the clients of the other, both ways', async () => {
    const a = roomClient(one.baseUrl, 'scaled');
    const b = roomClient(two.baseUrl, 'scaled');
    clients.push(a, b);
    await Promise.all([a.synced(), b.synced()]);
    a.draw({ id: 'from-one', type: 'stroke', color: '#1e1e1e', width: 3, points: [0, 0, 10, 10, 20, 5] });
    await until(() => b.ids().includes('from-one'), 5000, 'gateway two relays gateway one’s stroke');
    b.draw({ id: 'from-two', type: 'line', color: '#e03131', width: 2, points: [0, 50, 100, 50] });
    await until(() => a.ids().includes('from-two'), 5000, 'and back');
    // A client that joins later on either gateway gets everything from the shared log.
    const late = roomClient(two.baseUrl, 'scaled');
    clients.push(late);
    await late.synced();
    await until(() => late.ids().length === 2, 5000, 'the late joiner has both');
  });

  it('the canvas skill in the engine process draws into the room both gateways serve', async () => {
    const [a, b] = clients;
    const res = await fetch(`${one.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_TOKEN}` },
      body: JSON.stringify({ model: 'env', messages: [{ role: 'user', content: 'draw an ellipse on the canvas' }] }),
    });
    assert.equal(res.status, 200);
    const answer = ((await res.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message
      .content;
    assert.match(answer, /in room scaled \(3 in all\): https:\/\/draw\.example\.org\/canvas\/scaled$/);
    await until(
      () => a!.ids().length === 3 && b!.ids().length === 3,
      5000,
      'both gateways’ clients see the assistant’s ellipse',
    );
  });
});
