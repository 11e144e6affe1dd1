/**
 * OIDC login end to end against a real OpenID provider (the certified `oidc-provider` package)
 * running in this test: discovery, authorization code + PKCE, the provider's own login and consent
 * pages driven by an HTTP client that follows redirects and keeps cookies, ID-token validation,
 * and the Hearth tokens that come out of it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import Provider from 'oidc-provider';
import { createSecurity, type Security } from '../../src/security/index.js';
import { securityConfig, silentLog, MASTER_KEY, API_TOKEN, bearer } from './fixtures.js';

const CLIENT_SECRET = 'oidc-client-secret-0123456789abcdef';

/** An HTTP server listening on a free port whose handler is set later (the issuer URL needs the port). */
type Handler = (req: IncomingMessage, res: ServerResponse) => void;

async function listenLater(): Promise<{ server: Server; port: number; setHandler(h: Handler): void }> {
  let handler: Handler = (_req, res) => res.end();
  const server = createServer((req, res) => handler(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port, setHandler: (h) => (handler = h) };
}

/** A tiny browser: follows redirects, keeps cookies, submits the provider's forms. */
class Browser {
  private readonly jar = new Map<string, string>();
  readonly visited: string[] = [];

  /** When set, a redirect to a URL starting with this is not followed; it is recorded in `stoppedAt`. */
  stopAt?: string;
  stoppedAt?: string;

  async go(url: string, init: { method?: string; body?: URLSearchParams } = {}): Promise<Response> {
    let current = url;
    let method = init.method ?? 'GET';
    let body: URLSearchParams | undefined = init.body;
    for (let hop = 0; hop < 20; hop++) {
      this.visited.push(`${method} ${current}`);
      const res = await fetch(current, {
        method,
        body,
        redirect: 'manual',
        headers: { cookie: [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ') },
      });
      for (const c of res.headers.getSetCookie()) {
        const [pair] = c.split(';');
        const i = pair.indexOf('=');
        const value = pair.slice(i + 1);
        if (value === '' || /max-age=0/i.test(c) || /expires=Thu, 01 Jan 1970/i.test(c))
          this.jar.delete(pair.slice(0, i));
        else this.jar.set(pair.slice(0, i), value);
      }
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        await res.arrayBuffer();
        current = new URL(location, current).href;
        if (this.stopAt && current.startsWith(this.stopAt)) {
          this.stoppedAt = current;
          return res;
        }
        method = 'GET';
        body = undefined;
        continue;
      }
      return res;
    }
    throw new Error('too many redirects');
  }

  /** Fills and submits the first form of an HTML page. */
  async submit(pageUrl: string, html: string, fields: Record<string, string>): Promise<Response> {
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    assert.ok(action, `no form on ${pageUrl}: ${html.slice(0, 300)}`);
    const form = new URLSearchParams();
    for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) form.set(m[1], m[2]);
    for (const [k, v] of Object.entries(fields)) form.set(k, v);
    return this.go(new URL(action.replace(/&amp;/g, '&'), pageUrl).href, { method: 'POST', body: form });
  }

  /** Runs the whole login as `login`, returning Hearth's final response. */
  async loginAs(hearth: string, login: string): Promise<Response> {
    let res = await this.go(`${hearth}/auth/oidc/login`);
    for (
      let step = 0;
      step < 4 && !this.stoppedAt && (res.headers.get('content-type') ?? '').includes('text/html');
      step++
    ) {
      const html = await res.text();
      const page = res.url || this.visited.at(-1)!.split(' ')[1];
      res = html.includes('name="login"')
        ? await this.submit(page, html, { login, password: 'anything' })
        : await this.submit(page, html, {});
    }
    return res;
  }
}

describe('OpenID Connect login against oidc-provider', () => {
  let op: Awaited<ReturnType<typeof listenLater>>;
  let hearthServer: Awaited<ReturnType<typeof listenLater>>;
  let app: FastifyInstance;
  let security: Security;
  let dataDir: string;
  let hearth: string;

  before(async () => {
    op = await listenLater();
    hearthServer = await listenLater();
    const issuer = `http://127.0.0.1:${op.port}`;
    hearth = `http://127.0.0.1:${hearthServer.port}`;
    const provider = new Provider(issuer, {
      clients: [
        {
          client_id: 'hearth',
          client_secret: CLIENT_SECRET,
          redirect_uris: [`${hearth}/auth/oidc/callback`],
          token_endpoint_auth_method: 'client_secret_basic',
        },
      ],
      claims: { openid: ['sub'], email: ['email'], profile: ['groups', 'name'] },
      conformIdTokenClaims: false,
      ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600, AuthorizationCode: 60 },
      cookies: { keys: ['oidc-test-cookie-key'] },
      pkce: { required: () => true },
      findAccount: async (_ctx: unknown, sub: string) => ({
        accountId: sub,
        claims: async () => ({
          sub,
          email: `${sub}@example.com`,
          name: sub,
          groups: sub === 'alice' ? ['hearth-admins'] : sub === 'bob' ? ['staff'] : [],
        }),
      }),
    });
    op.setHandler(provider.callback());

    dataDir = mkdtempSync(join(tmpdir(), 'hearth-oidc-'));
    security = await createSecurity(
      securityConfig({
        oidc: {
          issuer,
          clientId: 'hearth',
          clientSecret: CLIENT_SECRET,
          redirectUri: `${hearth}/auth/oidc/callback`,
          roleMap: { admin: ['hearth-admins'], viewer: ['staff'] },
          allowInsecureHttp: true,
        },
        rateLimit: { login: { limit: 1000 } },
      }),
      { dataDir, log: silentLog, apiToken: API_TOKEN, env: { HEARTH_MASTER_KEY: MASTER_KEY } },
    );
    app = Fastify({
      serverFactory: (handler) => {
        hearthServer.setHandler(handler);
        return hearthServer.server;
      },
    });
    security.protectAdminRoutes(app);
    await security.register(app);
    app.get('/admin/models', async () => ({ models: [] }));
    app.put('/admin/models/default', async () => ({ ok: true }));
    await app.ready();
  });

  after(async () => {
    await app.close();
    await security.close();
    for (const s of [op.server, hearthServer.server]) {
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('logs alice in through the provider with PKCE and maps her group to admin', async () => {
    const browser = new Browser();
    const res = await browser.loginAs(hearth, 'alice');
    assert.equal(res.status, 200, await res.clone().text());
    const body = (await res.json()) as { accessToken: string; refreshToken: string; role: string; subject: string };
    assert.equal(body.role, 'admin');
    assert.equal(body.subject, 'oidc:alice');
    // PKCE was used: the authorization request carried an S256 challenge.
    const authReq = browser.visited.find((v) => v.includes(`127.0.0.1:${op.port}/auth?`))!;
    const q = new URL(authReq.split(' ')[1]).searchParams;
    assert.equal(q.get('code_challenge_method'), 'S256');
    assert.ok(q.get('code_challenge') && q.get('state') && q.get('nonce'));
    // The Hearth token works on the admin API.
    const api = await fetch(`${hearth}/admin/models`, { headers: bearer(body.accessToken) });
    assert.equal(api.status, 200);
    const rows = [];
    for await (const line of security.audit.export())
      rows.push(JSON.parse(line) as { action: string; actor: string; result: string });
    assert.ok(rows.some((r) => r.action === 'auth.login' && r.actor === 'oidc:alice' && r.result === 'ok'));
  });

  it('maps bob to viewer: he can read but not switch models', async () => {
    const res = await new Browser().loginAs(hearth, 'bob');
    const body = (await res.json()) as { accessToken: string; role: string };
    assert.equal(body.role, 'viewer');
    assert.equal((await fetch(`${hearth}/admin/models`, { headers: bearer(body.accessToken) })).status, 200);
    assert.equal(
      (await fetch(`${hearth}/admin/models/default`, { method: 'PUT', headers: bearer(body.accessToken) })).status,
      403,
    );
  });

  it('refuses an account with no mapped role (defaultRole none)', async () => {
    const res = await new Browser().loginAs(hearth, 'mallory');
    assert.equal(res.status, 403);
  });

  it('refuses a callback whose state was not started in this browser (login CSRF) or is replayed', async () => {
    const browser = new Browser();
    const start = await fetch(`${hearth}/auth/oidc/login`, { redirect: 'manual' });
    const state = new URL(start.headers.get('location')!).searchParams.get('state');
    // Another browser (no state cookie) presents the state with a made-up code.
    const forged = await browser.go(`${hearth}/auth/oidc/callback?code=stolen&state=${state}`);
    assert.equal(forged.status, 401);
    const ok = await new Browser().loginAs(hearth, 'alice');
    assert.equal(ok.status, 200);
  });

  it('refuses a tampered authorization code, and a state is good for one callback only', async () => {
    const browser = new Browser();
    browser.stopAt = `${hearth}/auth/oidc/callback`;
    await browser.loginAs(hearth, 'alice');
    const genuine = new URL(browser.stoppedAt!);
    assert.ok(genuine.searchParams.get('code'));
    browser.stopAt = undefined;
    const tampered = new URL(genuine);
    tampered.searchParams.set('code', `${genuine.searchParams.get('code')}x`);
    assert.equal((await browser.go(tampered.href)).status, 401);
    // The failed attempt consumed the state: the genuine code cannot be replayed through it either.
    assert.equal((await browser.go(genuine.href)).status, 401);
  });
});
