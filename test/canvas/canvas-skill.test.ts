/**
 * The assistant draws and reads: a chat turn (OpenAI-compatible API) where the fake model calls
 * `canvas_draw`, and everyone in the room sees the shapes appear; then `canvas_read` hands the model
 * the element list and a PNG rendering (shown to the model as an image, and stored as the answer's image
 * attachment).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startOpenAIFake, type ModelFake } from '../fakes/openai-server.js';
import { startHearth, type HearthProcess } from '../harness.js';
import { roomClient, until, type RoomClient } from './ws-client.js';

const DIAGRAM = {
  room: 'network',
  elements: [
    { type: 'rect', x: 40, y: 40, w: 160, h: 80, color: '#1971c2' },
    { type: 'text', x: 60, y: 90, text: 'Router' },
    { type: 'arrow', points: [200, 80, 360, 80] },
    { type: 'ellipse', x: 360, y: 40, w: 160, h: 80, fill: '#d0ebff' },
  ],
};

describe('canvas skill in a chat turn', () => {
  let model: ModelFake;
  let h: HearthProcess;
  let watcher: RoomClient;

  before(async () => {
    model = await startOpenAIFake();
    model.setReply((body) => {
      const messages = body.messages as Array<{ role: string; content: string }>;
      const tool = messages.findLast((m) => m.role === 'tool');
      if (tool) return { text: `Done. ${tool.content}` };
      const user = messages.findLast((m) => m.role === 'user')!.content;
      if (user.startsWith('draw')) return { toolCalls: [{ name: 'canvas_draw', arguments: JSON.stringify(DIAGRAM) }] };
      if (user.startsWith('what')) return { toolCalls: [{ name: 'canvas_read', arguments: '{"room":"network"}' }] };
      if (user.startsWith('broken'))
        return {
          toolCalls: [{ name: 'canvas_draw', arguments: '{"room":"network","elements":[{"type":"rect","x":1}]}' }],
        };
      return { text: 'no tool' };
    });
    h = await startHearth({ env: { MODEL_ENDPOINT: model.baseUrl, MODEL_NAME: 'fake-model' }, timeoutMs: 45_000 });
    watcher = roomClient(h.baseUrl, 'network');
    await watcher.synced();
  });
  after(async () => {
    watcher?.destroy();
    await h?.stop();
    await model?.close();
  });

  async function ask(text: string): Promise<string> {
    const res = await fetch(`${h.baseUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${h.token}` },
      body: JSON.stringify({ model: 'env', messages: [{ role: 'user', content: text }] }),
    });
    assert.equal(res.status, 200, await res.clone().text());
    return ((await res.json()) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content;
  }

  it('"draw the architecture of our network" answers with the room link, and the room shows it live', async () => {
    const answer = await ask('draw the architecture of our network');
    assert.match(
      answer,
      new RegExp(`Drew 4 element\\(s\\) in room network \\(4 in all\\): ${h.baseUrl}/canvas/network$`),
    );
    await until(() => watcher.ids().length === 4, 5000, 'the watcher sees the drawing');
    const body = (await (await fetch(`${h.baseUrl}/canvas/network/elements`)).json()) as {
      elements: Array<{ type: string }>;
    };
    assert.deepEqual(
      body.elements.map((e) => e.type),
      ['rect', 'text', 'arrow', 'ellipse'],
    );
    // Offered only when relevant: a turn about something else carries no canvas tools.
    await ask('hello there');
    const plain = model.requests.at(-1)!.body as { tools?: Array<{ function: { name: string } }> };
    assert.ok(!(plain.tools ?? []).some((t) => t.function.name.startsWith('canvas_')));
  });

  it('reads the room back: elements for the model, a PNG rendering as an attachment', async () => {
    const answer = await ask('what is on the canvas?');
    assert.match(answer, /Room network .* has 4 element\(s\):/);
    const toolMessage = (
      model.requests.at(-1)!.body as { messages: Array<{ role: string; content: string }> }
    ).messages.findLast((m) => m.role === 'tool')!;
    const listed = JSON.parse(toolMessage.content.slice(toolMessage.content.indexOf('\n') + 1)) as Array<{
      type: string;
      text?: string;
    }>;
    assert.equal(listed.find((e) => e.type === 'text')?.text, 'Router');
    const dir = join(h.dataDir, 'blobs', 'canvas', 'network');
    const pngs = readdirSync(dir).filter((f) => f.endsWith('.png'));
    assert.equal(pngs.length, 1);
    const png = readFileSync(join(dir, pngs[0]!));
    assert.equal(png.subarray(1, 4).toString(), 'PNG');
    // A vision model sees the rendering too: the same PNG, right after the tool results.
    const picture = (
      model.requests.at(-1)!.body as {
        messages: Array<{ role: string; content: string | Array<{ type: string; image_url?: { url: string } }> }>;
      }
    ).messages.findLast((m) => m.role === 'user' && Array.isArray(m.content));
    const url = (picture?.content as Array<{ image_url?: { url: string } }> | undefined)?.find((p) => p.image_url)
      ?.image_url?.url;
    assert.equal(url, `data:image/png;base64,${png.toString('base64')}`);
  });

  it('a bad element gives the model an error it can fix, and changes nothing', async () => {
    const answer = await ask('broken drawing');
    assert.match(answer, /element 0 is not valid/);
    assert.equal(watcher.ids().length, 4);
  });
});
