import { loopbackRedirect, registerClient, registerServiceClient, type RegisteredClient } from './factories/oauth-client.factory.js';
import { TestBrowser, hiddenFields } from './helpers/browser.js';
import { codeCount } from './helpers/db.js';
import { DocumentServer } from './helpers/document-server.js';
import { approveAndSignIn, authorize, authorizeUrl, exchangeCode, openConsent, pkcePair } from './helpers/oauth-flow.js';
import { expectErrorPage, expectErrorRedirect } from './helpers/oauth-http.js';
import { startTestApp, uniqueLogin, type TestApp } from './helpers/test-app.js';

const ODD_STATE = `a b&c=d/é+%2F?#<"'>`;

/**
 * SECURITY.md 14–17, 19 (authorization endpoint side), 25 (SSRF guard of client metadata documents),
 * 26 (consent, CSRF, framing, cookies) and 27 (no CORS, no open redirects), against the dev sign-in.
 */
describe('authorization server: /authorize, consent and the dev sign-in', () => {
  let t: TestApp;
  /** A public client with an https and a loopback redirect URI. */
  let client: RegisteredClient;
  const HTTPS_REDIRECT = 'https://client.example/cb';
  let loopback: string;

  /** Sends /authorize from a fresh browser without following anything. */
  const send = (params: Record<string, string | undefined>) => new TestBrowser([t.baseUrl]).request(authorizeUrl(t, params));

  /** A complete, valid request for `client`; entries of `overrides` replace (or, when undefined, remove) parameters. */
  function params(overrides: Record<string, string | undefined> = {}, c: RegisteredClient = client): Record<string, string | undefined> {
    return {
      response_type: 'code',
      client_id: c.client_id,
      redirect_uri: c.redirect_uris[0],
      code_challenge: pkcePair().challenge,
      code_challenge_method: 'S256',
      state: 'st-123',
      resource: t.mcpUrl,
      ...overrides,
    };
  }

  beforeAll(async () => {
    t = await startTestApp();
    loopback = loopbackRedirect('/callback');
    client = await registerClient(t, { client_name: 'Redirect Rules App', redirect_uris: [HTTPS_REDIRECT, loopback] });
  });
  afterAll(async () => {
    await t.close();
  });

  describe('14. PKCE with S256 is required', () => {
    it.each<[string, Record<string, string | undefined>]>([
      ['no code_challenge', { code_challenge: undefined }],
      ['no code_challenge and no method', { code_challenge: undefined, code_challenge_method: undefined }],
      ['code_challenge_method=plain', { code_challenge_method: 'plain' }],
      ['no code_challenge_method (means plain)', { code_challenge_method: undefined }],
    ])('%s: 302 to the redirect URI with error=invalid_request, state and iss; no code', async (_name, overrides) => {
      const res = await send(params(overrides));
      expectErrorRedirect(res, { redirectUri: HTTPS_REDIRECT, error: 'invalid_request', state: 'st-123', iss: t.baseUrl });
    });
  });

  describe('15. exact redirect URI match (loopback may differ in port only)', () => {
    const port = () => new URL(loopback).port;
    const otherPort = () => String((Number(port()) % 60000) + 1000);
    it.each<[string, () => Record<string, string | undefined>]>([
      ['a trailing slash (/cb/)', () => ({ redirect_uri: `${HTTPS_REDIRECT}/` })],
      ['an added query (/cb?x=1)', () => ({ redirect_uri: `${HTTPS_REDIRECT}?x=1` })],
      ['an uppercase host', () => ({ redirect_uri: 'https://CLIENT.EXAMPLE/cb' })],
      ['another host', () => ({ redirect_uri: 'https://attacker.example/cb' })],
      ['a host with the registered one as prefix', () => ({ redirect_uri: 'https://client.example.attacker.example/cb' })],
      ['http instead of https', () => ({ redirect_uri: 'http://client.example/cb' })],
      ['a loopback URI with another path', () => ({ redirect_uri: `http://127.0.0.1:${port()}/callback/evil` })],
      ['a loopback URI with another loopback name', () => ({ redirect_uri: `http://localhost:${port()}/callback` })],
      ['the loopback URI with a trailing slash', () => ({ redirect_uri: `http://127.0.0.1:${port()}/callback/` })],
      ['the loopback URI with an added query', () => ({ redirect_uri: `http://127.0.0.1:${port()}/callback?x=1` })],
      ['the registered loopback URI plus a fragment', () => ({ redirect_uri: `${loopback}#frag` })],
      ['the loopback URI on another port plus a fragment', () => ({ redirect_uri: `http://127.0.0.1:${otherPort()}/callback#frag` })],
      ['the loopback URI on another port with a dot segment (/./callback)', () => ({ redirect_uri: `http://127.0.0.1:${otherPort()}/./callback` })],
      ['the loopback URI on another port with a parent segment (/x/../callback)', () => ({ redirect_uri: `http://127.0.0.1:${otherPort()}/x/../callback` })],
      ['an unknown client_id', () => ({ client_id: 'mcp_does-not-exist', redirect_uri: 'https://attacker.example/cb' })],
      ['no client_id', () => ({ client_id: undefined, redirect_uri: 'https://attacker.example/cb' })],
    ])('%s: 400 page, no Location header, no code', async (_name, overrides) => {
      const res = await send(params(overrides()));
      expectErrorPage(res, 400);
    });

    it('a registered loopback redirect URI with another port is accepted, and the code goes to that port', async () => {
      const requested = `http://127.0.0.1:${otherPort()}/callback`;
      const auth = await authorize(t, { client, redirectUri: requested });
      expect(auth.callback.port).toBe(otherPort());
      expect(auth.callback.hash).toBe('');
      const res = await exchangeCode(t, auth, { redirect_uri: requested });
      expect(res.status).toBe(200);
    });
  });

  describe('16 + 17. state echoed exactly; iss on every authorization response', () => {
    it('success: the odd state comes back byte for byte, with iss', async () => {
      const auth = await authorize(t, { client, state: ODD_STATE });
      expect(auth.callback.searchParams.getAll('state')).toEqual([ODD_STATE]);
      expect(auth.callback.searchParams.get('iss')).toBe(t.baseUrl);
    });

    it('a second authorization in the signed-in browser with consent remembered: straight back with code, state and iss', async () => {
      const c = await registerClient(t);
      const first = await authorize(t, { client: c });
      const again = await first.browser.request(authorizeUrl(t, params({ state: ODD_STATE }, c)));
      expect(again.status).toBe(302);
      const back = new URL(again.location!);
      expect(`${back.origin}${back.pathname}`).toBe(c.redirect_uris[0]);
      expect(back.searchParams.get('code')).toBeTruthy();
      expect(back.searchParams.getAll('state')).toEqual([ODD_STATE]);
      expect(back.searchParams.get('iss')).toBe(t.baseUrl);
    });

    it('success without state: no state parameter comes back', async () => {
      const auth = await authorize(t, { client, params: { state: undefined } });
      expect(auth.callback.searchParams.has('state')).toBe(false);
      expect(auth.callback.searchParams.get('iss')).toBe(t.baseUrl);
    });

    it('error redirect: the odd state comes back exactly, with iss', async () => {
      const res = await send(params({ code_challenge_method: 'plain', state: ODD_STATE }));
      expectErrorRedirect(res, { redirectUri: HTTPS_REDIRECT, error: 'invalid_request', state: ODD_STATE, iss: t.baseUrl });
    });

    it('unsupported response_type: error redirect with state and iss', async () => {
      const res = await send(params({ response_type: 'token' }));
      expectErrorRedirect(res, { redirectUri: HTTPS_REDIRECT, error: 'unsupported_response_type', state: 'st-123', iss: t.baseUrl });
    });

    it('the person denies: access_denied with state and iss, no code', async () => {
      const c = await registerClient(t);
      const step = await openConsent(t, { client: c, state: ODD_STATE });
      const res = await step.browser.submit(`${t.baseUrl}/authorize/consent`, { ...step.fields, decision: 'deny' });
      expectErrorRedirect(res, { redirectUri: c.redirect_uris[0], error: 'access_denied', state: ODD_STATE, iss: t.baseUrl });
      expect(await codeCount(c.client_id)).toBe(0);
    });
  });

  describe('16. the dev sign-in state: missing, wrong, replayed or from another browser', () => {
    /** Consent approved: the browser now sits on the dev sign-in page with a one-time state. */
    async function atSignIn() {
      const c = await registerClient(t);
      const step = await openConsent(t, { client: c });
      const page = await step.browser.submit(`${t.baseUrl}/authorize/consent`, { ...step.fields, decision: 'approve' });
      expect(page.status).toBe(200);
      expect(new URL(page.url).pathname).toBe('/auth/dev');
      const state = hiddenFields(page.text).state;
      expect(state).toBeTruthy();
      return { step, client: c, state };
    }

    it('GET /auth/dev without state: 400 page', async () => {
      expectErrorPage(await new TestBrowser([t.baseUrl]).request(`${t.baseUrl}/auth/dev`), 400);
    });

    it.each<[string, (s: string) => string | undefined]>([
      ['a missing state', () => undefined],
      ['a wrong state', () => 'not-the-state-that-was-issued-aaaaaaaaaaaaaaa'],
      ['a state altered by one character', (s) => `${s.slice(0, -1)}${s.endsWith('A') ? 'B' : 'A'}`],
    ])('%s: 400 page, no code', async (_name, alter) => {
      const { step, client: c, state } = await atSignIn();
      const res = await step.browser.submit(`${t.baseUrl}/auth/dev`, {
        login: uniqueLogin('dev'),
        ...(alter(state) === undefined ? {} : { state: alter(state)! }),
      });
      expectErrorPage(res, 400);
      expect(await codeCount(c.client_id)).toBe(0);
    });

    it('a replayed state: the first sign-in gets a code, the replay a 400 page', async () => {
      const { step, client: c, state } = await atSignIn();
      const login = uniqueLogin('dev');
      const first = await step.browser.submit(`${t.baseUrl}/auth/dev`, { login, state });
      expect(first.status).toBe(302);
      expect(new URL(first.location!).searchParams.get('code')).toBeTruthy();
      const replay = await step.browser.submit(`${t.baseUrl}/auth/dev`, { login, state });
      expectErrorPage(replay, 400);
      expect(await codeCount(c.client_id)).toBe(1);
    });

    it('the state presented by another browser (no cookie): 400 page, no code', async () => {
      const { client: c, state } = await atSignIn();
      const res = await new TestBrowser([t.baseUrl]).submit(`${t.baseUrl}/auth/dev`, { login: uniqueLogin('dev'), state });
      expectErrorPage(res, 400);
      expect(await codeCount(c.client_id)).toBe(0);
    });
  });

  describe('19. resource indicators at /authorize (RFC 8707)', () => {
    it.each<[string, () => string]>([
      ['another resource', () => 'https://other.example'],
      ['another path on this server', () => `${t.baseUrl}/other`],
      ['this resource with a fragment', () => `${t.mcpUrl}#frag`],
    ])('%s: 302 error=invalid_target with state and iss, no code', async (_name, resource) => {
      const res = await send(params({ resource: resource() }));
      expectErrorRedirect(res, { redirectUri: HTTPS_REDIRECT, error: 'invalid_target', state: 'st-123', iss: t.baseUrl });
    });

    it('two resources, one of them foreign: invalid_target', async () => {
      const url = new URL(authorizeUrl(t, params()));
      url.searchParams.append('resource', 'https://other.example');
      const res = await new TestBrowser([t.baseUrl]).request(url.toString());
      expectErrorRedirect(res, { redirectUri: HTTPS_REDIRECT, error: 'invalid_target', state: 'st-123', iss: t.baseUrl });
    });
  });

  describe('25. client metadata documents: no fetch of private, loopback or link-local targets (SSRF)', () => {
    const docs = new DocumentServer();
    beforeAll(() => docs.start());
    afterAll(() => docs.stop());

    it.each<[string, () => string]>([
      ['http on 127.0.0.1', () => `${docs.url}/clients/x`],
      ['https on 127.0.0.1', () => `https://127.0.0.1:${docs.port}/clients/x`],
      ['https on localhost', () => `https://localhost:${docs.port}/clients/x`],
      ['https on [::1]', () => `https://[::1]:${docs.port}/clients/x`],
      ['https on 10.0.0.1', () => 'https://10.0.0.1/clients/x'],
      ['https on the link-local metadata address', () => 'https://169.254.169.254/latest/meta-data'],
      ['https on an IPv4-mapped IPv6 loopback', () => `https://[::ffff:127.0.0.1]:${docs.port}/clients/x`],
      ['https on a hex-encoded 127.0.0.1', () => `https://0x7f000001:${docs.port}/clients/x`],
      ['https on 0.0.0.0', () => `https://0.0.0.0:${docs.port}/clients/x`],
    ])('%s: 400 page, and the document server received nothing', async (_name, clientId) => {
      const id = clientId();
      for (const path of ['/clients/x']) docs.serveJson(path, { client_id: id, client_name: 'SSRF', redirect_uris: ['https://client.example/cb'] });
      const before = docs.connections;
      const res = await send(params({ client_id: id, redirect_uri: 'https://client.example/cb' }));
      expectErrorPage(res, 400);
      expect(docs.connections).toBe(before);
      expect(docs.requests).toEqual([]);
    });
  });

  describe('26. consent before anything else (confused deputy)', () => {
    it('a new client: 200 consent page (no redirect), framing forbidden, naming client, scopes and redirect URI', async () => {
      const c = await registerClient(t, { client_name: 'Consent Page App' });
      const res = await new TestBrowser([t.baseUrl]).request(authorizeUrl(t, params({ scope: 'notes:read notes:write' }, c)));
      expect(res.status).toBe(200);
      expect(res.location).toBeUndefined();
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('content-security-policy')).toMatch(/(^|;)\s*frame-ancestors 'none'\s*(;|$)/);
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      expect(res.text).toContain('Consent Page App');
      expect(res.text).toContain('notes:read');
      expect(res.text).toContain('notes:write');
      expect(res.text).toContain(c.redirect_uris[0]);
      expect(hiddenFields(res.text).csrf_token).toBeTruthy();
    });

    it('the client name is escaped on the consent page', async () => {
      const c = await registerClient(t, { client_name: '<img src=x onerror=alert(1)>Evil' });
      const res = await new TestBrowser([t.baseUrl]).request(authorizeUrl(t, params({}, c)));
      expect(res.status).toBe(200);
      expect(res.text).not.toContain('<img src=x');
      expect(res.text).toContain('&lt;img src=x onerror=alert(1)&gt;Evil');
    });

    it('__Host- cookies are Secure, HttpOnly, SameSite=Lax, Path=/ and have no Domain', async () => {
      const c = await registerClient(t);
      const step = await openConsent(t, { client: c });
      const auth = await approveAndSignIn(step);
      const cookies = [...step.page.headers.getSetCookie(), ...auth.final.headers.getSetCookie()].filter((line) => line.startsWith('__Host-'));
      // The browser binding (set with the consent page) and the session (set at sign-in).
      expect(cookies.map((l) => l.split('=')[0]).sort()).toEqual(['__Host-mcp-browser', '__Host-mcp-session']);
      for (const line of cookies) {
        const attrs = line
          .split(';')
          .slice(1)
          .map((a) => a.trim().toLowerCase());
        expect(attrs).toContain('secure');
        expect(attrs).toContain('httponly');
        expect(attrs).toContain('samesite=lax');
        expect(attrs).toContain('path=/');
        expect(attrs.some((a) => a.startsWith('domain='))).toBe(false);
      }
    });

    it.each<[string, (f: Record<string, string>) => Record<string, string>, boolean]>([
      ['without csrf_token', (f) => ({ request_id: f.request_id, decision: 'approve' }), true],
      ['with a wrong csrf_token', (f) => ({ ...f, csrf_token: `${f.csrf_token.slice(0, -2)}xx`, decision: 'approve' }), true],
      ['with the right csrf_token from another browser (no cookie)', (f) => ({ ...f, decision: 'approve' }), false],
    ])('consent POST %s: 403 page, no redirect, no code', async (_name, form, sameBrowser) => {
      const c = await registerClient(t);
      const step = await openConsent(t, { client: c });
      const browser = sameBrowser ? step.browser : new TestBrowser([t.baseUrl]);
      const res = await browser.request(`${t.baseUrl}/authorize/consent`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(form(step.fields)).toString(),
      });
      expectErrorPage(res, 403);
      expect(await codeCount(c.client_id)).toBe(0);
    });

    it('a signed-in person who approved one client still gets the consent page for a new client', async () => {
      const first = await authorize(t, { client: await registerClient(t) });
      expect(first.browser.cookie('__Host-mcp-session')).toBeTruthy();
      const other = await registerClient(t, { client_name: 'Second App' });
      const res = await first.browser.request(authorizeUrl(t, params({}, other)));
      expect(res.status).toBe(200);
      expect(res.location).toBeUndefined();
      expect(res.text).toContain('Second App');
      expect(await codeCount(other.client_id)).toBe(0);
    });
  });

  describe('27. no CORS on /authorize, no open redirects', () => {
    it.each(['OPTIONS', 'GET'])('%s /authorize with an Origin: no Access-Control-Allow-Origin', async (method) => {
      const res = await fetch(authorizeUrl(t, params()), {
        method,
        redirect: 'manual',
        headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
      });
      expect(res.status).not.toBe(500);
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    });

    it.each<[string, Record<string, string | undefined>]>([
      ['missing PKCE', { code_challenge: undefined }],
      ['a foreign resource', { resource: 'https://other.example' }],
      ['response_type=token', { response_type: 'token' }],
      ['an unknown scope', { scope: 'root' }],
    ])('an unregistered redirect_uri together with %s: 400 page, never a redirect to it', async (_name, overrides) => {
      const res = await send(params({ redirect_uri: 'https://attacker.example/cb', ...overrides }));
      expectErrorPage(res, 400);
      expect(res.text).not.toContain('attacker.example');
    });

    it('an unknown client with a redirect_uri and an error: 400 page, no redirect', async () => {
      const res = await send(params({ client_id: 'mcp_nope', redirect_uri: 'https://attacker.example/cb', code_challenge: undefined }));
      expectErrorPage(res, 400);
    });

    it('a client registered without authorization_code cannot use /authorize to redirect', async () => {
      const c = await registerServiceClient(t);
      const res = await send(params({ client_id: c.client_id, redirect_uri: 'https://attacker.example/cb' }));
      expectErrorPage(res, 400);
    });
  });
});
