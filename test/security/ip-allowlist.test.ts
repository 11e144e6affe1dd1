import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CidrList } from '../../src/security/cidr.js';
import { clientIp } from '../../src/security/client-ip.js';
import { makeFixture, type Fixture } from './fixtures.js';

const req = (remoteAddress: string, xff?: string) => ({
  headers: xff ? { 'x-forwarded-for': xff } : {},
  socket: { remoteAddress },
});

describe('client IP behind proxies', () => {
  const proxies = new CidrList(['10.0.0.0/8', 'fd00::/8']);

  it('uses the socket peer when there are no trusted proxies', () => {
    assert.equal(clientIp(req('203.0.113.9', '1.2.3.4'), new CidrList([])), '203.0.113.9');
  });

  it('ignores X-Forwarded-For sent by an untrusted peer (spoofing)', () => {
    assert.equal(clientIp(req('203.0.113.9', '10.1.1.1'), proxies), '203.0.113.9');
    assert.equal(clientIp(req('::ffff:203.0.113.9', '192.168.1.1'), proxies), '203.0.113.9');
  });

  it('walks X-Forwarded-For from the right through trusted proxies only', () => {
    assert.equal(clientIp(req('10.0.0.2', '198.51.100.7'), proxies), '198.51.100.7');
    // The client prepended a fake entry; the rightmost untrusted hop is the real client.
    assert.equal(clientIp(req('10.0.0.2', '127.0.0.1, 198.51.100.7, 10.0.0.5'), proxies), '198.51.100.7');
    assert.equal(clientIp(req('fd00::1', '2001:db8::7'), proxies), '2001:db8::7');
    assert.equal(clientIp(req('10.0.0.2', 'garbage, 10.0.0.3'), proxies), '10.0.0.3');
  });

  it('rejects malformed CIDRs at startup', () => {
    assert.throws(() => new CidrList(['10.0.0.0/33']), /not an IP address or CIDR/);
    assert.throws(() => new CidrList(['example.com']), /not an IP address or CIDR/);
  });
});

describe('IP allowlist hooks', () => {
  let f: Fixture;
  before(async () => {
    f = await makeFixture(
      {
        ipAllowlist: {
          trustedProxies: ['10.0.0.1'],
          admin: ['192.168.0.0/16', '2001:db8::/32'],
          webhooks: ['149.154.160.0/20'],
        },
      },
      (app, security) => {
        app.register(async (scope) => {
          scope.addHook('onRequest', security.ipAllowlist('webhooks'));
          scope.post('/webhooks/telegram', async () => ({ ok: true }));
        });
        app.register(async (scope) => {
          scope.addHook('onRequest', security.ipAllowlist('api'));
          scope.get('/v1/ping', async () => ({ ok: true }));
        });
      },
    );
  });
  after(() => f.close());

  const call = (method: 'GET' | 'POST', url: string, remoteAddress: string, xff?: string) =>
    f.app.inject({
      method,
      url,
      remoteAddress,
      headers: xff ? { 'x-forwarded-for': xff } : {},
      payload: method === 'POST' ? {} : undefined,
    });

  it('admits listed addresses and refuses others with 403', async () => {
    assert.equal((await call('POST', '/webhooks/telegram', '149.154.167.10')).statusCode, 200);
    const refused = await call('POST', '/webhooks/telegram', '203.0.113.5');
    assert.equal(refused.statusCode, 403);
    assert.equal(refused.json().error.code, 'HEARTH_E_FORBIDDEN');
    // /auth is on the admin surface.
    assert.equal((await call('GET', '/auth/me', '192.168.4.4')).statusCode, 401);
    assert.equal((await call('GET', '/auth/me', '203.0.113.5')).statusCode, 403);
    assert.equal((await call('GET', '/auth/me', '2001:db8::5')).statusCode, 401);
    // An empty list admits everyone.
    assert.equal((await call('GET', '/v1/ping', '203.0.113.5')).statusCode, 200);
  });

  it('believes X-Forwarded-For only from the trusted proxy', async () => {
    assert.equal((await call('POST', '/webhooks/telegram', '10.0.0.1', '149.154.167.10')).statusCode, 200);
    assert.equal((await call('POST', '/webhooks/telegram', '10.0.0.1', '203.0.113.5')).statusCode, 403);
    // The same header from an untrusted peer is ignored: the peer itself is judged.
    assert.equal((await call('POST', '/webhooks/telegram', '203.0.113.5', '149.154.167.10')).statusCode, 403);
  });
});
