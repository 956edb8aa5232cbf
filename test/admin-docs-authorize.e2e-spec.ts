import { randomBytes } from 'node:crypto';
import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import { DataSource } from 'typeorm';
import { launchChromium } from './helpers/chromium.js';
import { freePort } from './helpers/free-port.js';
import { TestIdp } from './helpers/oidc-provider.js';
import { startTestApp, uniqueLogin, type TestApp } from './helpers/test-app.js';

/** "Try it out" + "Execute" on GET /admin/clients; returns the status Swagger UI shows. */
async function tryAdminClients(page: Page): Promise<string> {
  await page.click('.modal-ux .btn-done, .modal-ux .close-modal').catch(() => undefined);
  const op = page.locator('.opblock-get', { has: page.locator('.opblock-summary-path[data-path="/admin/clients"]') });
  await op.locator('.opblock-summary').click();
  await op.locator('.try-out__btn').click();
  const answered = page.waitForResponse((r) => new URL(r.url()).pathname === '/admin/clients');
  await op.locator('button.execute').click();
  await answered;
  return (await op.locator('.live-responses-table .response .response-col_status').first().textContent())?.trim() ?? '';
}

/**
 * Issue 11 item 2: /docs' "Authorize" button in headless Chromium. Swagger UI runs the authorization
 * code flow with PKCE as the server's own public client, in a popup that goes through the consent
 * page and the dev sign-in page and comes back to /docs/oauth2-redirect.html; then "Try it out" on
 * GET /admin/clients answers 200. A person who is not an administrator gets no admin token.
 */
describe('/docs Authorize (Swagger UI, OAuth 2.1 authorization code + PKCE)', () => {
  const root = uniqueLogin('docs-root');
  let browser: Browser;
  let t: TestApp;
  let context: BrowserContext;

  beforeAll(async () => {
    browser = await launchChromium(); // first: a missing Chromium fails the file with instructions
    t = await startTestApp({ ADMIN_GITHUB_LOGINS: root });
    // One context for the file: the bundled Chromium runs as a single process, and a popup from a second context closes it.
    context = await browser.newContext();
  });
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await t?.close();
  });

  /** Opens /docs with no session, clicks Authorize, and signs in as `login` in the popup. Returns the page and every request made meanwhile. */
  async function authorizeAs(login: string): Promise<{ page: Page; requests: Request[]; problems: string[] }> {
    await context.clearCookies(); // no sign-in session, no remembered consent
    const page = await context.newPage();
    const requests: Request[] = [];
    const problems: string[] = [];
    context.on('request', (r) => void requests.push(r));
    page.on('pageerror', (e) => void problems.push(e.message));
    await page.goto(`${t.baseUrl}/docs`);
    await page.click('.auth-wrapper .btn.authorize');
    const scheme = page.locator('.auth-container', { hasText: 'authorizationCode' });
    await expect(scheme.locator('#client_id_authorizationCode').inputValue()).resolves.toBe('secure-mcp-server-docs');
    const [popup] = await Promise.all([page.waitForEvent('popup'), scheme.locator('button.authorize').click()]);
    popup.on('pageerror', (e) => void problems.push(`popup: ${e.message}`));
    await popup.waitForURL((u) => u.pathname === '/authorize');
    expect(await popup.locator('#client-name').textContent()).toBe('Admin API documentation (/docs)');
    expect(await popup.locator('#scopes code').allTextContents()).toEqual(['admin']);
    await popup.click('#approve');
    await popup.waitForURL((u) => u.pathname === '/auth/dev');
    await popup.fill('#login', login);
    await Promise.all([popup.waitForEvent('close'), popup.click('#sign-in')]); // oauth2-redirect.html hands the code over and closes
    return { page, requests, problems };
  }

  it('registers the docs client: public, for admin only, redirecting exactly to PUBLIC_URL/docs/oauth2-redirect.html', async () => {
    const [row] = await t.app
      .get(DataSource)
      .query<{ kind: string; token_endpoint_auth_method: string; scope: string; grant_types: string[] }[]>(
        `SELECT kind, token_endpoint_auth_method, scope, grant_types FROM oauth_clients WHERE client_id = 'secure-mcp-server-docs'`,
      );
    expect(row).toEqual({ kind: 'static', token_endpoint_auth_method: 'none', scope: 'admin', grant_types: ['authorization_code'] });
    // Another process on the same database with another PUBLIC_URL (as every test app here) wrote the row last:
    // each instance still answers with its own PUBLIC_URL's redirect URI.
    await t.app
      .get(DataSource)
      .query(`UPDATE oauth_clients SET redirect_uris = $1 WHERE client_id = 'secure-mcp-server-docs'`, [['http://localhost:1/docs/oauth2-redirect.html']]);
    const authorize = (redirectUri: string) =>
      fetch(
        `${t.baseUrl}/authorize?${new URLSearchParams({
          response_type: 'code',
          client_id: 'secure-mcp-server-docs',
          redirect_uri: redirectUri,
          code_challenge: 'A'.repeat(43),
          code_challenge_method: 'S256',
          scope: 'admin',
          state: 'x',
        }).toString()}`,
        { redirect: 'manual' },
      );
    expect((await authorize(`${t.baseUrl}/docs/oauth2-redirect.html`)).status).toBe(200); // the consent page
    // (Another port on localhost would match: RFC 8252 §7.3 loopback redirects ignore the port; PUBLIC_URL is https in production.)
    for (const other of [
      `${t.baseUrl}/docs/oauth2-redirect.html?x=1`,
      `${t.baseUrl}/docs/`,
      `${t.baseUrl}/docs/oauth2-redirect.htm`,
      'https://evil.example/docs/oauth2-redirect.html',
    ])
      expect((await authorize(other)).status).toBe(400);
    const redirect = await fetch(`${t.baseUrl}/docs/oauth2-redirect.html`);
    expect(redirect.status).toBe(200);
    expect(redirect.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await redirect.text()).toContain('<script src="oauth2-redirect.js">');
    // The popup keeps its opener through every step of the sign-in (redirects included); other routes keep same-origin.
    expect(redirect.headers.get('cross-origin-opener-policy')).toBe('unsafe-none');
    expect((await fetch(`${t.baseUrl}/docs`)).headers.get('cross-origin-opener-policy')).toBe('same-origin-allow-popups');
    expect((await fetch(`${t.baseUrl}/docs`)).headers.get('x-frame-options')).toBe('DENY');
    expect((await fetch(`${t.baseUrl}/authorize`, { redirect: 'manual' })).headers.get('cross-origin-opener-policy')).toBe('unsafe-none');
    expect((await fetch(`${t.baseUrl}/auth/dev`, { redirect: 'manual' })).headers.get('cross-origin-opener-policy')).toBe('unsafe-none');
    expect((await fetch(`${t.baseUrl}/authorized`)).headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect((await fetch(`${t.baseUrl}/healthz`)).headers.get('cross-origin-opener-policy')).toBe('same-origin');
  });

  it('an administrator signs in through the popup with PKCE, and "Try it out" on GET /admin/clients answers 200', async () => {
    const { page, requests, problems } = await authorizeAs(root);
    // Swagger UI exchanged the code itself (it then offers "Logout"): POST /token with the PKCE verifier and no secret.
    await page.locator('.auth-container', { hasText: 'authorizationCode' }).locator('button[aria-label="Remove authorization"]').waitFor();
    const exchange = requests.find((r) => r.url() === `${t.baseUrl}/token` && r.method() === 'POST');
    expect(exchange).toBeDefined();
    const form = new URLSearchParams(exchange!.postData() ?? '');
    expect(form.get('grant_type')).toBe('authorization_code');
    expect(form.get('client_id')).toBe('secure-mcp-server-docs');
    expect(form.get('redirect_uri')).toBe(`${t.baseUrl}/docs/oauth2-redirect.html`);
    expect(form.get('code_verifier')?.length).toBeGreaterThanOrEqual(43);
    expect(form.get('client_secret')).toBeNull();
    const authorize = new URL(requests.find((r) => new URL(r.url()).pathname === '/authorize')!.url());
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('scope')).toBe('admin');
    expect(authorize.searchParams.get('state')).toBeTruthy();

    expect(await tryAdminClients(page)).toMatch(/^200\b/);
    const call = requests.find((r) => new URL(r.url()).pathname === '/admin/clients');
    expect(call?.headers().authorization).toMatch(/^Bearer ey/);
    expect(problems).toEqual([]);
  });

  it('a person who is not an administrator gets no admin token: the popup comes back with access_denied and no code', async () => {
    const { page, requests } = await authorizeAs(uniqueLogin('docs-plain'));
    await page.locator('.auth-container .errors').waitFor();
    expect(await page.locator('.auth-container .errors').textContent()).toContain('access_denied');
    // Swagger UI shows the description as sent, form-encoded (RFC 6749 Appendix B: "+" for spaces).
    expect(await page.locator('.auth-container .errors').textContent()).toMatch(/reserved.for.administrators/);
    expect(requests.filter((r) => r.url() === `${t.baseUrl}/token`)).toEqual([]);
    // Control: without a token the same "Try it out" is refused.
    expect(await tryAdminClients(page)).toMatch(/^401\b/);
  });
});

/**
 * The same button when people sign in at a company OpenID provider (another origin, with pages of its
 * own inside the popup), and `admin` comes from ADMIN_GROUPS: the popup must keep its opener across
 * the provider's pages (Cross-Origin-Opener-Policy), or Swagger UI never receives the code.
 */
describe('/docs Authorize through a company OpenID provider (ADMIN_GROUPS)', () => {
  const SECRET = randomBytes(24).toString('hex');
  const idp = new TestIdp();
  let browser: Browser;
  let context: BrowserContext;
  let t: TestApp;

  beforeAll(async () => {
    browser = await launchChromium();
    context = await browser.newContext();
    await idp.start();
    const port = await freePort();
    idp.addClient({
      client_id: 'mcp-server',
      client_secret: SECRET,
      redirect_uris: [`http://localhost:${port}/auth/oidc/callback`],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    });
    idp.accounts.set('boss', { email: 'boss@corp.example', email_verified: true, groups: ['mcp-users', 'mcp-admins'] });
    idp.accounts.set('clerk', { email: 'clerk@corp.example', email_verified: true, groups: ['mcp-users'] });
    t = await startTestApp({
      PORT: String(port),
      OIDC_ISSUER: idp.issuer,
      OIDC_CLIENT_ID: 'mcp-server',
      OIDC_CLIENT_SECRET: SECRET,
      OIDC_SCOPES: 'openid email profile groups',
      ADMIN_GROUPS: 'mcp-admins',
    });
  });
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await t?.close();
    await idp.stop();
  });

  async function signInAt(account: string): Promise<Page> {
    await context.clearCookies();
    const page = await context.newPage();
    await page.goto(`${t.baseUrl}/docs`);
    await page.click('.auth-wrapper .btn.authorize');
    const scheme = page.locator('.auth-container', { hasText: 'authorizationCode' });
    const [popup] = await Promise.all([page.waitForEvent('popup'), scheme.locator('button.authorize').click()]);
    await popup.waitForURL((u) => u.pathname === '/authorize');
    await popup.click('#approve');
    await popup.waitForURL((u) => u.origin === idp.issuer);
    await popup.fill('input[name=login]', account);
    await popup.fill('input[name=password]', 'any password');
    await popup.click('button[type=submit]');
    await popup.waitForSelector('h1:has-text("Authorize")');
    await Promise.all([popup.waitForEvent('close'), popup.click('button[type=submit]')]);
    return page;
  }

  it('a member of ADMIN_GROUPS gets the admin token back in /docs, and "Try it out" answers 200', async () => {
    const page = await signInAt('boss');
    await page.locator('.auth-container', { hasText: 'authorizationCode' }).locator('button[aria-label="Remove authorization"]').waitFor();
    expect(await tryAdminClients(page)).toMatch(/^200\b/);
  });

  it('anyone else is refused the admin scope', async () => {
    const page = await signInAt('clerk');
    await page.locator('.auth-container .errors').waitFor();
    expect(await page.locator('.auth-container .errors').textContent()).toMatch(/access_denied.*reserved.for.administrators/);
  });
});
