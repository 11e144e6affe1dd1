/**
 * OIDC sign-in from the console's login form, in headless Chromium against a real `hearth` process
 * and a real OpenID provider (the certified `oidc-provider` package, its own login and consent
 * pages) in this test: the form shows "Sign in with <security.oidc.displayName>" because
 * `GET /auth/providers` lists OIDC; the button goes through the provider and back to /console
 * (`postLoginRedirect`), where the console takes the access token from the URL fragment, wipes it
 * from the address bar and is signed in with the role the provider's groups map to. Without OIDC
 * configured the button is absent (test/web/console-browser.test.ts).
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Provider from 'oidc-provider';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../browser.js';
import { freePort, ROOT, startHearth, type HearthProcess } from '../harness.js';

const CLIENT_SECRET = 'console-oidc-client-secret-0123456789';

describe('console sign-in through OpenID Connect', () => {
  let op: Server;
  let h: HearthProcess;
  let browser: Browser;

  before(async () => {
    const port = await freePort();
    const hearth = `http://127.0.0.1:${port}`;
    op = createServer();
    await new Promise<void>((r) => op.listen(0, '127.0.0.1', r));
    const issuer = `http://127.0.0.1:${(op.address() as AddressInfo).port}`;
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
      cookies: { keys: ['console-oidc-cookie-key'] },
      pkce: { required: () => true },
      findAccount: async (_ctx: unknown, sub: string) => ({
        accountId: sub,
        claims: async () => ({ sub, email: `${sub}@example.com`, name: sub, groups: ['staff'] }),
      }),
    });
    op.on('request', provider.callback());
    h = await startHearth({
      env: { HEARTH_PORT: String(port) },
      config: [
        'security:',
        '  oidc:',
        `    issuer: ${issuer}`,
        '    clientId: hearth',
        `    clientSecret: ${CLIENT_SECRET}`,
        '    displayName: Example SSO',
        `    redirectUri: ${hearth}/auth/oidc/callback`,
        '    postLoginRedirect: /console',
        '    roleMap:',
        '      operator: [staff]',
        '    allowInsecureHttp: true',
        '',
      ].join('\n'),
      timeoutMs: 60_000,
    });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await h?.stop();
    op?.closeAllConnections();
    await new Promise((r) => op?.close(r));
  });

  it('offers the provider on the login form and signs in through it, the token wiped from the URL', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(h.baseUrl + '/console');
    const sso = page.getByRole('link', { name: 'Sign in with Example SSO' });
    await sso.waitFor();
    assert.equal(await sso.getAttribute('href'), '/auth/oidc/login');
    mkdirSync(join(ROOT, 'test-artifacts'), { recursive: true });
    await page.screenshot({ path: join(ROOT, 'test-artifacts', 'console-login-oidc.png'), fullPage: true });

    await sso.click();
    // The provider's own pages: a login form, then consent.
    await page.locator('input[name="login"]').fill('carol');
    await page.locator('input[name="password"]').fill('anything');
    await page.locator('button[type="submit"]').click();
    await page.locator('button[type="submit"]').click();

    await page.getByTestId('who').filter({ hasText: 'oidc:carol' }).waitFor({ timeout: 20_000 });
    assert.match((await page.getByTestId('who').textContent()) ?? '', /operator/);
    assert.equal(new URL(page.url()).pathname, '/console');
    assert.equal(new URL(page.url()).hash, '', 'the token is not left in the address bar');
    await page.getByTestId('health').filter({ hasText: 'ready' }).waitFor();
    await page.close();
    assert.deepEqual(errors, []);
  });
});
