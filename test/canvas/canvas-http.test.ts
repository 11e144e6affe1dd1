/**
 * The canvas surface of a real gateway (in process, on 127.0.0.1): rooms over the WebSocket with
 * the stock y-websocket client, exports, the Origin guard on the canvas socket, and per-room
 * authorization when rooms are not open (token, login, share links with view or edit rights).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import WebSocket from 'ws';
import { loadConfig } from '../../src/core/config-load.js';
import { Hearth } from '../../src/gateway/server.js';
import { roomClient, until, type RoomClient } from './ws-client.js';

const TOKEN = 'canvas-test-token-0123456789abcdef';

async function startGateway(dir: string, yml: string): Promise<Hearth> {
  const file = join(dir, 'hearth.yml');
  writeFileSync(file, yml);
  const env = {
    HEARTH_HOST: '127.0.0.1',
    HEARTH_PORT: '0',
    HEARTH_DATA_DIR: join(dir, 'data'),
    HEARTH_API_TOKEN: TOKEN,
  };
  const hearth = new Hearth({ loaded: loadConfig({ file, env }), env, log: pino({ level: 'silent' }) });
  await hearth.start();
  return hearth;
}

function upgradeStatus(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
    });
    ws.on('error', reject);
  });
}

const rect = (id: string, x = 40) => ({
  id,
  type: 'rect' as const,
  color: '#e03131',
  width: 3,
  x,
  y: 30,
  w: 120,
  h: 60,
});

describe('canvas on an open loopback gateway', () => {
  let dir: string;
  let hearth: Hearth;
  const clients: RoomClient[] = [];
  const client = (room: string, params?: Record<string, string>) => {
    const c = roomClient(hearth.url, room, params);
    clients.push(c);
    return c;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hearth-canvas-http-'));
    hearth = await startGateway(dir, '{}\n');
  });
  after(async () => {
    clients.forEach((c) => c.destroy());
    await hearth.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the page at /canvas/<room> and refuses bad room names', async () => {
    const page = await fetch(`${hearth.url}/canvas/design-review`);
    assert.equal(page.status, 200);
    assert.equal(page.headers.get('cache-control'), 'no-cache');
    const html = await page.text();
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    assert.ok(asset, html);
    const js = await fetch(hearth.url + asset);
    assert.equal(js.status, 200);
    assert.match(js.headers.get('cache-control') ?? '', /max-age=31536000, immutable/);
    assert.equal((await fetch(`${hearth.url}/assets/..%2Fcanvas%2Findex.html`)).status, 404);
    assert.equal((await fetch(`${hearth.url}/canvas/bad%20name`)).status, 404);
    // The web chat page is still there.
    assert.equal((await fetch(`${hearth.url}/`)).status, 200);
  });

  it('syncs two clients of a room, keeps other rooms apart, and exports SVG, PNG and JSON', async () => {
    const a = client('alpha');
    const b = client('alpha');
    const c = client('beta');
    await Promise.all([a.synced(), b.synced(), c.synced()]);
    a.draw(rect('one'));
    b.draw({
      id: 'two',
      type: 'text',
      color: '#1e1e1e',
      width: 1,
      x: 50,
      y: 150,
      text: 'Hello <canvas> & co',
      size: 24,
    });
    await until(() => a.ids().length === 2 && b.ids().length === 2, 5000, 'both clients see both elements');
    assert.deepEqual(c.ids(), []);

    const json = (await (await fetch(`${hearth.url}/canvas/alpha/elements`)).json()) as {
      elements: Array<{ id: string }>;
    };
    assert.deepEqual(json.elements.map((e) => e.id).sort(), ['one', 'two']);
    const svg = await fetch(`${hearth.url}/canvas/alpha/export.svg`);
    assert.equal(svg.headers.get('content-type'), 'image/svg+xml; charset=utf-8');
    const text = await svg.text();
    assert.match(text, /<rect x="40" y="30" width="120" height="60" fill="none" stroke="#e03131"/);
    assert.match(text, /Hello &lt;canvas&gt; &amp; co/);
    const png = Buffer.from(await (await fetch(`${hearth.url}/canvas/alpha/export.png`)).arrayBuffer());
    assert.equal(png.subarray(1, 4).toString(), 'PNG');
    // 120+2*pad wide content plus the export padding: a real raster, not a placeholder.
    assert.ok(
      png.readUInt32BE(16) > 100 && png.readUInt32BE(20) > 100,
      `PNG is ${png.readUInt32BE(16)}x${png.readUInt32BE(20)}`,
    );
  });

  it('relays presence (cursors and names) between the clients of a room, and drops it when one leaves', async () => {
    const a = client('presence');
    const b = client('presence');
    await Promise.all([a.synced(), b.synced()]);
    a.provider.awareness.setLocalState({ user: { name: 'Ada', color: '#e03131' }, cursor: { x: 120, y: 80 } });
    const seenByB = () =>
      [...b.provider.awareness.getStates().values()].find(
        (st) => (st.user as { name?: string } | undefined)?.name === 'Ada',
      );
    await until(() => seenByB()?.cursor?.x === 120, 5000, 'B sees A’s cursor');
    a.provider.disconnect();
    await until(() => seenByB() === undefined, 5000, 'A’s presence is gone once A left');
  });

  it('refuses the canvas socket to a foreign Origin before the upgrade, accepts its own', async () => {
    const ws = hearth.url.replace(/^http/, 'ws') + '/canvas/alpha/ws';
    assert.equal(await upgradeStatus(ws, { origin: 'https://evil.example' }), 403);
    assert.equal(await upgradeStatus(ws, { origin: hearth.url }), 101);
  });

  it('a client that sends garbage is cut off; the others keep drawing', async () => {
    const a = client('gamma');
    const b = client('gamma');
    await Promise.all([a.synced(), b.synced()]);
    const raw = new WebSocket(hearth.url.replace(/^http/, 'ws') + '/canvas/gamma/ws');
    const closed = new Promise<number>((resolve) => raw.on('close', (code) => resolve(code)));
    await new Promise((r) => raw.on('open', r));
    raw.send(Buffer.from([0, 1, 200, 200, 200, 1, 7]));
    assert.equal(await closed, 4400);
    a.draw(rect('still-works'));
    await until(() => b.ids().includes('still-works'), 5000, 'the room still works');
  });

  it('counts rooms, clients, changes and refusals in /metrics', async () => {
    const series = async () => {
      const text = await (await fetch(`${hearth.url}/metrics`)).text();
      const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
      return {
        rooms: value('hearth_canvas_rooms'),
        clients: value('hearth_canvas_clients'),
        changes: value('hearth_canvas_changes_total'),
        refused: value('hearth_canvas_refused_total\\{code="HEARTH_E_BAD_REQUEST"\\}'),
      };
    };
    const before = await series();
    assert.ok(before.rooms >= 1 && before.refused >= 1, JSON.stringify(before));
    const a = client('metered');
    const b = client('metered');
    await Promise.all([a.synced(), b.synced()]);
    a.draw(rect('counted'));
    await until(() => b.ids().includes('counted'), 5000, 'the change arrived');
    const raw = new WebSocket(hearth.url.replace(/^http/, 'ws') + '/canvas/metered/ws');
    const closed = new Promise((resolve) => raw.on('close', resolve));
    await new Promise((r) => raw.on('open', r));
    raw.send(Buffer.from([0, 1, 200, 200, 200, 1, 7]));
    await closed;
    const after = await series();
    assert.equal(after.rooms, before.rooms + 1, 'one more room in memory');
    assert.equal(after.clients, before.clients + 2, 'the two new clients (the refused one is gone)');
    assert.ok(after.changes > before.changes, `changes counted: ${before.changes} → ${after.changes}`);
    assert.equal(after.refused, before.refused + 1, 'the garbage sender counted once');
  });
});

describe('canvas rooms that need credentials', () => {
  let dir: string;
  let hearth: Hearth;
  const clients: RoomClient[] = [];
  const client = (room: string, params?: Record<string, string>) => {
    const c = roomClient(hearth.url, room, params);
    clients.push(c);
    return c;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hearth-canvas-auth-'));
    // canvas.auth: token stands for a gateway bound to a non-loopback address (auto = token there).
    hearth = await startGateway(dir, 'canvas:\n  auth: token\n');
  });
  after(async () => {
    clients.forEach((c) => c.destroy());
    await hearth.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('without credentials: the socket closes with 4401 and the exports answer 401', async () => {
    const anon = client('private');
    await until(() => anon.closes.length > 0, 5000, 'a close');
    assert.equal(anon.closes[0]!.code, 4401);
    assert.equal(anon.provider.shouldConnect, false, 'y-websocket stops retrying on 44xx');
    assert.equal((await fetch(`${hearth.url}/canvas/private/elements`)).status, 401);
    assert.equal((await fetch(`${hearth.url}/canvas/private/export.png?token=wrong`)).status, 401);
    // The page itself is public: it asks for a token.
    assert.equal((await fetch(`${hearth.url}/canvas/private`)).status, 200);
  });

  it('with the token: draws; share links give view or edit rights on their room only', async () => {
    const owner = client('private', { token: TOKEN });
    await owner.synced();
    owner.draw(rect('owned'));
    const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
    await until(
      async () =>
        (
          (await (await fetch(`${hearth.url}/canvas/private/elements`, { headers: auth })).json()) as {
            elements: unknown[];
          }
        ).elements.length === 1,
    );

    const share = async (rights: string) => {
      const res = await fetch(`${hearth.url}/canvas/private/share`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ rights }),
      });
      assert.equal(res.status, 201);
      const body = (await res.json()) as { token: string; path: string };
      assert.ok(body.path.startsWith('/canvas/private#share='));
      return body.token;
    };
    const viewLink = await share('view');
    const editLink = await share('edit');

    const viewer = client('private', { share: viewLink });
    await viewer.synced();
    await until(() => viewer.ids().includes('owned'), 5000, 'the viewer sees the room');
    assert.deepEqual(viewer.denials, ['view only']);
    viewer.draw(rect('from-viewer'));
    const editor = client('private', { share: editLink });
    await editor.synced();
    editor.draw(rect('from-editor'));
    await until(() => owner.ids().includes('from-editor'), 5000, 'an edit link edits');
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(owner.ids(), ['from-editor', 'owned'], 'a view link cannot edit');

    // A share link of one room opens no other, and a view link cannot mint links.
    const elsewhere = client('other-room', { share: editLink });
    await until(() => elsewhere.closes.length > 0, 5000, 'a close');
    assert.equal(elsewhere.closes[0]!.code, 4401);
    const mint = await fetch(`${hearth.url}/canvas/private/share?share=${viewLink}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"rights":"edit"}',
    });
    assert.equal(mint.status, 403);
    assert.equal((await fetch(`${hearth.url}/canvas/private/export.svg?share=${viewLink}`)).status, 200);
  });

  it('a login from /auth/login opens the room', async () => {
    await hearth.stop();
    hearth = await startGatewayWithAdmin(dir);
    const login = await fetch(`${hearth.url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'correct horse battery' }),
    });
    assert.equal(login.status, 200);
    const { accessToken } = (await login.json()) as { accessToken: string };
    const c = client('private', { token: accessToken });
    await c.synced();
    await until(() => c.ids().includes('owned'), 5000, 'the room survived the restart');
  });
});

async function startGatewayWithAdmin(dir: string): Promise<Hearth> {
  const file = join(dir, 'hearth.yml');
  const env = {
    HEARTH_HOST: '127.0.0.1',
    HEARTH_PORT: '0',
    HEARTH_DATA_DIR: join(dir, 'data'),
    HEARTH_API_TOKEN: TOKEN,
    HEARTH_ADMIN_PASSWORD: 'correct horse battery',
  };
  const hearth = new Hearth({ loaded: loadConfig({ file, env }), env, log: pino({ level: 'silent' }) });
  await hearth.start();
  return hearth;
}
