import { LOGIN_HINT } from '../src/oauth/pages/dev-login.page.js';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auth } from '@modelcontextprotocol/sdk/client/auth.js';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { LoopbackCallback, StaticPages, launchChromium } from './helpers/chromium.js';
import { InMemoryOAuthProvider, connectWithOAuth } from './helpers/sdk-oauth.js';
import { startTestApp, uniqueLogin, type TestApp } from './helpers/test-app.js';

/** The SDK's in-memory provider, plus an OAuth `state` (the SDK sends one only when the provider makes it). */
class BrowserClientProvider extends InMemoryOAuthProvider {
  state(): string {
    return randomBytes(16).toString('base64url');
  }
}

/**
 * The quick start as a person sees it: headless Chromium clicks through the consent page and the dev
 * sign-in page (no GITHUB_* configured), while the official MCP SDK client does discovery,
 * registration, PKCE, the token exchange and tools/call.
 */
describe('browser sign-in (headless Chromium, dev sign-in page)', () => {
  let browser: Browser;
  let app: TestApp;
  let context: BrowserContext;
  const others: BrowserContext[] = [];
  const framer = new StaticPages();
  const callback = new LoopbackCallback();
  let shots: string;
  let provider: BrowserClientProvider;
  const setCookies: string[] = [];

  beforeAll(async () => {
    browser = await launchChromium(); // first: a missing Chromium fails the file with instructions
    app = await startTestApp();
    await framer.start();
    await callback.start();
    shots = process.env.E2E_SCREENSHOT_DIR ?? mkdtempSync(join(tmpdir(), 'mcp-browser-'));
    mkdirSync(shots, { recursive: true });
    context = await browser.newContext();
  });

  afterAll(async () => {
    await Promise.allSettled([context, ...others].filter(Boolean).map((c) => c.close()));
    await browser?.close();
    await framer.stop();
    await callback.stop();
    await app?.close();
  });

  /** A fresh authorization URL for the already-registered client, built by the SDK (PKCE, state, resource). */
  async function authorizationUrlFor(info: InMemoryOAuthProvider['info']): Promise<URL> {
    const p = new BrowserClientProvider(callback.url);
    p.info = info;
    expect(await auth(p, { serverUrl: app.mcpUrl })).toBe('REDIRECT');
    return p.authorizationUrl!;
  }

  async function freshPage(): Promise<Page> {
    const c = await browser.newContext();
    others.push(c);
    return c.newPage();
  }

  it('approves on the consent page, signs in on the dev page, and the SDK client calls tools', async () => {
    provider = new BrowserClientProvider(callback.url);
    const login = uniqueLogin('browser');

    const { client } = await connectWithOAuth(app.mcpUrl, provider, async (authorizationUrl) => {
      const page = await context.newPage();
      page.on('response', async (r) => {
        if (!r.url().startsWith(app.baseUrl)) return;
        for (const h of await r.headersArray()) if (h.name.toLowerCase() === 'set-cookie') setCookies.push(...h.value.split('\n'));
      });
      const consent = await page.goto(authorizationUrl.toString());
      expect(consent?.status()).toBe(200);
      expect(new URL(page.url()).pathname).toBe('/authorize');
      expect(await page.locator('#client-name').textContent()).toBe('SDK e2e client');
      expect(await page.locator('#redirect-host').textContent()).toBe(new URL(callback.url).host);
      const requested = (authorizationUrl.searchParams.get('scope') ?? 'notes:read notes:write').split(' ');
      expect(await page.locator('#scopes code').allTextContents()).toEqual(requested);
      const shot = join(shots, 'consent.png');
      await page.screenshot({ path: shot, fullPage: true });
      expect(statSync(shot).size).toBeGreaterThan(1000);

      await page.click('#approve');
      await page.waitForURL((u) => u.pathname === '/auth/dev');
      expect(await page.locator('h1').textContent()).toBe('Local sign-in');
      await page.fill('#login', login);
      await page.screenshot({ path: join(shots, 'dev-sign-in.png'), fullPage: true });
      await page.click('#sign-in');

      const back = await callback.next();
      expect(back.origin + back.pathname).toBe(callback.url);
      expect(authorizationUrl.searchParams.get('state')).toBeTruthy();
      expect(back.searchParams.get('state')).toBe(authorizationUrl.searchParams.get('state'));
      expect(back.searchParams.get('iss')).toBe(app.baseUrl);
      expect(back.searchParams.get('error')).toBeNull();
      expect(await page.locator('body').textContent()).toBe('done');
      await callback.closeWhenLoaded(page);
      return back.searchParams.get('code')!;
    });

    expect(provider.savedTokens?.access_token).toBeTruthy();
    const tools = await client.listTools();
    expect(tools.tools.map((t) => t.name)).toContain('notes.create');
    const created = await client.callTool({ name: 'notes.create', arguments: { title: 'From Chromium', body: 'clicked through consent' } });
    expect(created.isError).toBeFalsy();
    const listed = await client.callTool({ name: 'notes.list', arguments: {} });
    expect((listed.structuredContent as { notes: { title: string }[] }).notes.map((n) => n.title)).toContain('From Chromium');
    await client.close();
  });

  it('sets __Host- cookies (Secure, HttpOnly, SameSite=Lax, Path=/, no Domain) that Chromium accepts on http://localhost', async () => {
    // What the server sent.
    const sent = setCookies.filter((c) => c.startsWith('__Host-'));
    expect(sent.map((c) => c.split('=')[0]).sort()).toEqual(['__Host-mcp-browser', '__Host-mcp-session']);
    for (const c of sent) {
      const attrs = c
        .split(';')
        .slice(1)
        .map((a) => a.trim().toLowerCase());
      expect(attrs).toEqual(expect.arrayContaining(['secure', 'httponly', 'samesite=lax', 'path=/']));
      expect(attrs.some((a) => a.startsWith('domain='))).toBe(false);
    }
    // What Chromium kept (a refused Secure cookie on http://localhost would be missing here, and the consent POST would have failed with 403).
    const jar = await context.cookies(app.baseUrl);
    const names = jar.map((c) => c.name).sort();
    expect(names).toEqual(['__Host-mcp-browser', '__Host-mcp-session']);
    for (const c of jar) {
      expect(c).toMatchObject({ domain: 'localhost', path: '/', secure: true, httpOnly: true, sameSite: 'Lax' });
      expect(c.expires).toBeGreaterThan(Date.now() / 1000);
    }
  });

  it('skips both pages on a second authorization in the same browser (remembered consent + session)', async () => {
    const again = new BrowserClientProvider(callback.url);
    again.info = provider.info; // same registered client, same scopes
    const { client } = await connectWithOAuth(app.mcpUrl, again, async (authorizationUrl) => {
      const page = await context.newPage();
      const navigations: string[] = [];
      page.on('request', (r) => {
        if (r.isNavigationRequest() && r.frame() === page.mainFrame()) navigations.push(r.url());
      });
      await page.goto(authorizationUrl.toString());
      const back = await callback.next();
      expect(navigations.map((u) => new URL(u).origin + new URL(u).pathname)).toEqual([`${app.baseUrl}/authorize`, callback.url]);
      expect(await page.locator('body').textContent()).toBe('done');
      expect(back.searchParams.get('state')).toBe(authorizationUrl.searchParams.get('state'));
      expect(back.searchParams.get('iss')).toBe(app.baseUrl);
      await callback.closeWhenLoaded(page);
      return back.searchParams.get('code')!;
    });
    const listed = await client.callTool({ name: 'notes.list', arguments: {} });
    expect(listed.isError).toBeFalsy();
    expect((listed.structuredContent as { notes: { title: string }[] }).notes.map((n) => n.title)).toContain('From Chromium');
    await client.close();
  });

  it('sends the browser back with error=access_denied, the state and iss when the person clicks Deny', async () => {
    const url = await authorizationUrlFor(provider.info);
    const page = await freshPage(); // a browser with no session, so the consent page is shown
    await page.goto(url.toString());
    await page.click('#deny');
    const back = await callback.next();
    expect(back.origin + back.pathname).toBe(callback.url);
    expect(url.searchParams.get('state')).toBeTruthy();
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect(back.searchParams.get('state')).toBe(url.searchParams.get('state'));
    expect(back.searchParams.get('iss')).toBe(app.baseUrl);
    expect(back.searchParams.get('code')).toBeNull();
  });

  it('explains a user name the dev page refuses ("bad name!"): the hint is on the page and in the browser\'s message', async () => {
    const url = await authorizationUrlFor(provider.info);
    const page = await freshPage();
    await page.goto(url.toString());
    await page.click('#approve');
    await page.waitForURL((u) => u.pathname === '/auth/dev');
    expect(await page.locator('#login-hint').isVisible()).toBe(true);
    expect(await page.locator('#login-hint').textContent()).toBe(LOGIN_HINT);
    await page.fill('#login', 'bad name!');
    await page.click('#sign-in');
    // The browser keeps the form (the pattern is valid in Chromium's v-flag syntax, so it does apply) and its
    // message bubble adds the field's title, which is the hint.
    expect(new URL(page.url()).pathname).toBe('/auth/dev');
    const validity = await page.locator('#login').evaluate((el) => (el as unknown as { validity: { patternMismatch: boolean } }).validity.patternMismatch);
    expect(validity).toBe(true);
    expect(await page.locator('#login').getAttribute('title')).toBe(LOGIN_HINT);
    expect(await page.locator('#login').getAttribute('aria-describedby')).toBe('login-hint');
  });

  it('refuses to render the consent page inside a frame on another origin', async () => {
    const consentUrl = (await authorizationUrlFor(provider.info)).toString();
    const lookalike = framer.set('/lookalike', '<!doctype html><button id="approve">Approve</button>');
    const control = framer.set('/control', `<!doctype html><iframe id="f" src="${lookalike}" width="800" height="600"></iframe>`);
    const attack = framer.set(
      '/attack',
      `<!doctype html><iframe id="f" src="${consentUrl.replace(/&/g, '&amp;').replace(/"/g, '&quot;')}" width="800" height="600"></iframe>`,
    );
    const page = await freshPage();

    // Control: the same detection does see a framable page's #approve.
    await page.goto(control, { waitUntil: 'load' });
    const controlFrame = await (await page.$('iframe#f'))!.contentFrame();
    expect(await controlFrame!.$('#approve')).not.toBeNull();

    const logged: string[] = [];
    page.on('console', (m) => logged.push(m.text()));
    const served = page.waitForResponse((r) => r.url().startsWith(`${app.baseUrl}/authorize`));
    await page.goto(attack, { waitUntil: 'load' });
    const response = await served;
    // The server did answer with the consent page; the browser is the one refusing to show it.
    expect(response.status()).toBe(200);
    expect(response.headers()['x-frame-options']).toBe('DENY');
    expect(response.headers()['content-security-policy']).toContain("frame-ancestors 'none'");

    const frame = await (await page.$('iframe#f'))!.contentFrame();
    expect(frame?.url() ?? '').not.toContain('/authorize');
    expect(frame ? await frame.$('#approve') : null).toBeNull();
    expect(frame ? await frame.$('#client-name') : null).toBeNull();
    expect(logged.join('\n')).toMatch(/frame-ancestors|X-Frame-Options/);
  });
});
