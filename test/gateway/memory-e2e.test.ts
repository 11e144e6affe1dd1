/**
 * Per-conversation memory end to end (web chat, OpenAI fake calling the tool): the user asks the
 * assistant to remember something, the model calls `memory_save`, every later prompt of that
 * conversation carries the fact (and no other conversation's prompt does); an operator lists it
 * and deletes it through the admin API, and the next prompt no longer has it; the user sees and
 * forgets memories over the web chat's own socket (`memories` / `forget` frames).
 */

/** Opens the conversation over /ws and sends `frames` one after another, collecting each answer. */
async function exchange(
  url: string,
  hello: Record<string, unknown>,
  frames: object[],
): Promise<Array<Record<string, Json>>> {
  const ws = new WebSocket(url.replace('http', 'ws') + '/ws');
  const answers: Array<Record<string, Json>> = [];
  try {
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const next = () =>
      new Promise<Record<string, Json>>((resolve) => ws.once('message', (d) => resolve(JSON.parse(String(d)))));
    ws.send(JSON.stringify({ type: 'hello', ...hello }));
    assert.equal((await next()).type, 'ready');
    for (const f of frames) {
      ws.send(JSON.stringify(f));
      answers.push(await next());
    }
    return answers;
  } finally {
    ws.close();
  }
}
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import type { Json } from '../json.js';
import { chatOverWs } from '../webchat-client.js';
import { startGateway, TOKEN, type InProcessGateway } from './in-process.js';

describe('per-conversation memory', () => {
  let g: InProcessGateway;
  const admin = (path: string, method = 'GET') =>
    fetch(`${g.hearth.url}${path}`, { method, headers: { authorization: `Bearer ${TOKEN}` } });

  before(async () => {
    g = await startGateway();
    g.fake.setReply((body: Json) => {
      const last = body.messages.at(-1);
      if (last.role === 'tool') return { text: `Done: ${last.content}` };
      if (String(last.content).startsWith('please remember'))
        return { toolCalls: [{ name: 'memory_save', arguments: JSON.stringify({ fact: 'locker code is 4711' }) }] };
      return { text: 'ok' };
    });
  });
  after(() => g?.close());

  const lastSystem = () => String(g.fake.requests.at(-1)!.body.messages[0].content);

  it('saves a fact with memory_save, puts it in the prompt, lists and deletes it through the admin API', async () => {
    const first = await chatOverWs(g.hearth.url, 'please remember that my locker code is 4711');
    assert.match(String(first.events.at(-1)!.text), /Done: Remembered \(memory [0-9a-f]{8}\)/);
    const offered = g.fake.requests.at(-2)!.body.tools.map((t: Json) => t.function.name);
    assert.ok(offered.includes('memory_save'), `memory tools are offered (${offered})`);
    const hello = { conversationId: first.ready.conversationId, identity: first.ready.identity };

    await chatOverWs(g.hearth.url, 'what is my locker code?', hello);
    assert.match(lastSystem(), /The user asked you to remember[^\n]*\n- \[[0-9a-f]{8}\] locker code is 4711/);
    await chatOverWs(g.hearth.url, 'a different conversation');
    assert.doesNotMatch(lastSystem(), /4711/, 'memories stay in their conversation');

    const convs = (await (await admin('/admin/conversations')).json()) as { conversations: Array<{ id: string }> };
    const conversationId = convs.conversations.find((c) => c.id.includes(String(first.ready.conversationId)))!.id;
    const listed = await admin(`/admin/conversations/${encodeURIComponent(conversationId)}/memories`);
    assert.equal(listed.status, 200);
    const { memories } = (await listed.json()) as { memories: Array<{ id: string; content: string }> };
    assert.deepEqual(
      memories.map((m) => m.content),
      ['locker code is 4711'],
    );

    const path = `/admin/conversations/${encodeURIComponent(conversationId)}/memories/${memories[0]!.id}`;
    const deleted = await admin(path, 'DELETE');
    assert.equal(deleted.status, 200);
    assert.deepEqual(await deleted.json(), { deleted: memories[0]!.id });
    assert.equal((await admin(path, 'DELETE')).status, 404, 'a second delete finds nothing');
    await chatOverWs(g.hearth.url, 'and now?', hello);
    assert.doesNotMatch(lastSystem(), /4711/, 'a deleted memory is no longer in the prompt');
    assert.equal((await admin('/admin/conversations/webchat:nope/memories')).status, 404);
  });

  it('lists and forgets the memories of the open conversation over the web chat socket', async () => {
    const first = await chatOverWs(g.hearth.url, 'please remember that my locker code is 4711');
    const hello = { conversationId: first.ready.conversationId, identity: first.ready.identity };
    const [listed] = await exchange(g.hearth.url, hello, [{ type: 'memories' }]);
    assert.equal(listed!.type, 'memories');
    assert.equal(listed!.conversationId, first.ready.conversationId);
    const memories = listed!.memories as Array<{ id: string; content: string }>;
    assert.deepEqual(
      memories.map((m) => m.content),
      ['locker code is 4711'],
    );
    const [forgotten, again, bad] = await exchange(g.hearth.url, hello, [
      { type: 'forget', memoryId: memories[0]!.id },
      { type: 'forget', memoryId: memories[0]!.id },
      { type: 'forget' },
    ]);
    assert.deepEqual(forgotten!.memories, []);
    assert.equal(again!.type, 'error');
    assert.equal(again!.code, 'HEARTH_E_NOT_FOUND');
    assert.equal(bad!.code, 'HEARTH_E_BAD_REQUEST');
    const [stranger] = await exchange(g.hearth.url, { conversationId: first.ready.conversationId }, [
      { type: 'memories' },
    ]);
    assert.deepEqual(stranger!.memories, [], "another browser does not open this conversation's memories");
  });
});
