import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SignJWT, importJWK, type JWK } from 'jose';
import { makeFixture, login, bearer, type Fixture } from './fixtures.js';

/** Signs a token with Hearth's real private key, with the given claim/header overrides. */
async function forge(
  f: Fixture,
  opts: { typ?: string; aud?: string; iss?: string; exp?: number; nbf?: number; sid: string; role?: string },
) {
  const jwk = JSON.parse(readFileSync(join(f.dataDir, 'security', 'jwt-signing.jwk'), 'utf8')) as JWK;
  const key = await importJWK({ ...jwk, alg: 'ES256' }, 'ES256');
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ role: opts.role ?? 'admin', via: 'password', sid: opts.sid })
    .setProtectedHeader({ alg: 'ES256', typ: opts.typ ?? 'at+jwt' })
    .setSubject('admin')
    .setIssuer(opts.iss ?? 'hearth')
    .setAudience(opts.aud ?? 'hearth-api')
    .setIssuedAt(now)
    .setNotBefore(opts.nbf ?? now)
    .setExpirationTime(opts.exp ?? now + 600)
    .setJti('forged')
    .sign(key);
}

const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');

function sidOf(token: string): string {
  return (JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as { sid: string }).sid;
}

describe('JWT access and refresh tokens', () => {
  let f: Fixture;
  before(async () => {
    f = await makeFixture({ jwt: { clockSkewSec: 5 }, rateLimit: { login: { limit: 1000 } } }, (app) => {
      app.get('/admin/models', async () => ({ models: [] }));
    });
  });
  after(() => f.close());

  const get = (token?: string, headers: Record<string, string> = {}) =>
    f.app.inject({ method: 'GET', url: '/admin/models', headers: { ...(token ? bearer(token) : {}), ...headers } });

  it('a local login yields a working access token; a wrong password is 401', async () => {
    const ok = await login(f.app);
    assert.equal(ok.status, 200);
    assert.equal((await get(ok.body.accessToken)).statusCode, 200);
    assert.equal((await login(f.app, 'wrong password')).status, 401);
  });

  it('a forged token signed with the real key is accepted only when every claim is right (control)', async () => {
    const { body } = await login(f.app);
    const good = await forge(f, { sid: sidOf(body.accessToken) });
    assert.equal((await get(good)).statusCode, 200);
  });

  it('rejects missing and malformed credentials with 401', async () => {
    assert.equal((await get()).statusCode, 401);
    assert.equal((await get(undefined, { authorization: 'Bearer' })).statusCode, 401);
    assert.equal((await get(undefined, { authorization: 'Basic YWRtaW46YWRtaW4=' })).statusCode, 401);
    assert.equal((await get('not.a.jwt')).statusCode, 401);
    const res = await get('garbage');
    assert.equal(res.json().error.code, 'HEARTH_E_UNAUTHORIZED');
  });

  it('rejects alg:none', async () => {
    const { body } = await login(f.app);
    const [h, p] = body.accessToken.split('.');
    const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as Record<string, unknown>;
    const none = `${b64({ ...header, alg: 'none' })}.${p}.`;
    assert.equal((await get(none)).statusCode, 401);
  });

  it('rejects HS256 tokens signed with the public key as the HMAC secret (algorithm confusion)', async () => {
    const { body } = await login(f.app);
    const jwk = JSON.parse(readFileSync(join(f.dataDir, 'security', 'jwt-signing.jwk'), 'utf8')) as JWK;
    const { d: _d, ...pub } = jwk;
    const now = Math.floor(Date.now() / 1000);
    for (const secret of [JSON.stringify(pub), `${pub.x}${pub.y}`]) {
      const hs = await new SignJWT({ role: 'admin', via: 'password', sid: sidOf(body.accessToken) })
        .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' })
        .setSubject('admin')
        .setIssuer('hearth')
        .setAudience('hearth-api')
        .setIssuedAt(now)
        .setExpirationTime(now + 600)
        .setJti('x')
        .sign(new TextEncoder().encode(secret));
      assert.equal((await get(hs)).statusCode, 401);
    }
  });

  it('rejects expired, not-yet-valid, wrong-audience, wrong-issuer and wrong-type tokens', async () => {
    const { body } = await login(f.app);
    const sid = sidOf(body.accessToken);
    const now = Math.floor(Date.now() / 1000);
    const cases = {
      expired: await forge(f, { sid, exp: now - 60 }),
      notYetValid: await forge(f, { sid, nbf: now + 120 }),
      wrongAudience: await forge(f, { sid, aud: 'someone-else' }),
      wrongIssuer: await forge(f, { sid, iss: 'https://evil.example' }),
      refreshTypeAsAccess: await forge(f, { sid, typ: 'refresh+jwt' }),
    };
    for (const [name, token] of Object.entries(cases)) assert.equal((await get(token)).statusCode, 401, name);
    // The refresh token itself is not an access token.
    assert.equal((await get(body.refreshToken)).statusCode, 401);
  });

  it('rejects a tampered signature or payload', async () => {
    const { body } = await login(f.app);
    const [h, p, s] = body.accessToken.split('.');
    const flipped = `${h}.${p}.${s.slice(0, -2)}${s.endsWith('AA') ? 'BB' : 'AA'}`;
    assert.equal((await get(flipped)).statusCode, 401);
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    const elevated = `${h}.${b64({ ...claims, sub: 'someone-else' })}.${s}`;
    assert.equal((await get(elevated)).statusCode, 401);
  });

  it('rotates refresh tokens; reusing a rotated one is rejected and revokes the whole session', async () => {
    const first = (await login(f.app)).body;
    const r1 = await f.app.inject({
      method: 'POST',
      url: '/auth/refresh',
      payload: { refreshToken: first.refreshToken },
    });
    assert.equal(r1.statusCode, 200);
    const second = r1.json() as { accessToken: string; refreshToken: string };
    assert.notEqual(second.refreshToken, first.refreshToken);
    assert.equal((await get(second.accessToken)).statusCode, 200);

    const replay = await f.app.inject({
      method: 'POST',
      url: '/auth/refresh',
      payload: { refreshToken: first.refreshToken },
    });
    assert.equal(replay.statusCode, 401);
    // The family is revoked: the legitimate newer tokens stop working too.
    assert.equal((await get(second.accessToken)).statusCode, 401);
    const r2 = await f.app.inject({
      method: 'POST',
      url: '/auth/refresh',
      payload: { refreshToken: second.refreshToken },
    });
    assert.equal(r2.statusCode, 401);
    const rows = [];
    for await (const line of f.security.audit.export())
      rows.push(JSON.parse(line) as { action: string; result: string; detail: { reason?: string } });
    assert.ok(rows.some((r) => r.action === 'auth.refresh' && r.result === 'denied' && r.detail.reason === 'reused'));
  });

  it('logout revokes the session', async () => {
    const { body } = await login(f.app);
    const out = await f.app.inject({
      method: 'POST',
      url: '/auth/logout',
      payload: { refreshToken: body.refreshToken },
    });
    assert.equal(out.statusCode, 204);
    assert.equal((await get(body.accessToken)).statusCode, 401);
    const again = await f.app.inject({
      method: 'POST',
      url: '/auth/refresh',
      payload: { refreshToken: body.refreshToken },
    });
    assert.equal(again.statusCode, 401);
  });

  it('bad login bodies get 400 in the API error shape', async () => {
    const res = await f.app.inject({
      method: 'POST',
      url: '/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: '{"username":',
    });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error.code, 'HEARTH_E_BAD_REQUEST');
  });
});
