import { rpcRequest } from './factories/json-rpc.factory.js';
import { expectOAuthError } from './helpers/oauth-http.js';
import { authorize, exchangeCode, mcpStatus, refreshWith, signInForTokens } from './helpers/oauth-flow.js';
import { ALL_NOTES_SCOPES, startTestApp, uniqueLogin, type TestApp } from './helpers/test-app.js';

/**
 * SECURITY 35 (issue 7 item 6): a disabled user gets no token by any grant, and the user's
 * revocation covers tokens issued after it, until the user is enabled again.
 */
describe('a disabled user gets no token by any grant', () => {
  const root = uniqueLogin('root');
  let t: TestApp;
  let rootToken: string;

  beforeAll(async () => {
    t = await startTestApp({ ADMIN_GITHUB_LOGINS: root });
    rootToken = await t.token(root, ['admin', ...ALL_NOTES_SCOPES]);
  });
  afterAll(async () => {
    await t?.close();
  });

  async function admin(method: string, path: string): Promise<number> {
    const res = await fetch(`${t.baseUrl}${path}`, { method, headers: { authorization: `Bearer ${rootToken}` } });
    await res.arrayBuffer();
    return res.status;
  }

  it('a code obtained before the disable and redeemed after it: invalid_grant, no token', async () => {
    const login = uniqueLogin('dave');
    const auth = await authorize(t, { login });
    expect(await admin('POST', `/admin/users/${await t.userId(login)}/disable`)).toBe(200);
    const res = await exchangeCode(t, auth);
    expectOAuthError(res, 400, 'invalid_grant');
    expect(res.json.error_description).toMatch(/disabled/);
  });

  it('a refresh after the disable: invalid_grant', async () => {
    const login = uniqueLogin('erin');
    const { auth, tokens } = await signInForTokens(t, { login });
    expect(await admin('POST', `/admin/users/${await t.userId(login)}/disable`)).toBe(200);
    expectOAuthError(await refreshWith(t, auth.client.client_id, tokens.refresh_token!), 400, 'invalid_grant');
  });

  it('a token minted after the disable (any path that skips the grant checks) is refused until the user is enabled', async () => {
    const login = uniqueLogin('frank');
    const userId = await t.userId(login);
    expect(await admin('POST', `/admin/users/${userId}/disable`)).toBe(200);
    await new Promise((r) => setTimeout(r, 1100)); // issued in a later second than the revocation
    const late = await t.token(login);
    expect(await mcpStatus(t, late)).toBe(401);
    const body = await t.rpc(rpcRequest('tools/list'), { authorization: `Bearer ${late}` });
    expect(body.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);

    expect(await admin('POST', `/admin/users/${userId}/enable`)).toBe(200);
    await new Promise((r) => setTimeout(r, 1100));
    expect(await mcpStatus(t, await t.token(login))).toBe(200);
  });
});
