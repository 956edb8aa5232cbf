import type { IncomingHttpHeaders } from 'node:http';
import { rpcRequest, toolCall } from './factories/json-rpc.factory.js';
import { registerClient } from './factories/oauth-client.factory.js';
import { mcpHeaders, rawRequest, type RawResponse } from './helpers/http.js';
import { authorizeUrl, openConsent, pkcePair } from './helpers/oauth-flow.js';
import { startTestApp, uniqueLogin, type TestApp } from './helpers/test-app.js';

/**
 * Issue 4 item 4: helmet headers (the consent page keeps its own frame denial), CORS only for
 * ALLOWED_ORIGINS and only where it belongs (/mcp and the public OAuth endpoints, never
 * /authorize), and request body size limits that answer 413, never 500.
 */

const APP_ORIGIN = 'https://app.example';
const EVIL_ORIGIN = 'https://evil.example';

const header = (h: IncomingHttpHeaders, name: string): string => {
  const v = h[name.toLowerCase()];
  return Array.isArray(v) ? v.join(', ') : (v ?? '');
};
/** A comma-separated header as a lower-cased list. */
const list = (h: IncomingHttpHeaders, name: string): string[] =>
  header(h, name)
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);

/** The anti-framing headers every response (API or page) must carry. */
function expectFrameDenial(h: IncomingHttpHeaders): void {
  expect(header(h, 'x-frame-options')).toBe('DENY');
  expect(header(h, 'content-security-policy')).toMatch(/(^|;)\s*frame-ancestors 'none'\s*(;|$)/);
}

describe('HTTP hardening', () => {
  let t: TestApp;
  let token: string;

  beforeAll(async () => {
    t = await startTestApp({ ALLOWED_ORIGINS: APP_ORIGIN });
    token = await t.token(uniqueLogin('hardening'));
  });
  afterAll(async () => {
    await t.close();
  });

  const post = (body: string, headers: Record<string, string> = {}) => rawRequest(t.mcpUrl, { method: 'POST', headers: mcpHeaders(token, headers), body });
  const preflight = (path: string, origin: string, requestHeaders = 'authorization, content-type, mcp-protocol-version') =>
    rawRequest(`${t.baseUrl}${path}`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': requestHeaders },
    });

  describe('helmet', () => {
    it.each<[string, () => Promise<RawResponse>]>([
      ['POST /mcp (JSON-RPC)', () => post(JSON.stringify(rpcRequest('tools/list')))],
      [
        'POST /mcp without a token (401)',
        () => rawRequest(t.mcpUrl, { method: 'POST', headers: mcpHeaders(), body: JSON.stringify(rpcRequest('tools/list')) }),
      ],
      ['GET /.well-known/oauth-authorization-server', () => rawRequest(`${t.baseUrl}/.well-known/oauth-authorization-server`)],
      ['GET /healthz', () => rawRequest(`${t.baseUrl}/healthz`)],
      ['an unknown path (404)', () => rawRequest(`${t.baseUrl}/no-such-thing`)],
    ])('%s: nosniff, frame denial, CSP, no X-Powered-By', async (_name, send) => {
      const res = await send();
      expect(res.status).toBeLessThan(500);
      expect(header(res.headers, 'x-content-type-options')).toBe('nosniff');
      expectFrameDenial(res.headers);
      expect(header(res.headers, 'content-security-policy')).toMatch(/default-src 'self'/);
      expect(res.headers['x-powered-by']).toBeUndefined();
      expect(header(res.headers, 'referrer-policy')).toBeTruthy();
    });

    it('the consent page keeps its own, stricter frame denial and CSP', async () => {
      const consent = await openConsent(t);
      const h = Object.fromEntries(consent.page.headers) as IncomingHttpHeaders;
      expect(consent.page.status).toBe(200);
      expect(consent.page.headers.get('content-type')).toMatch(/^text\/html/);
      expectFrameDenial(h);
      // Its own policy (default-src 'none'), not helmet's default one, and only one of each header.
      expect(header(h, 'content-security-policy')).toMatch(/default-src 'none'/);
      expect(header(h, 'content-security-policy')).not.toMatch(/default-src 'self'/);
      expect(header(h, 'x-frame-options')).toBe('DENY');
      expect(header(h, 'x-content-type-options')).toBe('nosniff');
      expect(header(h, 'cache-control')).toMatch(/no-store/);
    });
  });

  describe('CORS on /mcp (ALLOWED_ORIGINS)', () => {
    it('preflight from an allowed origin: 204 with its origin and the MCP request headers', async () => {
      const res = await preflight('/mcp', APP_ORIGIN);
      expect(res.status).toBe(204);
      expect(header(res.headers, 'access-control-allow-origin')).toBe(APP_ORIGIN);
      expect(list(res.headers, 'access-control-allow-headers')).toEqual(expect.arrayContaining(['authorization', 'mcp-protocol-version', 'content-type']));
      expect(list(res.headers, 'access-control-allow-methods')).toContain('post');
      expect(list(res.headers, 'vary')).toContain('origin');
      // Bearer tokens, not cookies: credentials are never allowed.
      expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    });

    it.each([EVIL_ORIGIN, 'https://app.example.evil.example', 'http://app.example', 'null'])(
      'preflight from %s: 403 without any CORS header',
      async (origin) => {
        const res = await preflight('/mcp', origin);
        expect(res.status).toBe(403);
        expect(res.headers['access-control-allow-origin']).toBeUndefined();
        expect(res.headers['access-control-allow-headers']).toBeUndefined();
        expect(res.json).toMatchObject({ jsonrpc: '2.0', error: { code: expect.any(Number) } });
      },
    );

    it('a real POST from the allowed origin with a valid token: 200, its origin, WWW-Authenticate exposed', async () => {
      const res = await post(JSON.stringify(toolCall('notes.list')), { origin: APP_ORIGIN });
      expect(res.status).toBe(200);
      expect(res.json?.result).toBeDefined();
      expect(header(res.headers, 'access-control-allow-origin')).toBe(APP_ORIGIN);
      expect(list(res.headers, 'access-control-expose-headers')).toContain('www-authenticate');
    });

    it('a 401 to the allowed origin is readable by the page (ACAO and WWW-Authenticate exposed)', async () => {
      const res = await rawRequest(t.mcpUrl, {
        method: 'POST',
        headers: mcpHeaders(undefined, { origin: APP_ORIGIN }),
        body: JSON.stringify(rpcRequest('tools/list')),
      });
      expect(res.status).toBe(401);
      expect(header(res.headers, 'www-authenticate')).toMatch(/^Bearer /);
      expect(header(res.headers, 'access-control-allow-origin')).toBe(APP_ORIGIN);
      expect(list(res.headers, 'access-control-expose-headers')).toContain('www-authenticate');
    });

    it('a real POST from another origin, even with a valid token: 403, never executed, no ACAO', async () => {
      const res = await post(JSON.stringify(toolCall('notes.list')), { origin: EVIL_ORIGIN });
      expect(res.status).toBe(403);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      expect(res.json?.result).toBeUndefined();
    });
  });

  describe('no CORS on /authorize', () => {
    it('GET /authorize (consent page) with an allowed Origin: no Access-Control-Allow-Origin', async () => {
      const client = await registerClient(t);
      const url = authorizeUrl(t, {
        response_type: 'code',
        client_id: client.client_id,
        redirect_uri: client.redirect_uris[0],
        code_challenge: pkcePair().challenge,
        code_challenge_method: 'S256',
        state: 'cors',
        resource: t.mcpUrl,
      });
      const res = await rawRequest(url, { headers: { origin: APP_ORIGIN } });
      expect(res.status).toBe(200);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    });

    it('GET /authorize with an error, and a preflight to /authorize: no Access-Control-Allow-Origin', async () => {
      const error = await rawRequest(`${t.baseUrl}/authorize`, { headers: { origin: APP_ORIGIN } });
      expect(error.status).toBeLessThan(500);
      expect(error.headers['access-control-allow-origin']).toBeUndefined();
      const pre = await preflight('/authorize', APP_ORIGIN);
      expect(pre.headers['access-control-allow-origin']).toBeUndefined();
      const consent = await preflight('/authorize/consent', APP_ORIGIN);
      expect(consent.headers['access-control-allow-origin']).toBeUndefined();
    });

    it('the public OAuth endpoints do answer CORS (any origin, no credentials)', async () => {
      const res = await rawRequest(`${t.baseUrl}/.well-known/oauth-authorization-server`, { headers: { origin: EVIL_ORIGIN } });
      expect(res.status).toBe(200);
      expect(header(res.headers, 'access-control-allow-origin')).toBe('*');
      expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    });
  });

  describe('request body limits', () => {
    const bigJson = (bytes: number) => JSON.stringify(toolCall('notes.create', { title: 'big', body: 'x'.repeat(bytes) }));

    it('a JSON body over 1 MB on /mcp: 413 with a JSON-RPC error, never 500', async () => {
      const body = bigJson(1024 * 1024 + 10);
      expect(Buffer.byteLength(body)).toBeGreaterThan(1024 * 1024);
      const res = await post(body);
      expect(res.status).toBe(413);
      expect(header(res.headers, 'content-type')).toMatch(/^application\/json/);
      expect(res.json).toEqual({ jsonrpc: '2.0', id: null, error: { code: expect.any(Number), message: expect.any(String) } });
      expect(res.text).not.toMatch(/\n\s+at |node_modules|PayloadTooLarge/);
    });

    it('just under 1 MB on /mcp is parsed (and refused by the tool, not by the server)', async () => {
      const res = await post(bigJson(1000 * 1000));
      expect(res.status).toBe(200);
      expect(res.json?.result?.isError).toBe(true);
    });

    it('an oversized form on /token: 413 OAuth-style JSON, never 500', async () => {
      const res = await rawRequest(`${t.baseUrl}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `grant_type=authorization_code&code=${'a'.repeat(200 * 1024)}`,
      });
      expect(res.status).toBe(413);
      expect(res.json).toMatchObject({ error: 'invalid_request' });
    });

    it('malformed JSON on /mcp: 400 with a JSON-RPC parse error, never 500', async () => {
      const res = await post('{"jsonrpc":"2.0",');
      expect(res.status).toBe(400);
      expect(res.json).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32700 } });
    });
  });
});
