import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import { DataSource } from 'typeorm';
import { launchChromium } from './helpers/chromium.js';
import { startTestApp, uniqueLogin, type TestApp } from './helpers/test-app.js';

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

  it('registers the docs client with exactly PUBLIC_URL/docs/oauth2-redirect.html, public, for admin only', async () => {
    const [row] = await t.app
      .get(DataSource)
      .query<{ kind: string; redirect_uris: string[]; token_endpoint_auth_method: string; scope: string; grant_types: string[] }[]>(
        `SELECT kind, redirect_uris, token_endpoint_auth_method, scope, grant_types FROM oauth_clients WHERE client_id = 'secure-mcp-server-docs'`,
      );
    expect(row).toEqual({
      kind: 'static',
      redirect_uris: [`${t.baseUrl}/docs/oauth2-redirect.html`],
      token_endpoint_auth_method: 'none',
      scope: 'admin',
      grant_types: ['authorization_code'],
    });
    const redirect = await fetch(`${t.baseUrl}/docs/oauth2-redirect.html`);
    expect(redirect.status).toBe(200);
    expect(redirect.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await redirect.text()).toContain('<script src="oauth2-redirect.js">');
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
