import { rpcRequest } from './factories/json-rpc.factory.js';
import { withDb } from './helpers/db.js';
import { freePort } from './helpers/free-port.js';
import { jsonOrUndefined } from './helpers/http.js';
import { signInForTokens } from './helpers/oauth-flow.js';
import { RoundRobinProxy } from './helpers/round-robin-proxy.js';
import { ALL_NOTES_SCOPES, startTestApp, uniqueLogin, type TestApp } from './helpers/test-app.js';
import { pollUntil } from './helpers/wait.js';
import { ApiKeysService } from '../src/auth/api-keys/api-keys.service.js';

/**
 * SECURITY 35 (issue 7 item 5): the `admin` scope stays with the people in ADMIN_GITHUB_LOGINS,
 * whatever the credential, and is re-checked on every use; a disabled user's credentials stop; the
 * last enabled administrator cannot be disabled; audit rows name the acting credential and login.
 */

type Auth = { bearer: string } | { apiKey: string };

interface Res {
  status: number;
  json: any;
  text: string;
}

const direct = (t: TestApp): string => `http://127.0.0.1:${t.config.port}`;

async function send(t: TestApp, method: string, path: string, auth: Auth, body?: unknown): Promise<Res> {
  const headers: Record<string, string> = 'bearer' in auth ? { authorization: `Bearer ${auth.bearer}` } : { 'x-api-key': auth.apiKey };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (path === '/mcp') headers.accept = 'application/json, text/event-stream';
  const res = await fetch(`${direct(t)}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, json: jsonOrUndefined(text), text };
}

const ADMIN_SCOPES = ['admin', ...ALL_NOTES_SCOPES];

describe('admin rights stay inside ADMIN_GITHUB_LOGINS (two instances on one database)', () => {
  // Logins unique to this run: other test files share the database (and its users).
  const root = uniqueLogin('root');
  const second = uniqueLogin('second');
  let a: TestApp;
  let b: TestApp;
  let proxy: RoundRobinProxy;
  let rootToken: string;
  let rootId: string;
  const asRoot = (t: TestApp, method: string, path: string, body?: unknown) => send(t, method, path, { bearer: rootToken }, body);

  beforeAll(async () => {
    const port = await freePort();
    const env = { ADMIN_GITHUB_LOGINS: `${root},${second}`, PUBLIC_URL: `http://localhost:${port}` };
    a = await startTestApp(env);
    b = await startTestApp(env);
    proxy = new RoundRobinProxy(() => [a.config.port, b.config.port]);
    await proxy.start(port);
    rootToken = await a.token(root, ADMIN_SCOPES);
    rootId = await a.userId(root);
  });
  afterAll(async () => {
    await proxy?.stop();
    await a?.close();
    await b?.close();
  });

  async function userRow(id: string): Promise<{ disabled_at: Date | null }> {
    return withDb(async (db) => (await db.query(`SELECT disabled_at FROM users WHERE id = $1`, [id])).rows[0]);
  }

  it('an admin cannot give a user outside the admin list an admin-scoped API key (400, nothing created)', async () => {
    const alice = await a.userId(uniqueLogin('alice'));
    const res = await asRoot(a, 'POST', '/admin/api-keys', { name: 'escalation', scopes: ['admin', 'notes:read'], userId: alice });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ error: 'invalid_request' });
    expect(res.json.error_description).toContain('ADMIN_GITHUB_LOGINS');
    expect(res.text).not.toMatch(/smcp_/);
    const keys = await withDb(async (db) => (await db.query(`SELECT count(*)::int AS n FROM api_keys WHERE user_id = $1`, [alice])).rows[0].n);
    expect(keys).toBe(0);
    // The same request for an administrator works (control).
    const ok = await asRoot(a, 'POST', '/admin/api-keys', { name: 'ok', scopes: ['admin'], userId: await a.userId(second) });
    expect(ok.status).toBe(201);
  });

  it('an admin-scoped key held by a non-admin (made before the rule) opens no admin route and cannot disable the real admin', async () => {
    const aliceLogin = uniqueLogin('alice');
    const alice = await a.userId(aliceLogin);
    // Created beneath the admin API, as the old rule allowed.
    const { key } = await a.app
      .get(ApiKeysService)
      .create({ name: 'old key', scopes: ['admin', 'notes:read'], userId: alice, createdBy: rootId, expiresAt: null });
    for (const t of [a, b]) {
      const list = await send(t, 'GET', '/admin/users', { apiKey: key });
      expect(list.status).toBe(403);
      expect(list.json).toMatchObject({ error: 'insufficient_scope' });
      const attack = await send(t, 'POST', `/admin/users/${rootId}/disable`, { apiKey: key });
      expect(attack.status).toBe(403);
    }
    expect((await userRow(rootId)).disabled_at).toBeNull();
    // The key still does what its other scopes allow.
    expect((await send(a, 'POST', '/mcp', { apiKey: key }, rpcRequest('tools/list'))).status).toBe(200);
  });

  it("a key's admin scope is re-checked on every use: an instance whose admin list no longer names the owner refuses it", async () => {
    const created = await asRoot(a, 'POST', '/admin/api-keys', { name: 'root ops', scopes: ['admin'] });
    expect(created.status).toBe(201);
    expect((await send(a, 'GET', '/admin/users?limit=1', { apiKey: created.json.key })).status).toBe(200);
    // Same database, ADMIN_GITHUB_LOGINS without root (as after a configuration change).
    const changed = await startTestApp({ ADMIN_GITHUB_LOGINS: second });
    try {
      expect((await send(changed, 'GET', '/admin/users?limit=1', { apiKey: created.json.key })).status).toBe(403);
      // The same holds for root's access token.
      const token = await changed.token(root, ADMIN_SCOPES);
      expect((await send(changed, 'GET', '/admin/users?limit=1', { bearer: token })).status).toBe(403);
    } finally {
      await changed.close();
    }
  });

  it("a disabled user's keys stop at once on both instances and stay revoked after the user is enabled again", async () => {
    const login = uniqueLogin('keyholder');
    const userId = await a.userId(login);
    const created = await asRoot(a, 'POST', '/admin/api-keys', { name: 'ci', scopes: ['notes:read'], userId });
    const key = { apiKey: created.json.key as string };
    expect((await send(b, 'POST', '/mcp', key, rpcRequest('tools/list'))).status).toBe(200);
    expect((await asRoot(a, 'POST', `/admin/users/${userId}/disable`)).status).toBe(200);
    expect((await send(a, 'POST', '/mcp', key, rpcRequest('tools/list'))).status).toBe(401);
    expect(
      await pollUntil(
        async () => (await send(b, 'POST', '/mcp', key, rpcRequest('tools/list'))).status,
        (s) => s === 401,
        1500,
        100,
      ),
    ).toBe(401);
    const listed = await asRoot(a, 'GET', `/admin/api-keys?userId=${userId}&includeRevoked=true`);
    expect(listed.json.apiKeys).toEqual([expect.objectContaining({ id: created.json.apiKey.id, revokedAt: expect.any(String) })]);

    const enabled = await asRoot(b, 'POST', `/admin/users/${userId}/enable`);
    expect(enabled.status).toBe(200);
    expect(enabled.json).toMatchObject({ id: userId, disabledAt: null });
    for (const t of [a, b]) expect((await send(t, 'POST', '/mcp', key, rpcRequest('tools/list'))).status).toBe(401);
  });

  it('enable: the user can sign in and use new tokens again; tokens from before the disable stay dead', async () => {
    const login = uniqueLogin('returning');
    const { tokens } = await signInForTokens(a, { login });
    const userId = await a.userId(login);
    expect((await asRoot(a, 'POST', `/admin/users/${userId}/disable`)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1100)); // the next whole second: tokens issued after the re-enable
    const enabled = await asRoot(a, 'POST', `/admin/users/${userId}/enable`);
    expect(enabled.status).toBe(200);
    expect((await userRow(userId)).disabled_at).toBeNull();
    const old = { bearer: tokens.access_token };
    for (const t of [a, b]) expect((await send(t, 'POST', '/mcp', old, rpcRequest('tools/list'))).status).toBe(401);
    const again = await signInForTokens(a, { login });
    const fresh = { bearer: again.tokens.access_token };
    expect((await send(a, 'POST', '/mcp', fresh, rpcRequest('tools/list'))).status).toBe(200);
    expect(
      await pollUntil(
        async () => (await send(b, 'POST', '/mcp', fresh, rpcRequest('tools/list'))).status,
        (s) => s === 200,
        1500,
        100,
      ),
    ).toBe(200);
    // Enabling an enabled user is harmless; an unknown one is 404.
    expect((await asRoot(a, 'POST', `/admin/users/${userId}/enable`)).status).toBe(200);
    expect((await asRoot(a, 'POST', `/admin/users/00000000-0000-4000-8000-000000000000/enable`)).status).toBe(404);
  });

  it('two administrators disabling each other at once: exactly one succeeds, the other is refused as the last admin', async () => {
    const x = uniqueLogin('mutual');
    const y = uniqueLogin('mutual');
    const lone = await startTestApp({ ADMIN_GITHUB_LOGINS: `${x},${y}` });
    try {
      const [xId, yId] = [await lone.userId(x), await lone.userId(y)];
      const [xToken, yToken] = [await lone.token(x, ADMIN_SCOPES), await lone.token(y, ADMIN_SCOPES)];
      const results = await Promise.all([
        send(lone, 'POST', `/admin/users/${yId}/disable`, { bearer: xToken }),
        send(lone, 'POST', `/admin/users/${xId}/disable`, { bearer: yToken }),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
      const refused = results.find((r) => r.status === 409)!;
      expect(refused.json.error_description).toMatch(/last enabled administrator/);
      const enabled = [await userRow(xId), await userRow(yId)].filter((u) => u.disabled_at === null);
      expect(enabled).toHaveLength(1);
    } finally {
      await lone.close();
    }
  });

  it('one administrator may disable another while an enabled one remains', async () => {
    const secondId = await a.userId(second);
    const res = await asRoot(b, 'POST', `/admin/users/${secondId}/disable`);
    expect(res.status).toBe(200);
    expect((await asRoot(b, 'POST', `/admin/users/${secondId}/enable`)).status).toBe(200);
  });

  it('audit rows name the acting credential (API key id, or the grant/token of an access token) and the login', async () => {
    const created = await asRoot(a, 'POST', '/admin/api-keys', { name: 'auditor', scopes: ['admin'] });
    const keyId = created.json.apiKey.id as string;
    expect((await send(a, 'GET', '/admin/clients?limit=1', { apiKey: created.json.key })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    const byKey = await asRoot(a, 'GET', `/admin/audit?kind=admin&target=clients.list&userId=${rootId}&limit=20`);
    expect(byKey.status).toBe(200);
    const keyEvent = byKey.json.events.find((e: { credential?: string }) => e.credential === `api_key:${keyId}`);
    expect(keyEvent).toMatchObject({ userId: rootId, login: root, clientId: `api-key:${keyId}`, credential: `api_key:${keyId}` });

    const creation = (await asRoot(a, 'GET', `/admin/audit?kind=admin&target=api-keys.create&userId=${rootId}&limit=1`)).json.events[0];
    expect(creation).toMatchObject({ userId: rootId, login: root, clientId: 'test-client', credential: expect.stringMatching(/^token:[0-9a-f-]{36}$/) });
  });
});
