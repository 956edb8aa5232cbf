import { randomBytes } from 'node:crypto';
import type { Browser, BrowserContext } from 'playwright-core';
import { registerClient } from './factories/oauth-client.factory.js';
import { TestBrowser } from './helpers/browser.js';
import { LoopbackCallback, launchChromium } from './helpers/chromium.js';
import { withDb } from './helpers/db.js';
import { freePort } from './helpers/free-port.js';
import { exchangeCode, mcpStatus, openConsent, refreshWith, waitForMcpStatus, type TokenSet } from './helpers/oauth-flow.js';
import { TestIdp } from './helpers/oidc-provider.js';
import { InMemoryOAuthProvider, connectWithOAuth } from './helpers/sdk-oauth.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';

class BrowserClientProvider extends InMemoryOAuthProvider {
  state(): string {
    return randomBytes(16).toString('base64url');
  }
}

const SECRET = randomBytes(24).toString('hex');

/**
 * OIDC_ISSUER: a real OpenID provider (node-oidc-provider 9) is the upstream sign-in of the built-in
 * authorization server. People sign in on the provider's own pages; users are keyed by (issuer, sub);
 * ALLOWED_EMAIL_DOMAINS, ALLOWED_GROUPS and ADMIN_GROUPS are checked at sign-in and again at every refresh.
 */
describe('OpenID Connect sign-in (OIDC_ISSUER, oidc-provider upstream)', () => {
  let browser: Browser;
  let context: BrowserContext;
  let app: TestApp;
  const idp = new TestIdp({ alwaysIssueRefreshTokens: true });
  const callback = new LoopbackCallback();

  beforeAll(async () => {
    browser = await launchChromium();
    context = await browser.newContext();
    await callback.start();
    await idp.start();
    const port = await freePort();
    idp.addClient({
      client_id: 'mcp-server',
      client_secret: SECRET,
      redirect_uris: [`http://localhost:${port}/auth/oidc/callback`],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    });
    idp.accounts.set('alice', { email: 'alice@corp.example', email_verified: true, name: 'Alice', groups: ['mcp-users'] });
    idp.accounts.set('boss', { email: 'boss@corp.example', email_verified: true, groups: ['mcp-users', 'mcp-admins'] });
    idp.accounts.set('mallory', { email: 'mallory@evil.example', email_verified: true, groups: ['mcp-users'] });
    idp.accounts.set('unverified', { email: 'unverified@corp.example', email_verified: false, groups: ['mcp-users'] });
    idp.accounts.set('outsider', { email: 'outsider@corp.example', email_verified: true, groups: ['sales'] });
    app = await startTestApp({
      PORT: String(port),
      OIDC_ISSUER: idp.issuer,
      OIDC_CLIENT_ID: 'mcp-server',
      OIDC_CLIENT_SECRET: SECRET,
      OIDC_SCOPES: 'openid email profile groups',
      ALLOWED_EMAIL_DOMAINS: 'corp.example',
      ALLOWED_GROUPS: 'mcp-users',
      ADMIN_GROUPS: 'mcp-admins',
    });
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await callback.stop();
    await app?.close();
    await idp.stop();
  });

  /** Consent here, then the provider's own sign-in and consent pages, over HTTP; returns where our callback sent the browser. */
  async function signInHeadless(login: string, opts: { scope?: string } = {}) {
    const step = await openConsent(app, { followOrigins: [idp.issuer], scope: opts.scope });
    let page = await step.browser.submit(`${app.baseUrl}/authorize/consent`, { ...step.fields, decision: 'approve' });
    expect(new URL(page.url).origin).toBe(idp.issuer);
    for (let i = 0; i < 4 && page.status === 200 && new URL(page.url).origin === idp.issuer; i++) {
      const action = /<form[^>]*action="([^"]+)"/.exec(page.text)?.[1];
      const prompt = /name="prompt" value="([^"]+)"/.exec(page.text)?.[1];
      if (!action || !prompt) throw new Error(`unexpected provider page: ${page.text.slice(0, 300)}`);
      page = await step.browser.submit(
        new URL(action.replace(/&amp;/g, '&'), idp.issuer).toString(),
        prompt === 'login' ? { prompt, login, password: 'x' } : { prompt },
      );
    }
    return { step, page };
  }

  async function tokensFor(login: string, scope?: string): Promise<{ tokens: TokenSet; clientId: string }> {
    const { step, page } = await signInHeadless(login, { scope });
    expect(page.status).toBe(302);
    const back = new URL(page.location!);
    expect(back.searchParams.get('error')).toBeNull();
    const res = await exchangeCode(app, { ...step, code: back.searchParams.get('code')!, callback: back, login, final: page });
    expect(res.status).toBe(200);
    return { tokens: res.json as TokenSet, clientId: step.client.client_id };
  }

  it('signs in through both servers’ pages in Chromium, and the SDK client calls tools as (issuer, sub)', async () => {
    const provider = new BrowserClientProvider(callback.url);
    const { client } = await connectWithOAuth(app.mcpUrl, provider, async (authorizationUrl) => {
      const page = await context.newPage();
      await page.goto(authorizationUrl.toString());
      expect(new URL(page.url()).pathname).toBe('/authorize');
      expect(await page.locator('body').textContent()).toContain('your company account');
      await page.click('#approve');
      await page.waitForURL((u) => u.origin === idp.issuer);
      await page.fill('input[name=login]', 'alice');
      await page.fill('input[name=password]', 'any password');
      await page.click('button[type=submit]');
      await page.waitForSelector('h1:has-text("Authorize")');
      await page.click('button[type=submit]');
      const back = await callback.next();
      expect(back.searchParams.get('error')).toBeNull();
      expect(back.searchParams.get('iss')).toBe(app.baseUrl);
      expect(back.searchParams.get('state')).toBe(authorizationUrl.searchParams.get('state'));
      await callback.closeWhenLoaded(page);
      return back.searchParams.get('code')!;
    });
    const created = await client.callTool({ name: 'notes.create', arguments: { title: 'Signed in at the company IdP' } });
    expect(created.isError).toBeFalsy();
    const listed = await client.callTool({ name: 'notes.list', arguments: {} });
    expect((listed.structuredContent as { notes: { title: string }[] }).notes.map((n) => n.title)).toContain('Signed in at the company IdP');
    await client.close();

    const users = await withDb(async (db) => (await db.query(`SELECT source, login, name, subject FROM users WHERE issuer = $1`, [idp.issuer])).rows);
    expect(users).toEqual([{ source: 'oidc', login: 'alice@corp.example', name: 'Alice', subject: 'alice' }]);
  });

  it('keys people by (issuer, sub): a reassigned email is another person with no access to the first one’s notes', async () => {
    const first = await tokensFor('alice');
    idp.accounts.set('alice-2', { email: 'alice@corp.example', email_verified: true, groups: ['mcp-users'] });
    const second = await tokensFor('alice-2');
    const list = async (t: string) =>
      (await app.rpc({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'notes.list', arguments: {} } }, { authorization: `Bearer ${t}` })).body
        .result.structuredContent.notes as unknown[];
    expect((await list(first.tokens.access_token)).length).toBeGreaterThan(0);
    expect(await list(second.tokens.access_token)).toEqual([]);
  });

  it('refuses in Chromium an email outside ALLOWED_EMAIL_DOMAINS: shows the reason, then sends the browser back with access_denied and iss', async () => {
    const provider = new BrowserClientProvider(callback.url);
    await context.clearCookies(); // no session here nor at the provider
    await expect(
      connectWithOAuth(app.mcpUrl, provider, async (authorizationUrl) => {
        const page = await context.newPage();
        await page.goto(authorizationUrl.toString());
        await page.click('#approve');
        await page.waitForURL((u) => u.origin === idp.issuer);
        await page.fill('input[name=login]', 'mallory');
        await page.fill('input[name=password]', 'any password');
        await page.click('button[type=submit]');
        await page.waitForSelector('h1:has-text("Authorize")');
        await page.click('button[type=submit]');
        await page.waitForSelector('#reason');
        expect(await page.locator('h1').textContent()).toBe('Access not allowed');
        expect(await page.locator('#reason').textContent()).toContain('evil.example');
        // No click: the page itself sends the browser back to the client.
        const back = await callback.next(15_000);
        expect(back.searchParams.get('error')).toBe('access_denied');
        expect(back.searchParams.get('iss')).toBe(app.baseUrl);
        expect(back.searchParams.get('state')).toBe(authorizationUrl.searchParams.get('state'));
        expect(back.searchParams.get('code')).toBeNull();
        expect(await page.locator('body').textContent()).toBe('done');
        await callback.closeWhenLoaded(page);
        throw new Error('refused as expected');
      }),
    ).rejects.toThrow('refused as expected');
  });

  it('refuses an unverified email, and a person outside ALLOWED_GROUPS, with access_denied back to the client', async () => {
    for (const login of ['unverified', 'outsider']) {
      const { step, page } = await signInHeadless(login);
      expect(page.status).toBe(403);
      const back = new URL(/url=([^"]+)"/.exec(page.text)![1].replace(/&amp;/g, '&'));
      expect(back.origin + back.pathname).toBe(step.redirectUri);
      expect(back.searchParams.get('error')).toBe('access_denied');
      expect(back.searchParams.get('iss')).toBe(app.baseUrl);
      expect(back.searchParams.get('state')).toBe(step.state);
      expect(page.text).toContain(login === 'unverified' ? 'verified email' : 'not in a group');
    }
    const stored = await withDb(
      async (db) =>
        (await db.query(`SELECT count(*)::int AS n FROM users WHERE issuer = $1 AND subject IN ('unverified', 'outsider')`, [idp.issuer])).rows[0].n,
    );
    expect(stored).toBe(0);
  });

  it('refuses a disabled person with access_denied back to the client', async () => {
    idp.accounts.set('leaver', { email: 'leaver@corp.example', email_verified: true, groups: ['mcp-users'] });
    await tokensFor('leaver');
    await withDb((db) => db.query(`UPDATE users SET disabled_at = now() WHERE issuer = $1 AND subject = 'leaver'`, [idp.issuer]));
    const { page } = await signInHeadless('leaver');
    expect(page.status).toBe(403);
    expect(page.text).toContain('Account disabled');
    expect(page.text).toContain('error=access_denied');
  });

  it('ends access at the next refresh when the person is removed from the allowed group', async () => {
    idp.accounts.set('carol', { email: 'carol@corp.example', email_verified: true, groups: ['mcp-users'] });
    const { tokens, clientId } = await tokensFor('carol');
    expect(tokens.refresh_token).toBeTruthy();
    // Control: while in the group, refreshing works.
    const ok = await refreshWith(app, clientId, tokens.refresh_token!);
    expect(ok.status).toBe(200);
    const next = ok.json as TokenSet;
    expect(await mcpStatus(app, next.access_token)).toBe(200);

    idp.accounts.set('carol', { email: 'carol@corp.example', email_verified: true, groups: ['sales'] });
    const refused = await refreshWith(app, clientId, next.refresh_token!);
    expect(refused.status).toBe(400);
    expect(refused.json).toMatchObject({ error: 'invalid_grant' });
    // The grant is revoked: the access token already issued stops working too.
    expect(await waitForMcpStatus(app, next.access_token, 401)).toBe(401);
  });

  it('grants admin from ADMIN_GROUPS, and takes it away at the next refresh after removal from the group', async () => {
    const { tokens, clientId } = await tokensFor('boss', 'notes:read admin');
    expect(tokens.scope.split(' ').sort()).toEqual(['admin', 'notes:read']);
    const adminCall = (t: string) => fetch(`${app.baseUrl}/admin/users?limit=1`, { headers: { authorization: `Bearer ${t}` } }).then((r) => r.status);
    expect(await adminCall(tokens.access_token)).toBe(200);

    const plain = await tokensFor('alice', 'notes:read admin');
    expect(plain.tokens.scope).toBe('notes:read');

    idp.accounts.set('boss', { email: 'boss@corp.example', email_verified: true, groups: ['mcp-users'] });
    const refreshed = await refreshWith(app, clientId, tokens.refresh_token!);
    expect(refreshed.status).toBe(200);
    expect((refreshed.json as TokenSet).scope).toBe('notes:read');
    expect(await adminCall((refreshed.json as TokenSet).access_token)).toBe(403);
  });

  it('refuses a replayed or foreign callback state, and an unknown one, without reaching the provider', async () => {
    const step = await openConsent(app);
    const started = await step.browser.request(`${app.baseUrl}/authorize/consent`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...step.fields, decision: 'approve' }).toString(),
    });
    const auth = new URL(started.location!);
    expect(auth.origin).toBe(idp.issuer);
    expect(auth.searchParams.get('code_challenge_method')).toBe('S256');
    expect(auth.searchParams.get('nonce')).toBeTruthy();
    const state = auth.searchParams.get('state')!;
    const stranger = new TestBrowser([app.baseUrl]);
    const foreign = await stranger.request(`${app.baseUrl}/auth/oidc/callback?code=x&state=${encodeURIComponent(state)}`);
    expect(foreign.status).toBe(400);
    const bogus = await step.browser.request(`${app.baseUrl}/auth/oidc/callback?code=x&state=nope`);
    expect(bogus.status).toBe(400);
    // A forged code with the right state: the provider refuses it; the client is told, not left waiting.
    const forged = await step.browser.request(
      `${app.baseUrl}/auth/oidc/callback?code=forged&state=${encodeURIComponent(state)}&iss=${encodeURIComponent(idp.issuer)}`,
    );
    expect(forged.status).toBe(502);
    expect(forged.text).toContain('error=server_error');
    const replay = await step.browser.request(`${app.baseUrl}/auth/oidc/callback?code=forged&state=${encodeURIComponent(state)}`);
    expect(replay.status).toBe(400);
  });

  it('passes a cancellation at the provider back to the client as access_denied, after saying so', async () => {
    const step = await openConsent(app);
    const started = await step.browser.request(`${app.baseUrl}/authorize/consent`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...step.fields, decision: 'approve' }).toString(),
    });
    const state = new URL(started.location!).searchParams.get('state')!;
    const cancelled = await step.browser.request(`${app.baseUrl}/auth/oidc/callback?error=access_denied&state=${encodeURIComponent(state)}`);
    expect(cancelled.status).toBe(403);
    expect(cancelled.text).toContain('Sign-in cancelled');
    const back = new URL(/url=([^"]+)"/.exec(cancelled.text)![1].replace(/&amp;/g, '&'));
    expect(back.origin + back.pathname).toBe(step.redirectUri);
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect(back.searchParams.get('state')).toBe(step.state);
    expect(back.searchParams.get('iss')).toBe(app.baseUrl);
  });

  it('offers a choice page when GitHub is configured too', async () => {
    const port = await freePort();
    idp.addClient({
      client_id: 'mcp-server-2',
      client_secret: SECRET,
      redirect_uris: [`http://localhost:${port}/auth/oidc/callback`],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    });
    const both = await startTestApp({
      PORT: String(port),
      OIDC_ISSUER: idp.issuer,
      OIDC_CLIENT_ID: 'mcp-server-2',
      OIDC_CLIENT_SECRET: SECRET,
      GITHUB_CLIENT_ID: 'gh-app',
      GITHUB_CLIENT_SECRET: 'gh-secret',
      GITHUB_AUTHORIZE_URL: 'http://127.0.0.1:9/login/oauth/authorize',
    });
    try {
      const client = await registerClient(both);
      const step = await openConsent(both, { client, followOrigins: [idp.issuer] });
      expect(step.page.text).toContain('your company account or GitHub');
      const choice = await step.browser.submit(`${both.baseUrl}/authorize/consent`, { ...step.fields, decision: 'approve' });
      expect(new URL(choice.url).pathname).toBe('/auth/choose');
      const links = [...choice.text.matchAll(/href="([^"]+)"/g)].map((m) => new URL(m[1].replace(/&amp;/g, '&'), both.baseUrl));
      const github = links.find((u) => u.pathname === '/auth/github')!;
      const oidc = links.find((u) => u.pathname === '/auth/oidc')!;
      const toGithub = await step.browser.request(github.toString());
      expect(toGithub.status).toBe(302);
      expect(new URL(toGithub.location!).origin).toBe('http://127.0.0.1:9');
      const toIdp = await step.browser.request(oidc.toString());
      expect(toIdp.status).toBe(302);
      expect(new URL(toIdp.location!).origin).toBe(idp.issuer);
      // Another browser cannot use the choice links.
      expect((await new TestBrowser([both.baseUrl]).request(oidc.toString())).status).toBe(400);
      // The whole sign-in still completes through the provider.
      const signedIn = await approveAndSignInAtIdp(step.browser, toIdp.location!, 'alice');
      expect(signedIn.searchParams.get('code')).toBeTruthy();
      expect(signedIn.searchParams.get('iss')).toBe(both.baseUrl);
    } finally {
      await both.close();
    }
  });

  /** From the provider's authorization URL: its sign-in and consent pages, then back through our callback. */
  async function approveAndSignInAtIdp(b: TestBrowser, url: string, login: string): Promise<URL> {
    let page = await b.visit(url);
    for (let i = 0; i < 4 && page.status === 200; i++) {
      const action = /<form[^>]*action="([^"]+)"/.exec(page.text)![1];
      const prompt = /name="prompt" value="([^"]+)"/.exec(page.text)![1];
      page = await b.submit(new URL(action.replace(/&amp;/g, '&'), idp.issuer).toString(), prompt === 'login' ? { prompt, login, password: 'x' } : { prompt });
    }
    expect(page.status).toBe(302);
    return new URL(page.location!);
  }
});
