import { randomBytes, randomUUID } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { rpcRequest, toolCall } from './factories/json-rpc.factory.js';
import { registerClient, registerServiceClient } from './factories/oauth-client.factory.js';
import { postForm } from './helpers/oauth-http.js';
import { hiddenFields } from './helpers/browser.js';
import { launchChromium } from './helpers/chromium.js';
import { withDb } from './helpers/db.js';
import { freePort } from './helpers/free-port.js';
import { openConsent, refreshWith, signInForTokens } from './helpers/oauth-flow.js';
import { RoundRobinProxy } from './helpers/round-robin-proxy.js';
import { ALL_NOTES_SCOPES, startTestApp, uniqueLogin, type TestApp } from './helpers/test-app.js';
import { parseBearerChallenge } from './helpers/www-authenticate.js';
import { jsonOrUndefined } from './helpers/http.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const API_KEY = /^smcp_[0-9a-f]{32}_[A-Za-z0-9_-]{43}$/;
const ADMIN_SCOPES = ['admin', 'notes:read', 'notes:write'];

/** Every admin route, as the OpenAPI document names it; the /docs test checks that the list is complete. */
const ROUTES: ReadonlyArray<readonly [method: string, path: string, target: string]> = [
  ['POST', '/admin/clients', 'clients.create'],
  ['GET', '/admin/clients', 'clients.list'],
  ['GET', '/admin/clients/{clientId}', 'clients.get'],
  ['POST', '/admin/clients/{clientId}/revoke', 'clients.revoke'],
  ['GET', '/admin/users', 'users.list'],
  ['GET', '/admin/users/{id}', 'users.get'],
  ['POST', '/admin/users/{id}/disable', 'users.disable'],
  ['POST', '/admin/users/{id}/enable', 'users.enable'],
  ['GET', '/admin/grants', 'grants.list'],
  ['POST', '/admin/grants/{id}/revoke', 'grants.revoke'],
  ['GET', '/admin/keys', 'keys.list'],
  ['POST', '/admin/keys/rotate', 'keys.rotate'],
  ['POST', '/admin/api-keys', 'api-keys.create'],
  ['GET', '/admin/api-keys', 'api-keys.list'],
  ['POST', '/admin/api-keys/{id}/revoke', 'api-keys.revoke'],
  ['GET', '/admin/audit', 'audit.list'],
];

type Auth = { bearer: string } | { apiKey: string } | undefined;

interface Res {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One instance directly, bypassing the load balancer (revocation must reach each instance on its own). */
const direct = (t: TestApp): string => `http://127.0.0.1:${t.config.port}`;

function authHeaders(auth: Auth): Record<string, string> {
  if (!auth) return {};
  return 'bearer' in auth ? { authorization: `Bearer ${auth.bearer}` } : { 'x-api-key': auth.apiKey };
}

async function send(t: TestApp, method: string, path: string, auth: Auth, body?: unknown, headers: Record<string, string> = {}): Promise<Res> {
  const res = await fetch(`${direct(t)}${path}`, {
    method,
    headers: { ...authHeaders(auth), ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: jsonOrUndefined(text) };
}

function mcp(t: TestApp, auth: Auth, message: unknown): Promise<Res> {
  return send(t, 'POST', '/mcp', auth, message, { accept: 'application/json, text/event-stream' });
}

/**
 * Polls tools/list on `t` every 100 ms until it is refused (401), for at most 3 s; returns the last
 * status and how long after `since` it came.
 */
async function refusedAfter(t: TestApp, auth: Auth, since: number): Promise<{ status: number; ms: number }> {
  for (;;) {
    const { status } = await mcp(t, auth, rpcRequest('tools/list'));
    const ms = Date.now() - since;
    if (status === 401 || ms > 3000) return { status, ms };
    await sleep(100);
  }
}

describe('admin REST API (two instances on one database)', () => {
  let a: TestApp;
  let b: TestApp;
  let proxy: RoundRobinProxy;
  let adminToken: string;
  let adminId: string;
  const admin = (t: TestApp, method: string, path: string, body?: unknown) => send(t, method, path, { bearer: adminToken }, body);

  beforeAll(async () => {
    const port = await freePort();
    // Both instances serve one public URL (behind the round-robin proxy), as in production.
    const env = { ADMIN_GITHUB_LOGINS: 'root-admin', PUBLIC_URL: `http://localhost:${port}` };
    a = await startTestApp(env);
    b = await startTestApp(env);
    proxy = new RoundRobinProxy(() => [a.config.port, b.config.port]);
    await proxy.start(port);
    adminToken = await a.token('root-admin', ADMIN_SCOPES);
    adminId = await a.userId('root-admin');
  });
  afterAll(async () => {
    await proxy?.stop();
    await a?.close();
    await b?.close();
  });

  /** Creates an API key through the admin API and returns the secret and its id. */
  async function createKey(body: Record<string, unknown>, on: TestApp = a): Promise<{ key: string; id: string }> {
    const res = await admin(on, 'POST', '/admin/api-keys', { name: 'e2e key', ...body });
    if (res.status !== 201) throw new Error(`API key creation failed: ${res.status} ${res.text}`);
    return { key: res.json.key, id: res.json.apiKey.id };
  }

  describe('access: the admin scope or nothing', () => {
    /** Real ids, so that a refused request would have had something to change. */
    let victim: { clientId: string; userId: string; grantId: string; apiKeyId: string };
    let paths: Array<[method: string, path: string, target: string]>;

    beforeAll(async () => {
      const login = uniqueLogin('victim');
      const { auth } = await signInForTokens(a, { login });
      const userId = await a.userId(login);
      const grants = await admin(a, 'GET', `/admin/grants?userId=${userId}`);
      const { id: apiKeyId } = await createKey({ scopes: ['notes:read'], userId });
      victim = { clientId: auth.client.client_id, userId, grantId: grants.json.grants[0].id, apiKeyId };
      paths = ROUTES.map(([method, template, target]) => {
        const id = template.startsWith('/admin/users') ? victim.userId : template.startsWith('/admin/grants') ? victim.grantId : victim.apiKeyId;
        return [method, template.replace('{clientId}', encodeURIComponent(victim.clientId)).replace('{id}', id), target];
      });
    });

    it('without credentials every admin route is 401 with a Bearer challenge', async () => {
      for (const [method, path] of paths) {
        const res = await send(a, method, path, undefined, method === 'POST' ? {} : undefined);
        expect([method, path, res.status]).toEqual([method, path, 401]);
        const challenge = parseBearerChallenge(res.headers.get('www-authenticate'));
        expect(challenge.scheme).toBe('Bearer');
        expect(challenge.params.resource_metadata).toBe(`${a.baseUrl}/.well-known/oauth-protected-resource/mcp`);
      }
    });

    it('a token without the admin scope gets 403 insufficient_scope on every admin route, and changes nothing', async () => {
      const login = uniqueLogin('nonadmin');
      const token = await a.token(login, ALL_NOTES_SCOPES);
      const keysBefore = (await admin(a, 'GET', '/admin/keys')).json.keys;
      for (const [method, path] of paths) {
        const body = path === '/admin/api-keys' && method === 'POST' ? { name: 'sneaky', scopes: ['admin'] } : undefined;
        const res = await send(a, method, path, { bearer: token }, body);
        expect([method, path, res.status]).toEqual([method, path, 403]);
        const challenge = parseBearerChallenge(res.headers.get('www-authenticate'));
        expect(challenge.params.error).toBe('insufficient_scope');
        expect(challenge.params.scope.split(' ')).toEqual(expect.arrayContaining(['admin', 'notes:read', 'notes:write']));
        expect(res.json).toMatchObject({ error: 'insufficient_scope' });
      }
      // Nothing was revoked, disabled, rotated or created.
      expect((await admin(a, 'GET', `/admin/clients/${encodeURIComponent(victim.clientId)}`)).json.revokedAt).toBeNull();
      expect((await admin(a, 'GET', `/admin/users/${victim.userId}`)).json.disabledAt).toBeNull();
      expect((await admin(a, 'GET', `/admin/grants?userId=${victim.userId}&status=active`)).json.grants).toHaveLength(1);
      expect((await admin(a, 'GET', '/admin/keys')).json.keys).toEqual(keysBefore);
      const keys = (await admin(a, 'GET', `/admin/api-keys?userId=${await a.userId(login)}&includeRevoked=true`)).json.apiKeys;
      expect(keys).toEqual([]);
      expect((await admin(a, 'GET', `/admin/api-keys?userId=${victim.userId}`)).json.apiKeys.map((k: { id: string }) => k.id)).toEqual([victim.apiKeyId]);

      // Each refusal is in the audit trail, named like the action it attempted.
      const audit = await admin(a, 'GET', `/admin/audit?kind=admin&userId=${await a.userId(login)}&limit=200`);
      expect(audit.status).toBe(200);
      expect(audit.json.events.every((e: { outcome: string }) => e.outcome === 'denied')).toBe(true);
      expect(audit.json.events.map((e: { target: string }) => e.target).sort()).toEqual(ROUTES.map(([, , target]) => target).sort());
    });

    it('an API key without the admin scope gets 403 on /admin', async () => {
      const { key } = await createKey({ scopes: ['notes:read', 'notes:write'] });
      for (const auth of [{ apiKey: key }, { bearer: key }]) {
        const res = await send(a, 'GET', '/admin/users', auth);
        expect(res.status).toBe(403);
        expect(parseBearerChallenge(res.headers.get('www-authenticate')).params.error).toBe('insufficient_scope');
      }
    });

    it('an administrator signed in through OAuth gets the admin scope; anyone else asking for it does not', async () => {
      const root = await signInForTokens(a, { login: 'root-admin', scope: 'admin notes:read' });
      expect(root.tokens.scope.split(' ').sort()).toEqual(['admin', 'notes:read']);
      expect((await send(b, 'GET', '/admin/users?limit=1', { bearer: root.tokens.access_token })).status).toBe(200);

      const other = await signInForTokens(a, { login: uniqueLogin('wannabe'), scope: 'admin notes:read' });
      expect(other.tokens.scope).toBe('notes:read');
      expect((await send(b, 'GET', '/admin/users?limit=1', { bearer: other.tokens.access_token })).status).toBe(403);
    });
  });

  describe('clients', () => {
    it('an administrator registers a confidential client: the secret once, kind admin, the new client_id in the audit record', async () => {
      const name = `admin-made ${randomBytes(4).toString('hex')}`;
      const res = await admin(a, 'POST', '/admin/clients', { client_name: name, grant_types: ['client_credentials'], scope: 'notes:read' });
      expect(res.status).toBe(201);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.json).toMatchObject({
        client_name: name,
        grant_types: ['client_credentials'],
        token_endpoint_auth_method: 'client_secret_basic',
        scope: 'notes:read',
      });
      const { client_id: clientId, client_secret: secret } = res.json as { client_id: string; client_secret: string };
      expect(secret).toMatch(/^[A-Za-z0-9_-]{40,}$/);

      const shown = await admin(b, 'GET', `/admin/clients/${clientId}`);
      expect(shown.json).toMatchObject({ clientId, kind: 'admin', clientName: name, hasSecret: true });
      expect(shown.text).not.toContain(secret);
      expect(
        (await admin(b, 'GET', `/admin/clients?kind=admin&q=${encodeURIComponent(name)}`)).json.clients.map((c: { clientId: string }) => c.clientId),
      ).toEqual([clientId]);

      const token = await postForm(`${a.baseUrl}/token`, { grant_type: 'client_credentials', scope: 'notes:read' }, { basic: { id: clientId, secret } });
      expect(token.status).toBe(200);
      expect(token.json.scope).toBe('notes:read');

      const audit = await admin(a, 'GET', `/admin/audit?kind=admin&target=clients.create&userId=${adminId}&limit=50`);
      const event = (audit.json.events as Array<{ outcome: string; detail: { created?: string } }>).find((e) => e.detail.created === clientId);
      expect(event).toMatchObject({ outcome: 'ok', detail: { method: 'POST', created: clientId } });
      expect(JSON.stringify(audit.json)).not.toContain(secret);
    });

    it('registration by an administrator follows the /register rules: RFC 7591 errors for bad metadata, never a 500, nothing stored', async () => {
      const before = (await admin(a, 'GET', '/admin/clients?kind=admin&limit=100')).json.clients.length;
      const cases: Array<[body: unknown, error: string]> = [
        [[], 'invalid_client_metadata'],
        ['x', 'invalid_request'], // not a JSON object: refused by the body parser, as on /register
        [{ grant_types: ['client_credentials'], token_endpoint_auth_method: 'none' }, 'invalid_client_metadata'],
        [{ grant_types: ['urn:ietf:params:oauth:grant-type:jwt-bearer'] }, 'invalid_client_metadata'], // no TRUSTED_IDJAG_ISSUERS here
        [{ grant_types: ['authorization_code'], redirect_uris: ['http://evil.example/cb'] }, 'invalid_redirect_uri'],
        [{ grant_types: ['client_credentials'], client_name: 'nul\u0000name' }, 'invalid_client_metadata'],
        [{ grant_types: ['client_credentials'], client_name: 'lone \ud800' }, 'invalid_client_metadata'],
        [{ grant_types: ['client_credentials'], client_name: 'x'.repeat(10_000) }, 'invalid_client_metadata'],
        [{ grant_types: ['client_credentials'], scope: 'no-such-scope' }, 'invalid_client_metadata'],
        [JSON.parse('{"__proto__": {"grant_types": ["client_credentials"]}, "grant_types": 5}'), 'invalid_client_metadata'],
      ];
      for (const [body, error] of cases) {
        const res = await admin(a, 'POST', '/admin/clients', body);
        expect([JSON.stringify(body).slice(0, 60), res.status, res.json?.error]).toEqual([JSON.stringify(body).slice(0, 60), 400, error]);
      }
      expect((await admin(a, 'GET', '/admin/clients?kind=admin&limit=100')).json.clients.length).toBe(before);
    });

    it('lists with kind, revoked and text filters, newest first, page by page', async () => {
      const tag = `adm-${randomBytes(4).toString('hex')}`;
      const registered: string[] = [];
      for (let i = 0; i < 3; i++) registered.push((await registerClient(a, { client_name: `${tag} client ${i}` })).client_id);

      const seen: Array<{ clientId: string; createdAt: string; kind: string; clientName: string }> = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res = await admin(a, 'GET', `/admin/clients?q=${tag}&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        expect(res.status).toBe(200);
        expect(res.json.clients.length).toBeLessThanOrEqual(2);
        seen.push(...res.json.clients);
        cursor = res.json.nextCursor;
        pages++;
      } while (cursor && pages < 5);
      expect(pages).toBe(2);
      expect(seen.map((c) => c.clientId)).toEqual([...registered].reverse());
      expect(seen.every((c) => c.kind === 'dcr' && c.clientName.startsWith(tag))).toBe(true);

      // The text filter matches client_id too, and takes % and _ literally.
      expect((await admin(a, 'GET', `/admin/clients?q=${registered[1]}`)).json.clients.map((c: { clientId: string }) => c.clientId)).toEqual([registered[1]]);
      expect((await admin(a, 'GET', `/admin/clients?q=${encodeURIComponent(`${tag}%`)}`)).json.clients).toEqual([]);
      expect((await admin(a, 'GET', `/admin/clients?q=${tag}&kind=cimd`)).json.clients).toEqual([]);
      expect((await admin(a, 'GET', `/admin/clients?q=${tag}&revoked=true`)).json.clients).toEqual([]);
      expect((await admin(a, 'GET', `/admin/clients?q=${tag}&revoked=false&kind=dcr`)).json.clients).toHaveLength(3);
    });

    it('shows registration data without the secret, live grants and last use', async () => {
      const login = uniqueLogin('cli');
      const { auth } = await signInForTokens(a, { login });
      const res = await admin(b, 'GET', `/admin/clients/${auth.client.client_id}`);
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({
        clientId: auth.client.client_id,
        kind: 'dcr',
        tokenEndpointAuthMethod: 'none',
        redirectUris: auth.client.redirect_uris,
        grantTypes: ['authorization_code', 'refresh_token'],
        hasSecret: false,
        revokedAt: null,
        activeGrants: 1,
      });
      expect(Date.parse(res.json.lastUsedAt)).toBeGreaterThan(Date.now() - 60_000);
      expect(res.json.grants).toHaveLength(1);
      expect(res.json.grants[0]).toMatchObject({ login, clientId: auth.client.client_id, revokedAt: null });

      const service = await registerServiceClient(a);
      const confidential = await admin(a, 'GET', `/admin/clients/${service.client_id}`);
      expect(confidential.json).toMatchObject({ hasSecret: true, tokenEndpointAuthMethod: 'client_secret_basic', activeGrants: 0, lastUsedAt: null });
      expect(confidential.json).not.toHaveProperty('clientSecretHash');
      expect(confidential.text).not.toContain(service.client_secret!);
    });

    it('a client_id that is a URL (CIMD) works URL-encoded in the path', async () => {
      const clientId = `https://cimd-${randomBytes(4).toString('hex')}.example.com/oauth/client.json`;
      await withDb((db) =>
        db.query(
          `INSERT INTO oauth_clients (client_id, kind, token_endpoint_auth_method, grant_types, redirect_uris, client_name, fetched_at)
           VALUES ($1, 'cimd', 'none', '{authorization_code}', '{http://127.0.0.1:5555/cb}', 'A CIMD client', now())`,
          [clientId],
        ),
      );
      const shown = await admin(a, 'GET', `/admin/clients/${encodeURIComponent(clientId)}`);
      expect(shown.status).toBe(200);
      expect(shown.json).toMatchObject({ clientId, kind: 'cimd', clientName: 'A CIMD client' });
      expect(
        (await admin(a, 'GET', `/admin/clients?kind=cimd&q=${encodeURIComponent(clientId)}`)).json.clients.map((c: { clientId: string }) => c.clientId),
      ).toEqual([clientId]);
      const revoked = await admin(a, 'POST', `/admin/clients/${encodeURIComponent(clientId)}/revoke`);
      expect(revoked.status).toBe(200);
      expect(revoked.json.clientId).toBe(clientId);
      // The authorization server now refuses the client even though its document is cached.
      const authorize = await fetch(`${a.baseUrl}/authorize?response_type=code&client_id=${encodeURIComponent(clientId)}`, { redirect: 'manual' });
      expect(authorize.status).toBe(400);
    });

    it('revoke through instance A: both instances refuse its access token within a second, its refresh token fails', async () => {
      const { auth, tokens } = await signInForTokens(a, { login: uniqueLogin('revoked') });
      const clientId = auth.client.client_id;
      const bearer = { bearer: tokens.access_token };
      expect((await mcp(a, bearer, rpcRequest('tools/list'))).status).toBe(200);
      expect((await mcp(b, bearer, rpcRequest('tools/list'))).status).toBe(200);

      const res = await admin(a, 'POST', `/admin/clients/${clientId}/revoke`);
      const revokedAt = Date.now();
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({ clientId, grantsRevoked: 1 });

      expect((await mcp(a, bearer, rpcRequest('tools/list'))).status).toBe(401);
      const onB = await refusedAfter(b, bearer, revokedAt);
      expect(onB.status).toBe(401);
      expect(onB.ms).toBeLessThan(1000);

      const refresh = await refreshWith(a, clientId, tokens.refresh_token!);
      expect(refresh.status).toBe(401);
      expect(refresh.json.error).toBe('invalid_client');
      const grants = await admin(b, 'GET', `/admin/grants?clientId=${clientId}`);
      expect(grants.json.grants).toHaveLength(1);
      expect(grants.json.grants[0]).toMatchObject({ revokedReason: 'client revoked by an administrator' });
      expect(grants.json.grants[0].revokedAt).not.toBeNull();

      // Idempotent: the same revocation time, nothing more to revoke; listed as revoked.
      const again = await admin(b, 'POST', `/admin/clients/${clientId}/revoke`);
      expect(again.status).toBe(200);
      expect(again.json).toEqual({ clientId, revokedAt: res.json.revokedAt, grantsRevoked: 0 });
      const listed = await admin(a, 'GET', `/admin/clients?q=${clientId}&revoked=true`);
      expect(listed.json.clients.map((c: { clientId: string }) => c.clientId)).toEqual([clientId]);
    });
  });

  describe('users', () => {
    it('lists by text and state, and shows a user with their grants', async () => {
      const login = uniqueLogin('lister');
      const { auth } = await signInForTokens(a, { login });
      const userId = await a.userId(login);
      const listed = await admin(a, 'GET', `/admin/users?q=${login}`);
      expect(listed.status).toBe(200);
      expect(listed.json.users).toEqual([expect.objectContaining({ id: userId, login, source: 'dev', disabledAt: null, activeGrants: 1 })]);
      expect((await admin(a, 'GET', `/admin/users?q=${login}&disabled=true`)).json.users).toEqual([]);

      const shown = await admin(b, 'GET', `/admin/users/${userId}`);
      expect(shown.status).toBe(200);
      expect(shown.json).toMatchObject({ id: userId, login, activeGrants: 1 });
      expect(shown.json.grants).toEqual([expect.objectContaining({ clientId: auth.client.client_id, userId, revokedAt: null })]);

      // Pages of two: every user once, newest first.
      const tag = `pg${randomBytes(3).toString('hex')}`;
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) ids.push(await a.userId(uniqueLogin(tag)));
      const first = await admin(a, 'GET', `/admin/users?q=${tag}&limit=2`);
      expect(first.json.users).toHaveLength(2);
      const second = await admin(a, 'GET', `/admin/users?q=${tag}&limit=2&cursor=${encodeURIComponent(first.json.nextCursor)}`);
      expect(second.json.nextCursor).toBeNull();
      expect([...first.json.users, ...second.json.users].map((u: { id: string }) => u.id)).toEqual([...ids].reverse());
    });

    it('disable: tokens and API keys refused on both instances within a second, refresh fails, sign-in refused', async () => {
      const login = uniqueLogin('disabled');
      const { auth, tokens } = await signInForTokens(a, { login });
      const userId = await a.userId(login);
      const { key } = await createKey({ scopes: ['notes:read'], userId });
      const bearer = { bearer: tokens.access_token };
      const apiKey = { apiKey: key };
      // B has verified (and cached) the key: only the revocation can stop it there.
      expect((await mcp(b, apiKey, rpcRequest('tools/list'))).status).toBe(200);
      expect((await mcp(b, bearer, rpcRequest('tools/list'))).status).toBe(200);

      const res = await admin(a, 'POST', `/admin/users/${userId}/disable`);
      const disabledAt = Date.now();
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({ user: { id: userId, login, activeGrants: 0 }, grantsRevoked: 1 });
      expect(res.json.user.disabledAt).not.toBeNull();

      expect((await mcp(a, bearer, rpcRequest('tools/list'))).status).toBe(401);
      expect((await mcp(a, apiKey, rpcRequest('tools/list'))).status).toBe(401);
      for (const auth of [bearer, apiKey]) {
        const onB = await refusedAfter(b, auth, disabledAt);
        expect(onB.status).toBe(401);
        expect(onB.ms).toBeLessThan(1000);
      }

      const refresh = await refreshWith(a, auth.client.client_id, tokens.refresh_token!);
      expect(refresh.status).toBe(400);
      expect(refresh.json.error).toBe('invalid_grant');

      // Signing in again, even from the browser that was signed in, ends on the refusal page.
      const step = await openConsent(a, { client: auth.client, browser: auth.browser });
      let page = await step.browser.submit(`${a.baseUrl}/authorize/consent`, { ...step.fields, decision: 'approve' });
      expect(new URL(page.url).pathname).toBe('/auth/dev');
      page = await step.browser.submit(`${a.baseUrl}/auth/dev`, { ...hiddenFields(page.text), login });
      expect(page.status).toBe(403);
      expect(page.text).toContain('disabled');
      expect(page.location).toBeUndefined();

      // Idempotent.
      const again = await admin(b, 'POST', `/admin/users/${userId}/disable`);
      expect(again.status).toBe(200);
      expect(again.json.user.disabledAt).toBe(res.json.user.disabledAt);
      expect(again.json.grantsRevoked).toBe(0);
      expect((await admin(a, 'GET', `/admin/users?q=${login}&disabled=true`)).json.users).toHaveLength(1);
    });

    it('an administrator cannot disable their own account', async () => {
      const res = await admin(a, 'POST', `/admin/users/${adminId}/disable`);
      expect(res.status).toBe(409);
      expect(res.json).toMatchObject({ error: 'conflict' });
      expect((await admin(a, 'GET', `/admin/users/${adminId}`)).json.disabledAt).toBeNull();
    });
  });

  describe('grants', () => {
    it('lists by user and client and state; revoking one through B stops its tokens on A', async () => {
      const login = uniqueLogin('granted');
      const { auth, tokens } = await signInForTokens(a, { login });
      const userId = await a.userId(login);
      const listed = await admin(a, 'GET', `/admin/grants?userId=${userId}&status=active`);
      expect(listed.json.grants).toEqual([
        expect.objectContaining({ userId, login, clientId: auth.client.client_id, scopes: ['notes:read', 'notes:write'], revokedAt: null }),
      ]);
      const grantId = listed.json.grants[0].id;
      expect(grantId).toMatch(UUID);
      expect((await admin(a, 'GET', `/admin/grants?clientId=${auth.client.client_id}`)).json.grants.map((g: { id: string }) => g.id)).toEqual([grantId]);
      expect((await admin(a, 'GET', `/admin/grants?userId=${userId}&status=revoked`)).json.grants).toEqual([]);

      const bearer = { bearer: tokens.access_token };
      expect((await mcp(a, bearer, rpcRequest('tools/list'))).status).toBe(200);
      const res = await admin(b, 'POST', `/admin/grants/${grantId}/revoke`);
      const revokedAt = Date.now();
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({ id: grantId, revokedReason: 'revoked by an administrator' });
      expect((await mcp(b, bearer, rpcRequest('tools/list'))).status).toBe(401);
      const onA = await refusedAfter(a, bearer, revokedAt);
      expect(onA.status).toBe(401);
      expect(onA.ms).toBeLessThan(1000);

      const refresh = await refreshWith(a, auth.client.client_id, tokens.refresh_token!);
      expect(refresh.status).toBe(400);
      expect(refresh.json.error).toBe('invalid_grant');
      expect((await admin(a, 'GET', `/admin/grants?userId=${userId}&status=revoked`)).json.grants.map((g: { id: string }) => g.id)).toEqual([grantId]);
      expect((await admin(a, 'POST', `/admin/grants/${grantId}/revoke`)).status).toBe(200);
    });
  });

  describe('API keys', () => {
    it('create shows the key once; it works as X-API-Key and as a Bearer token on /mcp and /admin', async () => {
      const res = await admin(a, 'POST', '/admin/api-keys', { name: 'CI', scopes: ['notes:read', 'notes:write', 'admin'], expiresInDays: 30 });
      expect(res.status).toBe(201);
      const { key, apiKey } = res.json;
      expect(key).toMatch(API_KEY);
      expect(apiKey).toMatchObject({
        name: 'CI',
        scopes: ['notes:read', 'notes:write', 'admin'],
        userId: adminId,
        login: 'root-admin',
        createdBy: adminId,
        revokedAt: null,
      });
      expect(Date.parse(apiKey.expiresAt) - Date.now()).toBeGreaterThan(29 * 86_400_000);
      expect(Object.keys(apiKey).sort()).toEqual(['createdAt', 'createdBy', 'expiresAt', 'id', 'lastUsedAt', 'login', 'name', 'revokedAt', 'scopes', 'userId']);

      for (const auth of [{ apiKey: key }, { bearer: key }] as const) {
        const tools = await mcp(b, auth, rpcRequest('tools/list'));
        expect(tools.status).toBe(200);
        expect(tools.json.result.tools.map((t: { name: string }) => t.name)).toContain('notes.create');
        const created = await mcp(a, auth, toolCall('notes.create', { title: 'written by CI', body: 'via an API key' }));
        expect(created.status).toBe(200);
        expect(created.json.result.isError).toBeFalsy();
        expect((await send(b, 'GET', '/admin/keys', auth)).status).toBe(200);
      }

      // Listed without the secret (or its hash). The secret is everything after the second "_" (it may contain "_" itself).
      const secret = key.slice(key.indexOf('_', 'smcp_'.length) + 1);
      expect(secret).toHaveLength(43);
      const listed = await admin(b, 'GET', `/admin/api-keys?userId=${adminId}`);
      expect(listed.json.apiKeys.map((k: { id: string }) => k.id)).toContain(apiKey.id);
      expect(listed.text).not.toContain(secret);
      expect(listed.text).not.toContain('keyHash');
      // Nor is it in the audit trail of its creation.
      const audit = await admin(a, 'GET', `/admin/audit?target=api-keys.create&userId=${adminId}`);
      expect(audit.json.events.length).toBeGreaterThan(0);
      expect(audit.text).not.toContain(secret);
      // Its calls are audited under the key.
      const calls = await admin(a, 'GET', `/admin/audit?clientId=api-key:${apiKey.id}&target=notes.create`);
      expect(calls.json.events).toHaveLength(2);
    });

    it('a key with notes:read only cannot call notes.create (403 insufficient_scope)', async () => {
      const { key } = await createKey({ scopes: ['notes:read'] });
      expect((await mcp(a, { apiKey: key }, rpcRequest('tools/list'))).status).toBe(200);
      const res = await mcp(a, { apiKey: key }, toolCall('notes.create', { title: 'nope' }));
      expect(res.status).toBe(403);
      expect(parseBearerChallenge(res.headers.get('www-authenticate')).params).toMatchObject({ error: 'insufficient_scope' });
    });

    it('revoke: 401 at once on the same instance, within a second on the other; listed as revoked', async () => {
      const { key, id } = await createKey({ scopes: ['notes:read'] });
      const auth = { apiKey: key };
      expect((await mcp(a, auth, rpcRequest('tools/list'))).status).toBe(200);
      expect((await mcp(b, auth, rpcRequest('tools/list'))).status).toBe(200);

      const res = await admin(a, 'POST', `/admin/api-keys/${id}/revoke`);
      const revokedAt = Date.now();
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({ id });
      expect(res.json.revokedAt).not.toBeNull();
      expect((await mcp(a, auth, rpcRequest('tools/list'))).status).toBe(401);
      const onB = await refusedAfter(b, auth, revokedAt);
      expect(onB.status).toBe(401);
      expect(onB.ms).toBeLessThan(1000);

      expect((await admin(a, 'GET', `/admin/api-keys?userId=${adminId}`)).json.apiKeys.map((k: { id: string }) => k.id)).not.toContain(id);
      const withRevoked = await admin(a, 'GET', `/admin/api-keys?userId=${adminId}&includeRevoked=true`);
      expect(withRevoked.json.apiKeys.find((k: { id: string }) => k.id === id)?.revokedAt).not.toBeNull();
      expect((await admin(a, 'POST', `/admin/api-keys/${id}/revoke`)).status).toBe(200);
    });

    it('an expired key is refused', async () => {
      const { key, id } = await createKey({ scopes: ['notes:read'], expiresInDays: 1 });
      await withDb((db) => db.query(`UPDATE api_keys SET expires_at = now() - interval '1 minute' WHERE id = $1`, [id]));
      const res = await mcp(a, { apiKey: key }, rpcRequest('tools/list'));
      expect(res.status).toBe(401);
      expect(parseBearerChallenge(res.headers.get('www-authenticate')).params.error).toBe('invalid_token');
    });

    it('the owner must exist and be enabled', async () => {
      const unknown = await admin(a, 'POST', '/admin/api-keys', { name: 'x', scopes: ['notes:read'], userId: randomUUID() });
      expect(unknown.status).toBe(400);
      expect(unknown.json.error_description).toContain('no such user');

      const login = uniqueLogin('gone');
      const userId = await a.userId(login);
      expect((await admin(a, 'POST', `/admin/users/${userId}/disable`)).status).toBe(200);
      const disabled = await admin(a, 'POST', '/admin/api-keys', { name: 'x', scopes: ['notes:read'], userId });
      expect(disabled.status).toBe(409);
    });
  });

  describe('audit', () => {
    it('returns the calls just made, filtered by user and tool, newest first, page by page', async () => {
      const login = uniqueLogin('audited');
      const userId = await a.userId(login);
      const token = await a.token(login, ALL_NOTES_SCOPES, { clientId: 'audit-e2e-client' });
      const before = new Date().toISOString();
      for (const title of ['one', 'two', 'three']) {
        expect((await mcp(a, { bearer: token }, toolCall('notes.create', { title }))).status).toBe(200);
      }
      expect((await mcp(a, { bearer: token }, toolCall('notes.list', {}))).status).toBe(200);

      const all = await admin(a, 'GET', `/admin/audit?userId=${userId}&target=notes.create`);
      expect(all.status).toBe(200);
      expect(all.json.nextCursor).toBeNull();
      const events = all.json.events as Array<{
        id: string;
        occurredAt: string;
        kind: string;
        outcome: string;
        clientId: string;
        target: string;
        latencyMs: number;
      }>;
      expect(events).toHaveLength(3);
      for (const e of events) expect(e).toMatchObject({ kind: 'tool', target: 'notes.create', outcome: 'ok', userId, clientId: 'audit-e2e-client' });
      const times = events.map((e) => Date.parse(e.occurredAt));
      expect([...times].sort((x, y) => y - x)).toEqual(times);

      const page1 = await admin(a, 'GET', `/admin/audit?userId=${userId}&target=notes.create&limit=2`);
      expect(page1.json.events).toHaveLength(2);
      expect(page1.json.nextCursor).toEqual(expect.any(String));
      const page2 = await admin(a, 'GET', `/admin/audit?userId=${userId}&target=notes.create&limit=2&cursor=${encodeURIComponent(page1.json.nextCursor)}`);
      expect(page2.json.events).toHaveLength(1);
      expect(page2.json.nextCursor).toBeNull();
      expect([...page1.json.events, ...page2.json.events].map((e: { id: string }) => e.id)).toEqual(events.map((e) => e.id));

      expect((await admin(a, 'GET', `/admin/audit?userId=${userId}&kind=tool&outcome=ok`)).json.events).toHaveLength(4);
      expect((await admin(a, 'GET', `/admin/audit?userId=${userId}&from=${before}`)).json.events).toHaveLength(4);
      expect((await admin(a, 'GET', `/admin/audit?userId=${userId}&to=${before}`)).json.events).toEqual([]);
      expect((await admin(a, 'GET', `/admin/audit?clientId=audit-e2e-client&target=notes.list`)).json.events).toHaveLength(1);
    });

    it('admin actions are audited with kind admin, the administrator, the outcome and the latency', async () => {
      const victim = await registerClient(a);
      expect((await admin(b, 'POST', `/admin/clients/${victim.client_id}/revoke`)).status).toBe(200);
      expect((await admin(b, 'GET', `/admin/users/${randomUUID()}`)).status).toBe(404);
      await sleep(300); // B writes its audit buffer every 100 ms in tests

      const revokes = await admin(a, 'GET', `/admin/audit?kind=admin&target=clients.revoke&userId=${adminId}`);
      const mine = revokes.json.events.find((e: { detail: { params?: { clientId?: string } } }) => e.detail.params?.clientId === victim.client_id);
      expect(mine).toMatchObject({ kind: 'admin', outcome: 'ok', userId: adminId, clientId: 'test-client' });
      expect(mine.latencyMs).toEqual(expect.any(Number));
      expect(mine.requestId).toEqual(expect.any(String));
      const misses = await admin(a, 'GET', `/admin/audit?kind=admin&target=users.get&outcome=error&userId=${adminId}`);
      expect(misses.json.events[0]).toMatchObject({ outcome: 'error', detail: { status: 404 } });
    });
  });

  describe('bad input is a 400 (never a 500), an unknown id a 404', () => {
    it.each<[string, string, string, unknown?]>([
      ['a malformed user id', 'GET', '/admin/users/not-a-uuid'],
      ['a malformed user id to disable', 'POST', '/admin/users/123/disable'],
      ['a malformed grant id', 'POST', '/admin/grants/123/revoke'],
      ['a malformed API key id', 'POST', '/admin/api-keys/smcp_x/revoke'],
      ['limit above 100', 'GET', '/admin/clients?limit=1000'],
      ['limit 0', 'GET', '/admin/users?limit=0'],
      ['a limit that is not a number', 'GET', '/admin/grants?limit=ten'],
      ['a repeated limit', 'GET', '/admin/clients?limit=1&limit=2'],
      ['audit limit above 200', 'GET', '/admin/audit?limit=1000'],
      ['from that is not a date', 'GET', '/admin/audit?from=not-a-date'],
      ['to that is not a date', 'GET', '/admin/audit?to=2024-13-45'],
      ['from after to', 'GET', '/admin/audit?from=2030-01-01T00:00:00Z&to=2020-01-01T00:00:00Z'],
      ['an unknown audit kind', 'GET', '/admin/audit?kind=bogus'],
      ['an unknown outcome', 'GET', '/admin/audit?outcome=meh'],
      ['a malformed userId filter', 'GET', '/admin/audit?userId=bob'],
      ['a forged cursor', 'GET', '/admin/audit?cursor=eyJ4IjoxfQ'],
      ['a cursor of another list', 'GET', `/admin/users?cursor=${Buffer.from(JSON.stringify(['2024-01-01T00:00:00.000000Z', 'mcp_x'])).toString('base64url')}`],
      ['an unknown client kind', 'GET', '/admin/clients?kind=other'],
      ['revoked that is not a boolean', 'GET', '/admin/clients?revoked=maybe'],
      ['an unknown grant status', 'GET', '/admin/grants?status=expired'],
      ['an unknown query parameter', 'GET', '/admin/clients?owner=me'],
      ['includeRevoked that is not a boolean', 'GET', '/admin/api-keys?includeRevoked=1'],
      ['an unknown scope', 'POST', '/admin/api-keys', { name: 'x', scopes: ['notes:read', 'root:everything'] }],
      ['no scopes', 'POST', '/admin/api-keys', { name: 'x', scopes: [] }],
      ['scopes as a string', 'POST', '/admin/api-keys', { name: 'x', scopes: 'notes:read' }],
      ['no name', 'POST', '/admin/api-keys', { scopes: ['notes:read'] }],
      // Found by the fuzzer (seed 759492078): a NUL reached Postgres and came back as a 500.
      ['a name with a NUL byte', 'POST', '/admin/api-keys', { name: 'ci\u0000key', scopes: ['notes:read'] }],
      ['a name with a lone surrogate', 'POST', '/admin/api-keys', { name: 'ci\ud800key', scopes: ['notes:read'] }],
      ['a scope with a NUL byte', 'POST', '/admin/api-keys', { name: 'x', scopes: ['notes:read\u0000'] }],
      // Every string any admin DTO receives is storable text (admin-validation.ts), body and query alike.
      ['a user search with a NUL byte', 'GET', '/admin/users?q=a%00b'],
      ['an audit target filter with a NUL byte', 'GET', '/admin/audit?target=tools%00call'],
      ['expiry of 0 days', 'POST', '/admin/api-keys', { name: 'x', scopes: ['notes:read'], expiresInDays: 0 }],
      ['expiry beyond a year', 'POST', '/admin/api-keys', { name: 'x', scopes: ['notes:read'], expiresInDays: 366 }],
      ['a malformed owner', 'POST', '/admin/api-keys', { name: 'x', scopes: ['notes:read'], userId: 'root-admin' }],
      ['an unknown body property', 'POST', '/admin/api-keys', { name: 'x', scopes: ['notes:read'], owner: 'me' }],
      ['malformed JSON', 'POST', '/admin/api-keys', '{"name": '],
    ])('%s: 400 invalid_request', async (_name, method, path, body) => {
      const res = await admin(a, method, path, body);
      expect([path, res.status]).toEqual([path, 400]);
      expect(res.json.error).toBe('invalid_request');
      expect(res.json.error_description).toEqual(expect.any(String));
    });

    it('the 400 says what is wrong', async () => {
      expect((await admin(a, 'GET', '/admin/clients?limit=1000')).json.error_description).toBe('limit must not be greater than 100');
      expect((await admin(a, 'GET', '/admin/users/not-a-uuid')).json.error_description).toBe('id must be a UUID');
      expect((await admin(a, 'GET', '/admin/audit?from=not-a-date')).json.error_description).toBe('from must be an ISO 8601 date or date-time');
      expect((await admin(a, 'GET', '/admin/clients?owner=me')).json.error_description).toBe('property owner should not exist');
      const scope = await admin(a, 'POST', '/admin/api-keys', { name: 'x', scopes: ['root:everything'] });
      expect(scope.json.error_description).toContain('unknown scope(s) root:everything');
      expect(scope.json.error_description).toContain('notes:read');
    });

    it.each<[string, string, string]>([
      ['an unknown user', 'GET', `/admin/users/${randomUUID()}`],
      ['disabling an unknown user', 'POST', `/admin/users/${randomUUID()}/disable`],
      ['revoking an unknown grant', 'POST', `/admin/grants/${randomUUID()}/revoke`],
      ['revoking an unknown API key', 'POST', `/admin/api-keys/${randomUUID()}/revoke`],
      ['an unknown client', 'GET', '/admin/clients/mcp_does_not_exist'],
      ['revoking an unknown client', 'POST', `/admin/clients/${encodeURIComponent('https://nowhere.example/client.json')}/revoke`],
    ])('%s: 404', async (_name, method, path) => {
      const res = await admin(a, method, path);
      expect(res.status).toBe(404);
      expect(res.json).toMatchObject({ error: 'not_found', error_description: expect.any(String) });
    });
  });

  describe('signing keys', () => {
    it('lists keys without private material; rotation makes a new active key and keeps the old one verifying', async () => {
      const before = await admin(a, 'GET', '/admin/keys');
      expect(before.status).toBe(200);
      const active = before.json.keys.filter((k: { active: boolean }) => k.active);
      expect(active).toHaveLength(1);
      for (const k of before.json.keys) {
        expect(Object.keys(k).sort()).toEqual(['active', 'alg', 'createdAt', 'expiresAt', 'kid', 'published', 'retiredAt']);
      }
      expect(before.text).not.toMatch(/private|"d"/);

      const rotated = await admin(a, 'POST', '/admin/keys/rotate');
      expect(rotated.status).toBe(201);
      expect(rotated.json.kid).not.toBe(active[0].kid);
      const byKid = new Map(rotated.json.keys.map((k: { kid: string }) => [k.kid, k]));
      expect(byKid.get(rotated.json.kid)).toMatchObject({ active: true, published: true, retiredAt: null });
      expect(byKid.get(active[0].kid)).toMatchObject({ active: false, published: true });
      expect(Date.parse((byKid.get(active[0].kid) as { expiresAt: string }).expiresAt)).toBeGreaterThan(Date.now());

      const jwks = (await (await fetch(`${direct(a)}/.well-known/jwks.json`)).json()) as { keys: Array<{ kid: string }> };
      expect(jwks.keys.map((k) => k.kid)).toEqual(expect.arrayContaining([rotated.json.kid, active[0].kid]));
      // Tokens signed before the rotation still work everywhere; new ones carry the new kid.
      expect((await admin(a, 'GET', '/admin/keys')).status).toBe(200);
      expect((await admin(b, 'GET', '/admin/keys')).status).toBe(200);
      const fresh = await a.token('root-admin', ADMIN_SCOPES);
      expect(JSON.parse(Buffer.from(fresh.split('.')[0], 'base64url').toString()).kid).toBe(rotated.json.kid);
      expect((await send(a, 'GET', '/admin/keys', { bearer: fresh })).status).toBe(200);
    });
  });
});

describe('OpenAPI document and UI', () => {
  let docs: TestApp;
  let base: string;

  beforeAll(async () => {
    docs = await startTestApp();
    base = docs.baseUrl;
  });
  afterAll(async () => {
    await docs?.close();
  });

  it('/docs serves the Swagger UI without credentials', async () => {
    const res = await fetch(`${base}/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    const html = await res.text();
    expect(html).toContain('swagger-ui');
    expect(html).toContain('secure-mcp-server Admin API');
    const init = await fetch(`${base}/docs/swagger-ui-init.js`);
    expect(init.status).toBe(200);
    expect(await init.text()).toContain('/admin/clients');
  });

  it('/docs-json documents exactly the admin routes, each needing a bearer token or an API key', async () => {
    const res = await fetch(`${base}/docs-json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as {
      info: { title: string };
      paths: Record<string, Record<string, { security?: unknown[]; parameters?: Array<{ name: string; in: string }> }>>;
      components: { securitySchemes: Record<string, { type: string; name?: string; scheme?: string }> };
    };
    expect(doc.info.title).toBe('secure-mcp-server Admin API');
    const operations = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    expect(operations.sort()).toEqual(ROUTES.map(([m, p]) => `${m} ${p}`).sort());
    expect(doc.components.securitySchemes['api-key']).toMatchObject({ type: 'apiKey', name: 'X-API-Key' });
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    for (const ops of Object.values(doc.paths))
      for (const op of Object.values(ops)) expect(op.security).toEqual(expect.arrayContaining([{ bearer: [] }, { 'api-key': [] }]));
    expect(doc.paths['/admin/audit'].get.parameters?.map((p) => p.name)).toEqual(
      expect.arrayContaining(['userId', 'clientId', 'target', 'kind', 'outcome', 'from', 'to', 'limit', 'cursor']),
    );
    // Error responses, with the error body's schema (issue 11 item 7): every route 400/401/403/429, a route naming one thing 404 too.
    const errorSchema = { type: 'object', required: ['error'], properties: { error: { type: 'string' }, error_description: { type: 'string' } } };
    for (const [path, ops] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(ops)) {
        const responses = (op as unknown as { responses: Record<string, { content?: Record<string, { schema: unknown }>; headers?: object }> }).responses;
        const expected = path.includes('{') ? ['400', '401', '403', '404', '429'] : ['400', '401', '403', '429'];
        expect({ op: `${method} ${path}`, errors: Object.keys(responses).filter((s) => s >= '400') }).toEqual({ op: `${method} ${path}`, errors: expected });
        for (const status of expected) expect(responses[status].content?.['application/json'].schema).toMatchObject(errorSchema);
        expect(responses['401'].headers).toHaveProperty('WWW-Authenticate');
        expect(responses['429'].headers).toHaveProperty('Retry-After');
      }
    const createKey = (doc as unknown as { components: { schemas: Record<string, { required?: string[]; properties: Record<string, unknown> }> } }).components
      .schemas.CreateApiKeyDto;
    expect(createKey.required?.sort()).toEqual(['name', 'scopes']);
    expect(Object.keys(createKey.properties).sort()).toEqual(['expiresInDays', 'name', 'scopes', 'userId']);
  });

  it('the UI renders every admin operation in Chromium, within the Content-Security-Policy', async () => {
    const browser: Browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on('console', (m) => void (m.type() === 'error' && problems.push(m.text())));
      page.on('pageerror', (e) => void problems.push(e.message));
      await page.goto(`${base}/docs`);
      await page.waitForSelector('.opblock-summary-path', { timeout: 15_000 });
      const shown = await page.$$eval('.opblock', (blocks) =>
        blocks.map((b) => `${b.querySelector('.opblock-summary-method')?.textContent} ${b.querySelector('.opblock-summary-path')?.getAttribute('data-path')}`),
      );
      expect(shown.sort()).toEqual(ROUTES.map(([m, p]) => `${m} ${p}`).sort());
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it('the admin routes themselves still need credentials', async () => {
    expect((await fetch(`${base}/admin/clients`)).status).toBe(401);
  });
});
