/**
 * A web page on another site must not drive the surfaces that are open on loopback: the web chat
 * WebSocket, the voice offer, and state-changing admin routes refuse a foreign `Origin` (403 before
 * any upgrade), and a Host that is not this machine (DNS rebinding) is refused. Clients that send no
 * Origin (CLI tools, SDKs) and the page's own origin keep working.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import WebSocket from 'ws';
import { loadConfig } from '../../src/core/config-load.js';
import { hostAllowed, hostName, originAllowed } from '../../src/security/browser-guard.js';
import { Hearth } from '../../src/gateway/server.js';
import { startOpenAIFake, type ModelFake } from '../fakes/openai-server.js';

const TOKEN = 'origin-test-token-0123456789abcdef';
const EVIL = 'https://evil.example';

/** Opens /ws with the given headers; resolves with the HTTP status of a refused upgrade, or 101. */
function upgradeStatus(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url.replace(/^http/, 'ws') + '/ws', { headers });
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
    });
    ws.on('error', (err) => reject(err));
  });
}

/** One web chat round trip over /ws with the given headers; resolves with the answer's text. */
function chat(url: string, headers: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url.replace(/^http/, 'ws') + '/ws', { headers });
    ws.on('open', () => {
      ws.send(JSON.stringify({ type: 'hello' }));
      ws.send(JSON.stringify({ type: 'message', text: 'hello from the test' }));
    });
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data));
      if (frame.type === 'done') {
        ws.close();
        resolve(frame.text);
      } else if (frame.type === 'error') reject(new Error(frame.message));
    });
    ws.on('error', reject);
  });
}

/** A raw HTTP request with a chosen Host header (fetch does not let one set it). */
function rawRequest(
  url: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<number> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, method, path, headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('browser origin and Host checks on a loopback gateway', () => {
  let hearth: Hearth;
  let fake: ModelFake;
  let dir: string;
  let own: string;

  before(async () => {
    fake = await startOpenAIFake();
    dir = mkdtempSync(join(tmpdir(), 'hearth-origin-'));
    const file = join(dir, 'hearth.yml');
    writeFileSync(
      file,
      'voice:\n  enabled: true\n  asr: { provider: pocketsphinx, mode: grammar, phrases: ["what time is it"] }\n',
    );
    const env = {
      HEARTH_HOST: '127.0.0.1',
      HEARTH_PORT: '0',
      HEARTH_DATA_DIR: join(dir, 'data'),
      HEARTH_API_TOKEN: TOKEN,
      MODEL_ENDPOINT: fake.baseUrl,
    };
    hearth = new Hearth({ loaded: loadConfig({ file, env }), env, log: pino({ level: 'silent' }) });
    await hearth.start();
    own = hearth.url;
  });
  after(async () => {
    await hearth.stop();
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a web chat WebSocket from a foreign origin before the upgrade', async () => {
    assert.equal(await upgradeStatus(own, { origin: EVIL }), 403);
    assert.equal(await upgradeStatus(own, { origin: 'null' }), 403);
  });

  it('lets the page of its own origin and clients without an Origin chat', async () => {
    assert.match(await chat(own, { origin: own }), /hello from the test/);
    assert.match(await chat(own, {}), /hello from the test/);
    assert.match(
      await chat(own, {
        origin: own.replace('127.0.0.1', 'localhost'),
        host: own.replace('http://127.0.0.1', 'localhost'),
      }),
      /hello/,
    );
  });

  it('refuses a voice offer from a foreign origin, accepts one from its own', async () => {
    const offer = JSON.stringify({ sdp: 'not really sdp', type: 'offer' });
    const json = { 'content-type': 'application/json' };
    const evil = await fetch(`${own}/voice/offer`, { method: 'POST', headers: { ...json, origin: EVIL }, body: offer });
    assert.equal(evil.status, 403);
    assert.equal(((await evil.json()) as { error: { code: string } }).error.code, 'HEARTH_E_FORBIDDEN');
    // The own origin gets past the guard to the handler, which judges the (bad) SDP itself.
    const mine = await fetch(`${own}/voice/offer`, { method: 'POST', headers: { ...json, origin: own }, body: offer });
    assert.notEqual(mine.status, 403);
  });

  it('refuses a state-changing admin request from a foreign origin even with a token', async () => {
    const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
    const body = JSON.stringify({ model: 'env' });
    const evil = await fetch(`${own}/admin/models/default`, {
      method: 'PUT',
      headers: { ...headers, origin: EVIL },
      body,
    });
    assert.equal(evil.status, 403);
    const cli = await fetch(`${own}/admin/models/default`, { method: 'PUT', headers, body });
    assert.equal(cli.status, 200);
  });

  it('refuses a rebinding Host on every browser surface; probes and webhooks are untouched', async () => {
    const port = new URL(own).port;
    const evilHost = { host: `evil.example:${port}` };
    assert.equal(await upgradeStatus(own, evilHost), 403);
    assert.equal(await rawRequest(own, 'GET', '/', evilHost), 403);
    assert.equal(
      await rawRequest(own, 'POST', '/voice/offer', { ...evilHost, 'content-type': 'application/json' }, '{}'),
      403,
    );
    assert.equal(await rawRequest(own, 'GET', '/admin/models', { ...evilHost, authorization: `Bearer ${TOKEN}` }), 403);
    assert.equal(await rawRequest(own, 'GET', '/', { host: `localhost:${port}` }), 200);
    assert.equal(await rawRequest(own, 'GET', '/', { host: `127.0.0.1:${port}` }), 200);
    assert.equal(await rawRequest(own, 'GET', '/healthz', evilHost), 200);
  });
});

describe('a gateway serving under a domain name', () => {
  let hearth: Hearth;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hearth-origin-'));
    const file = join(dir, 'hearth.yml');
    writeFileSync(
      file,
      "server:\n  allowedHosts: ['chat.example.org']\n  allowedOrigins: ['https://app.example.org']\n",
    );
    const env = {
      HEARTH_HOST: '127.0.0.1',
      HEARTH_PORT: '0',
      HEARTH_DATA_DIR: join(dir, 'data'),
      HEARTH_API_TOKEN: TOKEN,
    };
    hearth = new Hearth({ loaded: loadConfig({ file, env }), env, log: pino({ level: 'silent' }) });
    await hearth.start();
  });
  after(async () => {
    await hearth.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('accepts its configured server name and allowed origin', async () => {
    assert.equal(await rawRequest(hearth.url, 'GET', '/', { host: 'chat.example.org' }), 200);
    assert.equal(
      await upgradeStatus(hearth.url, { host: 'chat.example.org', origin: 'https://chat.example.org' }),
      101,
    );
    assert.equal(await upgradeStatus(hearth.url, { origin: 'https://app.example.org' }), 101);
    assert.equal(await upgradeStatus(hearth.url, { host: 'chat.example.org', origin: EVIL }), 403);
    assert.equal(await rawRequest(hearth.url, 'GET', '/', { host: 'other.example.org' }), 403);
  });
});

describe('origin and host rules', () => {
  it('parses Host headers with ports and IPv6 literals', () => {
    assert.equal(hostName('Example.COM:8080'), 'example.com');
    assert.equal(hostName('[::1]:8080'), '::1');
    assert.equal(hostName('127.0.0.1'), '127.0.0.1');
    assert.ok(hostAllowed('[::1]:8080', []));
    assert.ok(hostAllowed('app.localhost:3000', []));
    assert.ok(!hostAllowed('127.0.0.1.evil.example', []));
    assert.ok(!hostAllowed('localhost.evil.example', []));
  });
  it('compares origins by scheme, host and port', () => {
    assert.ok(originAllowed('http://127.0.0.1:8080', '127.0.0.1:8080', []));
    assert.ok(!originAllowed('http://127.0.0.1:9999', '127.0.0.1:8080', []));
    assert.ok(!originAllowed('https://evil.example', '127.0.0.1:8080', []));
    assert.ok(originAllowed('https://APP.example.org', '127.0.0.1:8080', ['https://app.example.org']));
    assert.ok(!originAllowed('null', '127.0.0.1:8080', []));
  });
});
