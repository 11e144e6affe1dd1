import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { makeFixture, issueToken, bearer, type Fixture } from './fixtures.js';
import { MemoryRateLimiter } from '../../src/security/rate-limiter.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('rate limits (memory)', () => {
  let f: Fixture;
  before(async () => {
    f = await makeFixture(
      {
        rateLimit: {
          ip: { limit: 3, windowSec: 60 },
          user: { limit: 2, windowSec: 60 },
          login: { limit: 2, windowSec: 60 },
        },
      },
      (app, security) => {
        app.register(async (scope) => {
          scope.addHook('onRequest', security.rateLimit('ip'));
          scope.get('/v1/ip-limited', async () => ({ ok: true }));
        });
        app.register(async (scope) => {
          scope.addHook('onRequest', security.rateLimit('user'));
          scope.get('/v1/user-limited', async () => ({ ok: true }));
        });
      },
    );
  });
  after(() => f.close());

  it('a burst from one IP gets 429 with Retry-After; another IP is unaffected', async () => {
    const codes = [];
    for (let i = 0; i < 5; i++)
      codes.push((await f.app.inject({ url: '/v1/ip-limited', remoteAddress: '198.51.100.1' })).statusCode);
    assert.deepEqual(codes, [200, 200, 200, 429, 429]);
    const res = await f.app.inject({ url: '/v1/ip-limited', remoteAddress: '198.51.100.1' });
    assert.equal(res.json().error.code, 'HEARTH_E_RATE_LIMITED');
    const retry = Number(res.headers['retry-after']);
    assert.ok(retry >= 1 && retry <= 60, `Retry-After ${retry}`);
    assert.equal((await f.app.inject({ url: '/v1/ip-limited', remoteAddress: '198.51.100.2' })).statusCode, 200);
  });

  it('counts per user/token, not per IP', async () => {
    const a = (await issueToken(f.app, 'viewer')).token;
    const b = (await issueToken(f.app, 'viewer')).token;
    const hit = (t: string, ip: string) =>
      f.app.inject({ url: '/v1/user-limited', headers: bearer(t), remoteAddress: ip });
    assert.equal((await hit(a, '192.0.2.1')).statusCode, 200);
    assert.equal((await hit(a, '192.0.2.2')).statusCode, 200);
    assert.equal((await hit(a, '192.0.2.3')).statusCode, 429, 'changing IP does not reset a user');
    assert.equal((await hit(b, '192.0.2.3')).statusCode, 200);
  });

  it('limits login attempts per IP', async () => {
    const attempt = () =>
      f.app.inject({
        method: 'POST',
        url: '/auth/login',
        remoteAddress: '203.0.113.50',
        payload: { username: 'admin', password: 'guess' },
      });
    assert.equal((await attempt()).statusCode, 401);
    assert.equal((await attempt()).statusCode, 401);
    const third = await attempt();
    assert.equal(third.statusCode, 429);
    assert.ok(third.headers['retry-after']);
  });

  it('limits channel senders', async () => {
    const results = [];
    for (let i = 0; i < 32; i++) results.push((await f.security.hitSender('telegram', '42')).allowed);
    assert.equal(results.filter(Boolean).length, 30);
    assert.equal((await f.security.hitSender('telegram', '43')).allowed, true);
  });

  it('stays bounded under a flood of distinct keys', async () => {
    const m = new MemoryRateLimiter(1000);
    for (let i = 0; i < 5000; i++) await m.hit(`k${i}`, { limit: 1, windowSec: 60 });
    assert.ok((m as unknown as { windows: Map<string, unknown> }).windows.size <= 1000);
    await m.close();
  });
});

describe('rate limits shared across two processes through Redis', () => {
  const children: ChildProcess[] = [];
  const ports: number[] = [];

  before(async () => {
    const script = fileURLToPath(new URL('./rate-limit-child.js', import.meta.url));
    for (let i = 0; i < 2; i++) {
      const child = spawn(process.execPath, [script], {
        env: { ...process.env, REDIS_URL },
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      children.push(child);
      const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
      ports.push((JSON.parse(line) as { port: number }).port);
    }
  });
  after(async () => {
    for (const c of children) {
      c.stdin!.end();
      if (c.exitCode === null) await once(c, 'exit');
    }
  });

  it('the limit of 6 holds across both replicas together', async () => {
    // A fresh client address per run keeps earlier runs' counters out of the way.
    const ip = `198.18.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;
    const statuses: number[] = [];
    const pids = new Set<number>();
    for (let i = 0; i < 10; i++) {
      const res = await fetch(`http://127.0.0.1:${ports[i % 2]}/ping`, { headers: { 'x-forwarded-for': ip } });
      statuses.push(res.status);
      if (res.status === 200) pids.add(((await res.json()) as { pid: number }).pid);
      else {
        assert.ok(Number(res.headers.get('retry-after')) >= 1);
        await res.arrayBuffer();
      }
    }
    assert.equal(pids.size, 2, 'both processes answered');
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 200, 429, 429, 429, 429]);
  });
});
