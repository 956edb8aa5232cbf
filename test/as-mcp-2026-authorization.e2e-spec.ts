import { decodeJwt } from 'jose';
import { toolCall } from './factories/json-rpc.factory.js';
import { register, registerClient } from './factories/oauth-client.factory.js';
import { WeatherToolsModule } from './fixtures/weather-tools.module.js';
import { withDb } from './helpers/db.js';
import { DocumentServer } from './helpers/document-server.js';
import { authorize, authorizeUrl, exchangeCode, pkcePair } from './helpers/oauth-flow.js';
import { expectErrorRedirect, get, postJson } from './helpers/oauth-http.js';
import { TestBrowser } from './helpers/browser.js';
import { startTestApp, uniqueLogin, type TestApp } from './helpers/test-app.js';
import { parseBearerChallenge } from './helpers/www-authenticate.js';

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** Issue 8 item 6: the authorization changes of MCP 2026-07-28. */
describe('MCP 2026-07-28 authorization (issue 8 item 6)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ CIMD_ALLOW_LOOPBACK: 'true' });
  });
  afterAll(() => t.close());

  describe('registration: Client ID Metadata Documents first, dynamic registration switchable', () => {
    it('the metadata says documents are supported, and names the registration endpoint while DCR_ENABLED (default)', async () => {
      const m = (await get(`${t.baseUrl}/.well-known/oauth-authorization-server`)).json;
      expect(m.client_id_metadata_document_supported).toBe(true);
      expect(m.registration_endpoint).toBe(`${t.baseUrl}/register`);
    });

    describe('DCR_ENABLED=false', () => {
      let off: TestApp;
      const docs = new DocumentServer();
      beforeAll(async () => {
        await docs.start();
        off = await startTestApp({ DCR_ENABLED: 'false', CIMD_ALLOW_LOOPBACK: 'true' });
      });
      afterAll(async () => {
        await off.close();
        await docs.stop();
      });

      it('/register answers 404 and the metadata has no registration_endpoint (RFC 8414 §2)', async () => {
        const res = await postJson(`${off.baseUrl}/register`, { redirect_uris: ['http://127.0.0.1:4999/cb'], token_endpoint_auth_method: 'none' });
        expect(res.status).toBe(404);
        for (const path of ['.well-known/oauth-authorization-server', '.well-known/openid-configuration']) {
          const m = (await get(`${off.baseUrl}/${path}`)).json;
          expect(m).not.toHaveProperty('registration_endpoint');
          expect(m.client_id_metadata_document_supported).toBe(true);
        }
      });

      it('a client with a metadata document still signs in', async () => {
        const clientId = `${docs.url}/clients/no-dcr.json`;
        const redirect = 'https://cimd-app.example/cb';
        docs.serveJson('/clients/no-dcr.json', { client_id: clientId, client_name: 'No DCR App', redirect_uris: [redirect], application_type: 'web' });
        const browser = new TestBrowser([off.baseUrl]);
        const pkce = pkcePair();
        const page = await browser.visit(
          authorizeUrl(off, {
            response_type: 'code',
            client_id: clientId,
            redirect_uri: redirect,
            code_challenge: pkce.challenge,
            code_challenge_method: 'S256',
            state: 's',
            resource: off.mcpUrl,
          }),
        );
        expect(page.status).toBe(200);
        expect(page.text).toContain('No DCR App');
        const stored = await withDb((db) => db.query(`SELECT application_type FROM oauth_clients WHERE client_id = $1`, [clientId]));
        expect(stored.rows[0].application_type).toBe('web');
      });
    });
  });

  describe('application_type (OIDC Dynamic Client Registration §2)', () => {
    it.each(['native', 'web'])('%s is accepted, returned and stored', async (applicationType) => {
      const client = await registerClient(t, { application_type: applicationType });
      expect(client.response.json.application_type).toBe(applicationType);
      const stored = await withDb((db) => db.query(`SELECT application_type FROM oauth_clients WHERE client_id = $1`, [client.client_id]));
      expect(stored.rows[0].application_type).toBe(applicationType);
    });

    it.each([['desktop'], [''], [42], [['native']], ['native\u0000']])('%j: 400 invalid_client_metadata', async (applicationType) => {
      const res = await register(t, { redirect_uris: ['http://127.0.0.1:4999/cb'], token_endpoint_auth_method: 'none', application_type: applicationType });
      expect(res.status).toBe(400);
      expect(res.json.error).toBe('invalid_client_metadata');
      expect(res.json.error_description).toContain('application_type');
    });

    it('absent: registered without one (nothing is assumed)', async () => {
      const client = await registerClient(t);
      expect(client.response.json).not.toHaveProperty('application_type');
    });
  });

  describe('offline_access is an authorization server scope, never a resource scope', () => {
    it('listed in the AS metadata scopes_supported, not in the protected resource metadata, not in the 401 challenge', async () => {
      expect((await get(`${t.baseUrl}/.well-known/oauth-authorization-server`)).json.scopes_supported).toContain('offline_access');
      expect((await get(`${t.baseUrl}/.well-known/oauth-protected-resource/mcp`)).json.scopes_supported).not.toContain('offline_access');
      const res = await t.rpc(toolCall('notes.list', {}));
      expect(res.status).toBe(401);
      expect(parseBearerChallenge(res.headers.get('www-authenticate')).params.scope.split(' ')).not.toContain('offline_access');
    });

    it('a token that holds offline_access gets a 403 challenge without it', async () => {
      const token = await t.token(uniqueLogin('offline'), ['notes:read', 'offline_access']);
      const res = await t.rpc(toolCall('notes.create', { title: 'x' }), bearer(token));
      expect(res.status).toBe(403);
      const { params } = parseBearerChallenge(res.headers.get('www-authenticate'));
      expect(params.error).toBe('insufficient_scope');
      expect(params.scope.split(' ').sort()).toEqual(['notes:read', 'notes:write']);
    });
  });

  describe('the 403 insufficient_scope challenge names every scope the operation needs (RFC 6750 §3.1)', () => {
    it('a 2025-03-26 batch needing notes:read and notes:write: both named, in the header and the body', async () => {
      const token = await t.token(uniqueLogin('batch-scope'), ['offline_access']);
      const res = await t.rpc([toolCall('notes.list', {}, { id: 1 }), toolCall('notes.create', { title: 'x' }, { id: 2 })], bearer(token));
      expect(res.status).toBe(403);
      const { params } = parseBearerChallenge(res.headers.get('www-authenticate'));
      expect(params.scope.split(' ').sort()).toEqual(['notes:read', 'notes:write']);
      expect(params.error_description).toContain('notes:read');
      expect(params.error_description).toContain('notes:write');
      expect(res.body.scope.split(' ').sort()).toEqual(['notes:read', 'notes:write']);
    });
  });

  describe('iss on every authorization response, errors included (RFC 9207)', () => {
    it('an error sent back to the client carries iss', async () => {
      const client = await registerClient(t);
      const browser = new TestBrowser([t.baseUrl]);
      const res = await browser.visit(
        authorizeUrl(t, { response_type: 'token', client_id: client.client_id, redirect_uri: client.redirect_uris[0], state: 'st', resource: t.mcpUrl }),
      );
      expectErrorRedirect(res, { redirectUri: client.redirect_uris[0], error: 'unsupported_response_type', state: 'st', iss: t.baseUrl });
    });
  });

  describe('a scope added after a client registered can be granted to it', () => {
    let withWeather: TestApp;
    beforeAll(async () => {
      // Another instance of the same deployment, after a team shipped a tool with a new scope.
      withWeather = await startTestApp({}, { modules: [WeatherToolsModule] });
    });
    afterAll(() => withWeather.close());

    it('a client registered (with a scope) before weather:read existed gets it, and the tool works', async () => {
      const client = await registerClient(t, { scope: 'notes:read notes:write' });
      expect((await get(`${t.baseUrl}/.well-known/oauth-authorization-server`)).json.scopes_supported).not.toContain('weather:read');
      const auth = await authorize(withWeather, { client, scope: 'notes:read weather:read' });
      const res = await exchangeCode(withWeather, auth);
      expect(res.status).toBe(200);
      expect(decodeJwt(res.json.access_token).scope).toBe('notes:read weather:read');
      const call = await withWeather.rpc(toolCall('weather.today', { city: 'Oslo' }), bearer(res.json.access_token));
      expect(call.status).toBe(200);
      expect(call.body.result.content[0].text).toBe('Sunny in Oslo');
    });

    it('a scope the server offered at registration but the client did not register for is still refused', async () => {
      const client = await registerClient(t, { scope: 'notes:read' });
      const browser = new TestBrowser([withWeather.baseUrl]);
      const pkce = pkcePair();
      const res = await browser.visit(
        authorizeUrl(withWeather, {
          response_type: 'code',
          client_id: client.client_id,
          redirect_uri: client.redirect_uris[0],
          code_challenge: pkce.challenge,
          code_challenge_method: 'S256',
          scope: 'notes:write',
          state: 'st',
          resource: withWeather.mcpUrl,
        }),
      );
      expectErrorRedirect(res, { redirectUri: client.redirect_uris[0], error: 'invalid_scope', state: 'st', iss: withWeather.baseUrl });
    });
  });
});
