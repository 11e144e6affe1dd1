/**
 * Thousands of malformed requests against the real `hearth start` process: bad JSON, huge
 * bodies, bad headers and raw protocol garbage, bad tokens. Every answer must be a 4xx, the
 * process must stay up and answer /healthz, and its memory must stay bounded.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { startHearth, type HearthProcess } from '../harness.js';

const TOTAL_HTTP = 2400;
const TOTAL_RAW = 300;
const CONCURRENCY = 16;

function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

/** A deterministic pseudo-random generator, so a failure can be replayed. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');

function badToken(r: () => number): string {
  const kinds = [
    () => `${b64({ alg: 'none', typ: 'at+jwt' })}.${b64({ sub: 'admin', role: 'admin', exp: 9e9 })}.`,
    () => `${b64({ alg: 'HS256' })}.${b64({ sub: 'admin' })}.${'A'.repeat(43)}`,
    () => `hth_${'x'.repeat(12)}_${'y'.repeat(43)}`,
    () =>
      Buffer.from(Array.from({ length: 1 + Math.floor(r() * 60) }, () => 33 + Math.floor(r() * 90)))
        .toString('latin1')
        .replace(/\s/g, ''),
    () => 'e'.repeat(9000),
    () => 'eyJ.eyJ.',
  ];
  return kinds[Math.floor(r() * kinds.length)]();
}

interface Case {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
}

function httpCase(i: number, r: () => number, token: string): Case {
  const paths = [
    '/admin/models',
    '/admin/models/default',
    '/admin/channels',
    '/v1/chat/completions',
    '/v1/models',
    '/admin/tokens',
    '/auth/refresh',
  ];
  const path = paths[i % paths.length];
  const method = path.endsWith('default')
    ? 'PUT'
    : path.startsWith('/v1/chat') || path.startsWith('/auth')
      ? 'POST'
      : ['GET', 'POST', 'DELETE'][i % 3];
  const bodies: Array<() => string | Buffer> = [
    () => '{"model":',
    () => '{'.repeat(5000),
    () => '\u0000\u0001\u0002',
    () => '[' + '1,'.repeat(100) + ']',
    () => JSON.stringify({ messages: 'not-an-array', model: 7 }),
    () => Buffer.alloc(2 * 1024 * 1024, 'a'),
    () => '{"__proto__":{"admin":true}}',
  ];
  const kind = i % 4;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (kind === 0) headers.authorization = `Bearer ${badToken(r)}`;
  else if (kind === 1)
    headers.authorization = ['Basic Zm9vOmJhcg==', 'Bearer', 'bearer  ', `Bearer ${token}x`, 'Token abc'][i % 5];
  else if (kind === 2)
    headers['content-type'] = [
      'text/plain',
      'application/x-www-form-urlencoded',
      'application/json; charset=utf-7',
      'multipart/form-data',
    ][i % 4];
  // kind 3: no credentials at all.
  const body = method === 'GET' || method === 'DELETE' ? undefined : bodies[Math.floor(r() * bodies.length)]();
  return { method, path, headers, body };
}

const rawCases: string[] = [
  'GARBAGE\r\n\r\n',
  'GET /admin/models HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\nabcde',
  'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\nzz\r\n',
  'GET /admin/models HTTP/1.1\r\nHost: x\r\nX-Big: ' + 'a'.repeat(70_000) + '\r\n\r\n',
  'GET /admin/models HTTP/1.1\r\nHo st: x\r\n\r\n',
  'GET /admin/models HTTP/9.9\r\nHost: x\r\n\r\n',
  'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n',
  'GET /admin/\u0000models HTTP/1.1\r\nHost: x\r\n\r\n',
  'GET /admin/models HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \u00ff\u00fe\r\n\r\n',
];

/** Sends raw bytes and returns the status code of the first response line (0 when the server just closed). */
function raw(port: number, payload: string): Promise<number> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let data = '';
    const done = () => resolve(Number(/^HTTP\/1\.[01] (\d{3})/.exec(data)?.[1] ?? 0));
    s.setTimeout(3000, () => s.destroy());
    s.on('data', (c) => {
      data += c.toString('latin1');
      if (data.includes('\r\n')) s.destroy();
    });
    s.on('close', done);
    s.on('error', () => {});
    s.write(payload, 'latin1');
  });
}

describe('fuzzing the running process', () => {
  let h: HearthProcess;
  before(async () => {
    h = await startHearth();
  });
  after(async () => {
    await h?.stop();
  });

  it('answers every malformed request with a 4xx and stays up with bounded memory', { timeout: 20_000 }, async () => {
    const pid = h.proc.pid!;
    // Warm up so the baseline includes lazily loaded code.
    for (let i = 0; i < 50; i++)
      await (await fetch(`${h.baseUrl}/admin/models`, { headers: { authorization: 'Bearer nope' } })).arrayBuffer();
    const baseline = rssKb(pid);
    const r = rng(42);
    const bad: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < TOTAL_HTTP) {
        const i = next++;
        const c = httpCase(i, r, h.token);
        try {
          const res = await fetch(`${h.baseUrl}${c.path}`, { method: c.method, headers: c.headers, body: c.body });
          await res.arrayBuffer();
          if (res.status < 400 || res.status >= 500)
            bad.push(`${c.method} ${c.path} ${JSON.stringify(c.headers).slice(0, 120)} -> ${res.status}`);
        } catch (err) {
          // The server may close the connection on a huge body after answering 413; that is fine.
          if (!(c.body instanceof Buffer)) bad.push(`${c.method} ${c.path} -> ${(err as Error).message}`);
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    for (let i = 0; i < TOTAL_RAW; i++) {
      const status = await raw(h.port, rawCases[i % rawCases.length]);
      if (status !== 0 && (status < 400 || status >= 500)) bad.push(`raw #${i % rawCases.length} -> ${status}`);
    }
    assert.deepEqual(bad.slice(0, 10), [], `${bad.length} requests got a non-4xx answer`);
    assert.equal(h.proc.exitCode, null, 'the process is still running');
    const health = await fetch(`${h.baseUrl}/healthz`);
    assert.equal(health.status, 200);
    const growthMb = (rssKb(pid) - baseline) / 1024;
    assert.ok(growthMb < 150, `memory grew by ${growthMb.toFixed(0)} MB`);
  });
});
