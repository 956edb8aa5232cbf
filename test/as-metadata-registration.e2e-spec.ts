import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, type JWK } from 'jose';
import { clientMetadata, credentials, loopbackRedirect, register, registerServiceClient } from './factories/oauth-client.factory.js';
import { TestBrowser, hiddenFields } from './helpers/browser.js';
import { withDb } from './helpers/db.js';
import { DocumentServer } from './helpers/document-server.js';
import { authorizeUrl, exchangeCode, approveAndSignIn, pkcePair, type ConsentStep } from './helpers/oauth-flow.js';
import { expectErrorPage, expectOAuthError, get, postForm } from './helpers/oauth-http.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';

/**
 * SECURITY.md 12 (metadata, JWKS), 13 (DCR redirect URI rules), 24 (DCR) and 25 (Client ID Metadata
 * Documents). The app runs with CIMD_ALLOW_LOOPBACK=true so documents can be served from loopback;
 * the SSRF guard without that flag is tested in as-authorize.e2e-spec.ts.
 */
describe('authorization server: metadata, dynamic registration, client metadata documents', () => {
  let t: TestApp;
  const docs = new DocumentServer();

  beforeAll(async () => {
    await docs.start();
    t = await startTestApp({ CIMD_ALLOW_LOOPBACK: 'true' });
  });
  afterAll(async () => {
    await t.close();
    await docs.stop();
  });

  describe('12. RFC 8414 metadata and the JWKS', () => {
    it.each(['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration'])('GET %s: the exact document', async (path) => {
      const res = await get(`${t.baseUrl}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      const m = res.json;
      expect(m.issuer).toBe(t.baseUrl);
      expect(m.authorization_endpoint).toBe(`${t.baseUrl}/authorize`);
      expect(m.token_endpoint).toBe(`${t.baseUrl}/token`);
      expect(m.registration_endpoint).toBe(`${t.baseUrl}/register`);
      expect(m.revocation_endpoint).toBe(`${t.baseUrl}/revoke`);
      expect(m.introspection_endpoint).toBe(`${t.baseUrl}/introspect`);
      expect(m.jwks_uri).toBe(`${t.baseUrl}/.well-known/jwks.json`);
      expect(m.code_challenge_methods_supported).toEqual(['S256']);
      expect(m.response_types_supported).toEqual(['code']);
      expect([...m.grant_types_supported].sort()).toEqual(['authorization_code', 'client_credentials', 'refresh_token']);
      expect([...m.token_endpoint_auth_methods_supported].sort()).toEqual(['client_secret_basic', 'client_secret_post', 'none']);
      expect(m.client_id_metadata_document_supported).toBe(true);
      expect(m.authorization_response_iss_parameter_supported).toBe(true);
      expect(m.scopes_supported).toEqual(expect.arrayContaining(['notes:read', 'notes:write']));
      // No implicit flow, no password grant, no plain PKCE anywhere in the document.
      expect(JSON.stringify(m)).not.toMatch(/"(token|implicit|password|plain)"/);
    });

    it('the JWKS holds the public key whose kid signed an issued access token, and no private part', async () => {
      const service = await registerServiceClient(t);
      const res = await postForm(`${t.baseUrl}/token`, { grant_type: 'client_credentials', resource: t.mcpUrl }, { basic: credentials(service) });
      expect(res.status).toBe(200);
      const token = res.json.access_token as string;
      const { kid, alg, typ } = decodeProtectedHeader(token);
      expect(kid).toBeTruthy();
      expect(alg).toBe('ES256');
      expect(typ).toBe('at+jwt');

      const jwksRes = await get(`${t.baseUrl}/.well-known/jwks.json`);
      expect(jwksRes.status).toBe(200);
      const keys = jwksRes.json.keys as JWK[];
      expect(keys.map((k) => k.kid)).toContain(kid);
      for (const key of keys) {
        expect(key.kty).toBe('EC');
        expect(key.d).toBeUndefined();
      }
      // The published key actually verifies the token.
      const { payload } = await jwtVerify(token, createLocalJWKSet({ keys }), { issuer: t.baseUrl, audience: t.mcpUrl });
      expect(payload.aud).toBe(t.mcpUrl);
    });
  });

  describe('13. redirect URIs: https, or http on loopback; no fragments, no dangerous schemes', () => {
    it.each<[string, unknown]>([
      ['http on a public host', ['http://app.example/cb']],
      ['a javascript: URI', ['javascript:alert(1)']],
      ['a data: URI', ['data:text/html,<script>alert(1)</script>']],
      ['an https URI with a fragment', ['https://x.example/cb#frag']],
      ['an empty list', []],
      ['one good and one bad URI', ['https://ok.example/cb', 'http://app.example/cb']],
    ])('%s: 400 invalid_redirect_uri, no client', async (_name, redirectUris) => {
      const res = await register(t, clientMetadata({ redirect_uris: redirectUris }));
      expectOAuthError(res, 400, 'invalid_redirect_uri');
      expect(res.json.client_id).toBeUndefined();
    });

    it.each([
      ['https', 'https://app.example/cb'],
      ['loopback http with a port', loopbackRedirect('/cb')],
    ])('%s: 201, URI kept exactly', async (_name, uri) => {
      const res = await register(t, clientMetadata({ redirect_uris: [uri] }));
      expect(res.status).toBe(201);
      expect(res.json.client_id).toEqual(expect.any(String));
      expect(res.json.redirect_uris).toEqual([uri]);
    });
  });

  describe('24. dynamic client registration (RFC 7591)', () => {
    it('a confidential client gets 201 with client_secret and client_secret_expires_at', async () => {
      const res = await register(t, clientMetadata({ token_endpoint_auth_method: 'client_secret_basic' }));
      expect(res.status).toBe(201);
      expect(res.json.client_id).toEqual(expect.any(String));
      expect(res.json.client_secret).toEqual(expect.any(String));
      expect(res.json.client_secret.length).toBeGreaterThanOrEqual(32);
      expect(res.json.client_secret_expires_at).toEqual(expect.any(Number));
      expect(res.json.token_endpoint_auth_method).toBe('client_secret_basic');
    });

    it('a public client gets no secret', async () => {
      const res = await register(t, clientMetadata());
      expect(res.status).toBe(201);
      expect(res.json.token_endpoint_auth_method).toBe('none');
      expect(res.json.client_secret).toBeUndefined();
      expect(res.json.client_secret_expires_at).toBeUndefined();
    });

    it('client_credentials with token_endpoint_auth_method none: 400 invalid_client_metadata', async () => {
      const res = await register(
        t,
        clientMetadata({ redirect_uris: undefined, response_types: undefined, grant_types: ['client_credentials'], token_endpoint_auth_method: 'none' }),
      );
      expectOAuthError(res, 400, 'invalid_client_metadata');
      expect(res.json.client_id).toBeUndefined();
    });

    it.each<[string, unknown]>([
      ['an unknown grant type (password)', clientMetadata({ grant_types: ['authorization_code', 'password'] })],
      ['the implicit grant', clientMetadata({ grant_types: ['implicit'] })],
      ['response_types token', clientMetadata({ response_types: ['token'] })],
      ['an unknown auth method', clientMetadata({ token_endpoint_auth_method: 'private_key_jwt_or_whatever' })],
      ['a JSON array instead of an object', []],
    ])('%s: 400 invalid_client_metadata', async (_name, body) => {
      const res = await register(t, body);
      expectOAuthError(res, 400, 'invalid_client_metadata');
      expect(res.json.client_id).toBeUndefined();
    });

    // Found by the fuzzer (test/fuzz.fuzz-spec.ts): class-transformer threw on nested `constructor` keys (500).
    it.each<[string, string, number, string]>([
      [
        'logo_uri: [[{"":{"constructor":"0"}}]]',
        JSON.stringify(clientMetadata({ logo_uri: [[{ '': { constructor: '0' } }]] })),
        400,
        'invalid_client_metadata',
      ],
      [
        'response_types: {"x":{"constructor":{}}}',
        JSON.stringify(clientMetadata({ response_types: { x: { constructor: {} } } })),
        400,
        'invalid_client_metadata',
      ],
      ['a __proto__ key holding metadata', `{"__proto__":{"token_endpoint_auth_method":"nonsense"},${JSON.stringify(clientMetadata()).slice(1)}`, 201, ''],
    ])('%s: a clear answer, never 500', async (_name, body, status, error) => {
      const res = await fetch(`${t.baseUrl}/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      const json = (await res.json()) as Record<string, unknown>;
      expect(res.status).toBe(status);
      if (error) expect(json.error).toBe(error);
      else expect(json.token_endpoint_auth_method).toBe('none');
    });

    it('unknown metadata, even objects with constructor keys, is ignored (RFC 7591 §2)', async () => {
      const res = await register(t, clientMetadata({ contacts: [{ constructor: '\u0000' }] }));
      expect(res.status).toBe(201);
    });

    it('the client secret is stored only as a hash', async () => {
      const client = await registerServiceClient(t);
      const secret = client.client_secret!;
      const row = await withDb(
        async (db) =>
          (await db.query(`SELECT client_secret_hash, t::text AS everything FROM oauth_clients t WHERE client_id = $1`, [client.client_id])).rows[0],
      );
      expect(row).toBeDefined();
      expect(row.client_secret_hash).toEqual(expect.any(String));
      expect(row.client_secret_hash).not.toBe(secret);
      expect(row.client_secret_hash).not.toContain(secret);
      expect(row.everything).not.toContain(secret);
    });
  });

  describe('25. Client ID Metadata Documents', () => {
    const CIMD_REDIRECT = 'https://cimd-app.example/oauth/callback';
    let n = 0;
    /** A document URL on the test server, unique per call (documents are cached by URL). */
    const docPath = (name: string) => `/clients/${name}-${++n}.json`;

    function authorizeWith(clientId: string, redirectUri = CIMD_REDIRECT) {
      const browser = new TestBrowser([t.baseUrl]);
      const pkce = pkcePair();
      const url = authorizeUrl(t, {
        response_type: 'code',
        client_id: clientId,
        redirect_uri: redirectUri,
        code_challenge: pkce.challenge,
        code_challenge_method: 'S256',
        state: 'cimd-state',
        resource: t.mcpUrl,
      });
      return { browser, pkce, url, page: browser.visit(url) };
    }

    it('a valid document (client_id equal to its URL): consent page naming the redirect host; the whole flow works', async () => {
      const path = docPath('valid');
      const clientId = `${docs.url}${path}`;
      docs.serveJson(path, { client_id: clientId, client_name: 'CIMD Test App', redirect_uris: [CIMD_REDIRECT], token_endpoint_auth_method: 'none' });
      const { browser, pkce, url, page } = authorizeWith(clientId);
      const consent = await page;
      expect(consent.status).toBe(200);
      expect(consent.location).toBeUndefined();
      expect(consent.text).toContain('CIMD Test App');
      expect(consent.text).toMatch(/id="redirect-host"[^>]*>\s*cimd-app\.example\s*</);
      expect(docs.requests).toContain(path);

      const step: ConsentStep = {
        t,
        browser,
        client: {
          client_id: clientId,
          redirect_uris: [CIMD_REDIRECT],
          grant_types: ['authorization_code'],
          token_endpoint_auth_method: 'none',
          response: undefined as never,
        },
        redirectUri: CIMD_REDIRECT,
        state: 'cimd-state',
        verifier: pkce.verifier,
        challenge: pkce.challenge,
        url,
        page: consent,
        fields: hiddenFields(consent.text),
      };
      const auth = await approveAndSignIn(step);
      const res = await exchangeCode(t, auth);
      expect(res.status).toBe(200);
      expect(decodeJwt(res.json.access_token).client_id).toBe(clientId);
    });

    it('a redirect_uri that the document does not list: 400 page, no redirect', async () => {
      const path = docPath('other-redirect');
      const clientId = `${docs.url}${path}`;
      docs.serveJson(path, { client_id: clientId, client_name: 'CIMD App', redirect_uris: [CIMD_REDIRECT] });
      expectErrorPage(await authorizeWith(clientId, 'https://attacker.example/oauth/callback').page, 400);
    });

    it.each<[string, (clientId: string) => unknown]>([
      ['a client_id that differs from the document URL', (id) => ({ client_id: `${id}-other`, client_name: 'Mismatch', redirect_uris: [CIMD_REDIRECT] })],
      [
        'a client_secret in the document',
        (id) => ({ client_id: id, client_name: 'Secretive', redirect_uris: [CIMD_REDIRECT], client_secret: 'shh-this-is-secret' }),
      ],
      ['a document larger than 5 KB', (id) => ({ client_id: id, client_name: 'Big', redirect_uris: [CIMD_REDIRECT], x_padding: 'p'.repeat(6 * 1024) })],
    ])('%s: 400 page, no redirect, no code', async (_name, make) => {
      const path = docPath('bad');
      const clientId = `${docs.url}${path}`;
      docs.serveJson(path, make(clientId));
      const res = await authorizeWith(clientId).page;
      expectErrorPage(res, 400);
      expect(res.text).not.toContain('csrf_token');
      expect(docs.requests).toContain(path);
    });
  });
});
