import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type PeerCertificate } from 'node:tls';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Server } from 'node:https';
import { makeFixture, type Fixture } from './fixtures.js';

/** Creates a self-signed certificate with the given common name into dir/<name>.{crt,key}. */
function makeCert(dir: string, name: string): void {
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      `/CN=${name}`,
      '-keyout',
      join(dir, `${name}.key`),
      '-out',
      join(dir, `${name}.crt`),
    ],
    { stdio: 'ignore' },
  );
}

/** Connects and returns the negotiated protocol and the server certificate's CN (or the error). */
function probe(
  port: number,
  opts: { maxVersion?: 'TLSv1.2' | 'TLSv1.3'; minVersion?: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' } = {},
): Promise<{ protocol?: string; cn?: string; error?: string }> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...opts }, () => {
      const cert = s.getPeerCertificate() as PeerCertificate;
      resolve({ protocol: s.getProtocol() ?? undefined, cn: String(cert.subject?.CN) });
      s.end();
    });
    s.on('error', (e) => resolve({ error: e.message }));
  });
}

describe('native HTTPS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-tls-'));
  let f: Fixture;
  let app: FastifyInstance;
  let port: number;
  before(async () => {
    makeCert(dir, 'first');
    makeCert(dir, 'second');
    copyFileSync(join(dir, 'first.crt'), join(dir, 'live.crt'));
    copyFileSync(join(dir, 'first.key'), join(dir, 'live.key'));
    f = await makeFixture({
      tls: { cert: join(dir, 'live.crt'), key: join(dir, 'live.key'), minVersion: 'TLSv1.3', reloadIntervalMs: 50 },
    });
    app = Fastify({ https: f.security.tlsOptions()! });
    app.get('/healthz', async () => ({ ok: true }));
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as { port: number }).port;
    f.security.watchCertificates(app.server as Server);
  });
  after(async () => {
    await app.close();
    await f.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves HTTPS with the configured certificate and refuses older TLS versions', async () => {
    const ok = await probe(port);
    assert.equal(ok.cn, 'first');
    assert.equal(ok.protocol, 'TLSv1.3');
    const old = await probe(port, { maxVersion: 'TLSv1.2' });
    assert.ok(old.error, 'a TLS 1.2 client is refused when minVersion is 1.3');
  });

  it('reloads a renewed certificate without a restart', async () => {
    copyFileSync(join(dir, 'second.key'), join(dir, 'live.key'));
    copyFileSync(join(dir, 'second.crt'), join(dir, 'live.crt'));
    let cn: string | undefined;
    for (let i = 0; i < 60 && cn !== 'second'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      cn = (await probe(port)).cn;
    }
    assert.equal(cn, 'second');
  });
});

describe('TLS defaults', () => {
  it('the default minimum is TLS 1.2', async () => {
    const { securityConfig } = await import('./fixtures.js');
    assert.equal(securityConfig({ tls: { cert: 'a', key: 'b' } }).tls?.minVersion, 'TLSv1.2');
  });
});
