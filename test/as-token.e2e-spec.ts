import { decodeJwt } from 'jose';
import { rpcRequest, toolCall } from './factories/json-rpc.factory.js';
import { credentials, loopbackRedirect, registerClient, registerServiceClient, type RegisteredClient } from './factories/oauth-client.factory.js';
import { raceGate, withDb } from './helpers/db.js';
import { textOf } from './helpers/mcp.js';
import { authorize, exchangeCode, mcpStatus, pkcePair, refreshWith, signInForTokens, waitForMcpStatus, type TokenSet } from './helpers/oauth-flow.js';
import { expectOAuthError, postForm, postJson, type HttpResult } from './helpers/oauth-http.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';

/**
 * SECURITY.md 14 and 19 (token endpoint side), 18 (codes), 20 (token response), 21 (refresh
 * rotation), 22 (client authentication) and 23 (client_credentials).
 */
describe('authorization server: /token', () => {
  let t: TestApp;
  const tokenUrl = () => `${t.baseUrl}/token`;
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  /** A successful token response (RFC 6749 §5.1, OAuth 2.1 §3.2.3). */
  function expectTokens(res: HttpResult, scope?: string): TokenSet {
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('cache-control')).toMatch(/(^|,)\s*no-store\s*(,|$)/);
    const body = res.json as TokenSet;
    expect(body.access_token).toEqual(expect.any(String));
    expect(body.token_type).toBe('Bearer');
    expect(body.expires_in).toEqual(expect.any(Number));
    expect(body.expires_in).toBeGreaterThan(0);
    expect(body.expires_in).toBeLessThanOrEqual(3600);
    expect(body.scope).toEqual(expect.any(String));
    if (scope !== undefined) expect(body.scope.split(' ').sort()).toEqual(scope.split(' ').sort());
    return body;
  }

  describe('14. PKCE at the token endpoint', () => {
    it('a wrong code_verifier: 400 invalid_grant', async () => {
      const auth = await authorize(t);
      expectOAuthError(await exchangeCode(t, auth, { code_verifier: pkcePair().verifier }), 400, 'invalid_grant');
    });

    it('no code_verifier: 400 invalid_request', async () => {
      const auth = await authorize(t);
      expectOAuthError(await exchangeCode(t, auth, { code_verifier: undefined }), 400, 'invalid_request');
    });
  });

  describe('18. authorization codes: bound, single use, short-lived', () => {
    it('a valid replay: invalid_grant, and the tokens of the first use are revoked', async () => {
      const auth = await authorize(t);
      const first = expectTokens(await exchangeCode(t, auth));
      expect(await mcpStatus(t, first.access_token)).toBe(200);

      expectOAuthError(await exchangeCode(t, auth), 400, 'invalid_grant');
      expect(await waitForMcpStatus(t, first.access_token, 401)).toBe(401);
      expectOAuthError(await refreshWith(t, auth.client.client_id, first.refresh_token!), 400, 'invalid_grant');
    });

    it("two concurrent redemptions of one code: one wins, the other is a replay, so the winner's tokens are revoked too", async () => {
      // Deterministic on real Postgres (raceGate); on the embedded engine each round is a real race
      // that may or may not interleave, so a few rounds are run. Every round must hold either way.
      const rounds = process.env.E2E_ENGINE === 'postgres' ? 1 : 5;
      for (let round = 0; round < rounds; round++) {
        const auth = await authorize(t);
        // Both requests find the code unused, then meet at the single-use update.
        const gate = await raceGate(auth.client.client_id);
        let results: HttpResult[];
        try {
          const pending = Promise.all([exchangeCode(t, auth), exchangeCode(t, auth)]);
          await gate.whenWaiting(2);
          await gate.release();
          results = await pending;
        } finally {
          await gate.release();
        }
        const winners = results.filter((r) => r.status === 200);
        const losers = results.filter((r) => r.status !== 200);
        expect({ round, winners: winners.length, losers: losers.length }).toEqual({ round, winners: 1, losers: 1 });
        expectOAuthError(losers[0], 400, 'invalid_grant');
        const first = winners[0].json as TokenSet;
        expect({ round, mcp: await waitForMcpStatus(t, first.access_token, 401) }).toEqual({ round, mcp: 401 });
        expectOAuthError(await refreshWith(t, auth.client.client_id, first.refresh_token!), 400, 'invalid_grant');
      }
    });

    it('a replay with a wrong verifier: invalid_grant, and the first tokens stay valid', async () => {
      const auth = await authorize(t);
      const first = expectTokens(await exchangeCode(t, auth));
      expectOAuthError(await exchangeCode(t, auth, { code_verifier: pkcePair().verifier }), 400, 'invalid_grant');
      expect(await mcpStatus(t, first.access_token)).toBe(200);
      const refreshed = expectTokens(await refreshWith(t, auth.client.client_id, first.refresh_token!));
      expect(await mcpStatus(t, refreshed.access_token)).toBe(200);
    });

    it("another client's code: invalid_grant; the rightful client can still redeem it", async () => {
      const auth = await authorize(t);
      const other = await registerClient(t);
      expectOAuthError(await exchangeCode(t, auth, { client_id: other.client_id, redirect_uri: other.redirect_uris[0] }), 400, 'invalid_grant');
      expectOAuthError(await exchangeCode(t, auth, { client_id: other.client_id }), 400, 'invalid_grant');
      expectTokens(await exchangeCode(t, auth));
    });

    it('an expired code: invalid_grant (and codes live at most 10 minutes)', async () => {
      const auth = await authorize(t);
      const lifetime = await withDb(async (db) =>
        Number(
          (await db.query(`SELECT extract(epoch FROM expires_at - created_at) AS s FROM authorization_codes WHERE client_id = $1`, [auth.client.client_id]))
            .rows[0].s,
        ),
      );
      expect(lifetime).toBeGreaterThan(0);
      expect(lifetime).toBeLessThanOrEqual(600);
      const updated = await withDb(
        async (db) =>
          (
            await db.query(`UPDATE authorization_codes SET expires_at = now() - interval '1 second' WHERE client_id = $1 AND used_at IS NULL`, [
              auth.client.client_id,
            ])
          ).rowCount,
      );
      expect(updated).toBe(1);
      expectOAuthError(await exchangeCode(t, auth), 400, 'invalid_grant');
    });

    it('a redirect_uri other than the one authorized (even if registered): invalid_grant', async () => {
      const client = await registerClient(t, { redirect_uris: [loopbackRedirect('/one'), loopbackRedirect('/two')] });
      const auth = await authorize(t, { client, redirectUri: client.redirect_uris[0] });
      expectOAuthError(await exchangeCode(t, auth, { redirect_uri: client.redirect_uris[1] }), 400, 'invalid_grant');
    });

    it('an unknown code: invalid_grant', async () => {
      const auth = await authorize(t);
      expectOAuthError(await exchangeCode(t, auth, { code: `${auth.code}x` }), 400, 'invalid_grant');
    });
  });

  describe('19. resource indicators at /token (RFC 8707) and the audience', () => {
    it.each<[string, () => string]>([
      ['the resource with a fragment', () => `${t.mcpUrl}#frag`],
      ['another resource than authorized', () => 'https://other.example/mcp'],
      ['another path on this server', () => `${t.baseUrl}/admin`],
    ])('%s: 400 invalid_target', async (_name, resource) => {
      const auth = await authorize(t);
      expectOAuthError(await exchangeCode(t, auth, { resource: resource() }), 400, 'invalid_target');
    });

    it('the access token is a JWT with aud = the MCP resource, iss, sub, client_id, scope, jti', async () => {
      const { auth, tokens } = await signInForTokens(t, { scope: 'notes:read notes:write' });
      const claims = decodeJwt(tokens.access_token);
      expect(claims.aud).toBe(t.mcpUrl);
      expect(claims.iss).toBe(t.baseUrl);
      expect(claims.client_id).toBe(auth.client.client_id);
      expect(claims.sub).toEqual(expect.any(String));
      expect(claims.sub).not.toBe(auth.login);
      expect(claims.scope).toBe('notes:read notes:write');
      expect(claims.jti).toEqual(expect.any(String));
      expect(claims.exp! - claims.iat!).toBe(tokens.expires_in);
    });

    it('no resource at /authorize nor /token: aud is still the MCP resource', async () => {
      const auth = await authorize(t, { resource: null });
      const tokens = expectTokens(await exchangeCode(t, auth, { resource: undefined }));
      expect(decodeJwt(tokens.access_token).aud).toBe(t.mcpUrl);
      expect(await mcpStatus(t, tokens.access_token)).toBe(200);
    });

    it('a refresh with a foreign resource: invalid_target', async () => {
      const { auth, tokens } = await signInForTokens(t);
      expectOAuthError(await refreshWith(t, auth.client.client_id, tokens.refresh_token!, { resource: 'https://other.example/mcp' }), 400, 'invalid_target');
    });
  });

  describe('20. the token response', () => {
    it('Cache-Control: no-store, token_type Bearer, short expires_in, scope; the same on refresh', async () => {
      const auth = await authorize(t, { scope: 'notes:read' });
      const tokens = expectTokens(await exchangeCode(t, auth), 'notes:read');
      expect(tokens.refresh_token).toEqual(expect.any(String));
      expectTokens(await refreshWith(t, auth.client.client_id, tokens.refresh_token!), 'notes:read');
    });
  });

  describe('21. refresh token rotation', () => {
    it('RT1 -> RT2; RT1 again is invalid_grant and revokes the family (RT2 and its access token die)', async () => {
      const { auth, tokens } = await signInForTokens(t);
      const rt1 = tokens.refresh_token!;
      const second = expectTokens(await refreshWith(t, auth.client.client_id, rt1));
      const rt2 = second.refresh_token!;
      expect(rt2).toEqual(expect.any(String));
      expect(rt2).not.toBe(rt1);
      expect(await mcpStatus(t, second.access_token)).toBe(200);

      expectOAuthError(await refreshWith(t, auth.client.client_id, rt1), 400, 'invalid_grant');
      expectOAuthError(await refreshWith(t, auth.client.client_id, rt2), 400, 'invalid_grant');
      expect(await waitForMcpStatus(t, second.access_token, 401)).toBe(401);
    });

    it('a wider scope than granted: invalid_scope, no tokens', async () => {
      const { auth, tokens } = await signInForTokens(t, { scope: 'notes:read' });
      expectOAuthError(await refreshWith(t, auth.client.client_id, tokens.refresh_token!, { scope: 'notes:read notes:write' }), 400, 'invalid_scope');
    });

    it('a narrower scope works, and the narrowed token cannot write', async () => {
      const { auth, tokens } = await signInForTokens(t, { scope: 'notes:read notes:write' });
      const narrowed = expectTokens(await refreshWith(t, auth.client.client_id, tokens.refresh_token!, { scope: 'notes:read' }), 'notes:read');
      expect(decodeJwt(narrowed.access_token).scope).toBe('notes:read');
      const write = await t.rpc(toolCall('notes.create', { title: 'not allowed' }), bearer(narrowed.access_token));
      expect(write.status).toBe(403);
      // RFC 6749 §6: without scope, a refresh gets the scope originally granted.
      expectTokens(await refreshWith(t, auth.client.client_id, narrowed.refresh_token!), 'notes:read notes:write');
    });

    it("another client's refresh token: invalid_grant; the owner's token is not burnt", async () => {
      const { auth, tokens } = await signInForTokens(t);
      const other = await registerClient(t);
      expectOAuthError(await refreshWith(t, other.client_id, tokens.refresh_token!), 400, 'invalid_grant');
      expectTokens(await refreshWith(t, auth.client.client_id, tokens.refresh_token!));
    });

    it('garbage as refresh token: invalid_grant', async () => {
      const client = await registerClient(t);
      expectOAuthError(await refreshWith(t, client.client_id, 'not-a-refresh-token'), 400, 'invalid_grant');
    });
  });

  describe('22. client authentication failures', () => {
    let confidential: RegisteredClient;
    beforeAll(async () => {
      confidential = await registerClient(t, { token_endpoint_auth_method: 'client_secret_basic' });
    });

    it('a confidential client: every failed authentication is 401 invalid_client, with a Basic challenge when Basic was used; then the right secret works', async () => {
      const auth = await authorize(t, { client: confidential });
      const good = credentials(confidential);
      // Basic with a wrong secret, with an unknown client id, malformed Basic: 401 + WWW-Authenticate: Basic.
      expectOAuthError(await exchangeCode(t, auth, {}, { ...good, secret: `${good.secret}x` }), 401, 'invalid_client', { basicChallenge: true });
      expectOAuthError(await exchangeCode(t, auth, {}, { id: 'mcp_unknown', secret: good.secret }), 401, 'invalid_client', { basicChallenge: true });
      const malformed = { authorization: `Basic ${Buffer.from('no-colon-here').toString('base64')}` };
      const form = { grant_type: 'authorization_code', code: auth.code, code_verifier: auth.verifier, redirect_uri: auth.redirectUri };
      expectOAuthError(await postForm(tokenUrl(), form, { headers: malformed }), 401, 'invalid_client', { basicChallenge: true });
      // No secret at all, or a wrong secret in the body.
      expectOAuthError(await exchangeCode(t, auth, { client_id: confidential.client_id }), 401, 'invalid_client');
      expectOAuthError(await exchangeCode(t, auth, { client_id: confidential.client_id, client_secret: 'wrong-secret' }), 401, 'invalid_client');
      expectTokens(await exchangeCode(t, auth, {}, good));
    });

    it('an unknown client_id: 401 invalid_client', async () => {
      const auth = await authorize(t);
      expectOAuthError(await exchangeCode(t, auth, { client_id: 'mcp_never_registered' }), 401, 'invalid_client');
    });

    it('no client identification at all: 401 invalid_client', async () => {
      const auth = await authorize(t);
      expectOAuthError(await exchangeCode(t, auth, { client_id: undefined }), 401, 'invalid_client');
    });
  });

  describe('23. client_credentials', () => {
    it('a confidential client with Basic: tokens for the MCP resource, no refresh token', async () => {
      const service = await registerServiceClient(t);
      const tokens = expectTokens(await postForm(tokenUrl(), { grant_type: 'client_credentials', resource: t.mcpUrl }, { basic: credentials(service) }));
      expect(tokens.refresh_token).toBeUndefined();
      const claims = decodeJwt(tokens.access_token);
      expect(claims.aud).toBe(t.mcpUrl);
      expect(claims.client_id).toBe(service.client_id);
    });

    it('a public client: 401 invalid_client', async () => {
      const client = await registerClient(t);
      expectOAuthError(await postForm(tokenUrl(), { grant_type: 'client_credentials', client_id: client.client_id }), 401, 'invalid_client');
    });

    it('a confidential client not registered for client_credentials: 400 unauthorized_client', async () => {
      const client = await registerClient(t, { token_endpoint_auth_method: 'client_secret_basic' });
      expectOAuthError(await postForm(tokenUrl(), { grant_type: 'client_credentials' }, { basic: credentials(client) }), 400, 'unauthorized_client');
    });

    it('a client_credentials client cannot use authorization_code: 400 unauthorized_client', async () => {
      const service = await registerServiceClient(t);
      const auth = await authorize(t);
      expectOAuthError(await exchangeCode(t, auth, {}, credentials(service)), 400, 'unauthorized_client');
    });

    it('its token on /mcp: tools/list works; notes.create is a tool error (no user behind the token), never a 500', async () => {
      const service = await registerServiceClient(t);
      const tokens = expectTokens(await postForm(tokenUrl(), { grant_type: 'client_credentials' }, { basic: credentials(service) }));
      const list = await t.rpc(rpcRequest('tools/list'), bearer(tokens.access_token));
      expect(list.status).toBe(200);
      expect(list.body.result.tools.map((x: { name: string }) => x.name)).toContain('notes.create');
      const create = await t.rpc(toolCall('notes.create', { title: 'from a machine' }), bearer(tokens.access_token));
      expect(create.status).toBe(200);
      expect(create.body.error).toBeUndefined();
      expect(create.body.result.isError).toBe(true);
      expect(create.body.result.structuredContent).toBeUndefined();
      expect(textOf(create.body.result)).toMatch(/user|person/i);
    });
  });

  describe('malformed token requests: JSON errors, never 500', () => {
    let client: RegisteredClient;
    beforeAll(async () => {
      client = await registerClient(t);
    });

    it('an unsupported grant type (password): 400 unsupported_grant_type', async () => {
      expectOAuthError(
        await postForm(tokenUrl(), { grant_type: 'password', username: 'a', password: 'b', client_id: client.client_id }),
        400,
        'unsupported_grant_type',
      );
    });

    it('no grant_type: 400 invalid_request', async () => {
      expectOAuthError(await postForm(tokenUrl(), { client_id: client.client_id }), 400, 'invalid_request');
    });

    it('a JSON body: 400 invalid_request', async () => {
      expectOAuthError(await postJson(tokenUrl(), { grant_type: 'client_credentials', client_id: client.client_id }), 400, 'invalid_request');
    });

    it('authorization_code without code: 400 invalid_request', async () => {
      expectOAuthError(
        await postForm(tokenUrl(), { grant_type: 'authorization_code', client_id: client.client_id, code_verifier: pkcePair().verifier }),
        400,
        'invalid_request',
      );
    });
  });
});
