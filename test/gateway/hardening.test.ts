/**
 * Adversarial checks against an in-process gateway: encoded paths must not dodge the admin
 * allowlist or the audit log, and the web chat must read a client's frames in order.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import WebSocket from 'ws';
import { loadConfig } from '../../src/core/config-load.js';
import { Hearth } from '../../src/gateway/server.js';
import { startOpenAIFake, type ModelFake } from '../fakes/openai-server.js';

const TOKEN = 'hardening-token-0123456789abcdef';

async function startGateway(configYaml: string): Promise<{ hearth: Hearth; fake: ModelFake; close(): Promise<void> }> {
  const fake = await startOpenAIFake();
  const dir = mkdtempSync(join(tmpdir(), 'hearth-hardening-'));
  const file = join(dir, 'hearth.yml');
  writeFileSync(file, configYaml);
  const env = {
    HEARTH_HOST: '127.0.0.1',
    HEARTH_PORT: '0',
    HEARTH_DATA_DIR: join(dir, 'data'),
    HEARTH_API_TOKEN: TOKEN,
    MODEL_ENDPOINT: fake.baseUrl,
    MODEL_NAME: 'fake-gpt',
  };
  const hearth = new Hearth({ loaded: loadConfig({ file, env }), env, log: pino({ level: 'silent' }) });
  await hearth.start();
  return {
    hearth,
    fake,
    async close() {
      await hearth.stop();
      await fake.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };

describe('percent-encoded paths are judged like the route they reach', () => {
  let g: Awaited<ReturnType<typeof startGateway>>;
  before(async () => {
    // 127.0.0.1 is outside the admin allowlist.
    g = await startGateway("security:\n  ipAllowlist:\n    admin: ['10.9.9.9/32']\n");
  });
  after(() => g.close());

  it('keeps /%61dmin and /%6detrics behind the admin allowlist', async () => {
    for (const path of ['/admin/models', '/%61dmin/models', '/%61dmin/channels', '/metrics', '/%6detrics']) {
      const res = await fetch(g.hearth.url + path, { headers: auth });
      assert.equal(res.status, 403, path);
    }
    const put = await fetch(`${g.hearth.url}/%61dmin/models/default`, {
      method: 'PUT',
      headers: auth,
      body: JSON.stringify({ model: 'env' }),
    });
    assert.equal(put.status, 403);
  });
});

describe('the audit log sees encoded admin paths', () => {
  let g: Awaited<ReturnType<typeof startGateway>>;
  before(async () => {
    g = await startGateway('{}\n');
  });
  after(() => g.close());

  it('records a model switch sent to /%61dmin/models/default', async () => {
    const put = await fetch(`${g.hearth.url}/%61dmin/models/default`, {
      method: 'PUT',
      headers: auth,
      body: JSON.stringify({ model: 'env' }),
    });
    assert.equal(put.status, 200);
    await new Promise((r) => setTimeout(r, 100));
    const security = (g.hearth as unknown as { security: { audit: { export(): AsyncIterable<string> } } }).security;
    const lines: string[] = [];
    for await (const line of security.audit.export()) lines.push(line);
    assert.ok(
      lines.some((l) => l.includes('PUT /admin/models/default')),
      `audit rows: ${lines.join('\n')}`,
    );
  });
});

describe('web chat frames', () => {
  let g: Awaited<ReturnType<typeof startGateway>>;
  const chats = () =>
    (g.hearth as unknown as { channels: Array<{ name: string; chats?: Map<string, Set<unknown>> }> }).channels.find(
      (c) => c.name === 'webchat',
    )!.chats!;
  before(async () => {
    g = await startGateway('{}\n');
  });
  after(() => g.close());

  it('answers a message sent right behind the hello, without waiting for ready', async () => {
    const ws = new WebSocket(`${g.hearth.url.replace('http', 'ws')}/ws`);
    const events: Array<Record<string, unknown>> = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer: ${JSON.stringify(events)}`)), 5000);
      ws.on('open', () => {
        ws.send(JSON.stringify({ type: 'hello' }));
        ws.send(JSON.stringify({ type: 'message', text: 'quick one' }));
      });
      ws.on('message', (d) => {
        const e = JSON.parse(String(d)) as Record<string, unknown>;
        events.push(e);
        if (e.type === 'done' || e.type === 'error') {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    ws.close();
    assert.deepEqual(
      events.map((e) => e.type).filter((t) => t !== 'delta'),
      // The new conversation is listed (under its first words) before the answer starts.
      ['ready', 'conversations', 'start', 'done'],
      JSON.stringify(events),
    );
  });

  it('a second hello on the same socket is refused and leaves nothing behind when the socket closes', async () => {
    const ws = new WebSocket(`${g.hearth.url.replace('http', 'ws')}/ws`);
    const events: Array<Record<string, unknown>> = [];
    await new Promise<void>((resolve) => {
      ws.on('open', () => {
        ws.send(JSON.stringify({ type: 'hello' }));
        ws.send(JSON.stringify({ type: 'hello' }));
      });
      ws.on('message', (d) => {
        events.push(JSON.parse(String(d)) as Record<string, unknown>);
        if (events.length === 2) resolve();
      });
    });
    assert.deepEqual(
      events.map((e) => e.type),
      ['ready', 'error'],
    );
    await new Promise<void>((resolve) => {
      ws.on('close', () => resolve());
      ws.close();
    });
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(chats().size, 0);
  });
});

describe('admin query strings', () => {
  let g: Awaited<ReturnType<typeof startGateway>>;
  before(async () => {
    g = await startGateway('{}\n');
    for (const text of ['one', 'two', 'three']) {
      const res = await fetch(`${g.hearth.url}/v1/chat/completions`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ messages: [{ role: 'user', content: text }] }),
      });
      assert.equal(res.status, 200);
    }
  });
  after(() => g.close());

  const list = (query: string) => fetch(`${g.hearth.url}/admin/conversations?${query}`, { headers: auth });
  const count = async (query: string) =>
    ((await (await list(query)).json()) as { conversations: unknown[] }).conversations.length;

  it('answers 400, not 500 or an unbounded list, to a bad limit or a repeated parameter', async () => {
    assert.equal(await count('limit=2'), 2);
    for (const query of ['limit=-1', 'limit=1.5', 'limit=abc', 'user=a&user=b']) {
      const res = await list(query);
      assert.equal(res.status, 400, query);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'HEARTH_E_BAD_REQUEST');
    }
    assert.equal(await count('limit=5000'), 3);
  });
});
