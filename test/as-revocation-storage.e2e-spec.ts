import { decodeJwt } from 'jose';
import { credentials, registerClient, registerServiceClient, type RegisteredClient } from './factories/oauth-client.factory.js';
import { TestBrowser } from './helpers/browser.js';
import { codeCount, dumpAllTables, withDb } from './helpers/db.js';
import { FakeGithub } from './helpers/fake-github.js';
import { LogCapture } from './helpers/log-capture.js';
import {
  authorize,
  exchangeCode,
  mcpStatus,
  openConsent,
  refreshWith,
  signInForTokens,
  waitForMcpStatus,
  type AuthorizeOptions,
  type TokenSet,
} from './helpers/oauth-flow.js';
import { expectErrorPage, expectOAuthError, get, postForm, type HttpResult } from './helpers/oauth-http.js';
import { startTestApp, uniqueLogin, type TestApp } from './helpers/test-app.js';
import { randomToken, sha256 } from '../src/common/crypto.js';
import { OAuthClientsRepository } from '../src/oauth/clients/oauth-clients.repository.js';

/**
 * SECURITY.md 16 (the GitHub callback state), 26 (consent before the upstream), 28 (revocation),
 * 29 (introspection) and 30 (only hashes stored, upstream tokens encrypted, no secrets in logs),
 * signing in through passport-github2 against the fake GitHub.
 */
describe('authorization server: GitHub callback, revocation, introspection, storage', () => {
  const github = new FakeGithub();
  const logs = new LogCapture();
  let t: TestApp;
  /** A resource server's confidential client, listed in RESOURCE_SERVER_CLIENT_IDS: it may introspect every access token. */
  const resourceServerId = `rs-${process.pid}-${Date.now().toString(36)}`;
  let resourceServer: RegisteredClient;
  const via = (opts: AuthorizeOptions = {}): AuthorizeOptions => ({ followOrigins: [github.url], ...opts });

  beforeAll(async () => {
    await github.start();
    github.nextUser = { id: 800_000 + (process.pid % 100_000), login: uniqueLogin('gh'), name: 'Revocation Tester' };
    t = await startTestApp({ ...github.env(), RESOURCE_SERVER_CLIENT_IDS: `other-rs,${resourceServerId}` });
    t.app.useLogger(logs);
    // As an operator would: a confidential client registered for the resource server, its client_id configured.
    const secret = randomToken(32);
    await t.app.get(OAuthClientsRepository).insert({
      clientId: resourceServerId,
      kind: 'dcr',
      clientSecretHash: sha256(secret),
      clientSecretExpiresAt: null,
      tokenEndpointAuthMethod: 'client_secret_basic',
      grantTypes: ['client_credentials'],
      redirectUris: [],
      scope: null,
      clientName: 'Introspecting RS',
      applicationType: null,
      scopesOfferedAtRegistration: null,
      metadata: {},
    });
    resourceServer = {
      client_id: resourceServerId,
      client_secret: secret,
      redirect_uris: [],
      grant_types: ['client_credentials'],
      token_endpoint_auth_method: 'client_secret_basic',
      response: undefined as never,
    };
  });
  afterAll(async () => {
    await t.close();
    await github.stop();
  });

  const revoke = (fields: Record<string, string | undefined>, basic?: { id: string; secret: string }) => postForm(`${t.baseUrl}/revoke`, fields, { basic });
  const introspect = (fields: Record<string, string | undefined>, basic?: { id: string; secret: string }) =>
    postForm(`${t.baseUrl}/introspect`, fields, { basic });

  describe('16 + 26. GitHub sign-in: consent first, then a random single-use upstream state bound to the browser', () => {
    /** Consent approved in a browser that does not follow GitHub: returns GitHub's authorize URL and its state. */
    async function atGithub() {
      const client = await registerClient(t);
      const step = await openConsent(t, { client });
      const res = await step.browser.submit(`${t.baseUrl}/authorize/consent`, { ...step.fields, decision: 'approve' });
      expect(res.status).toBe(302);
      const githubUrl = new URL(res.location!);
      expect(githubUrl.origin).toBe(github.url);
      const upstreamState = githubUrl.searchParams.get('state')!;
      return { client, step, githubUrl, upstreamState };
    }

    /** What GitHub would send the person back with (a real code from the fake GitHub). */
    async function githubCallback(githubUrl: URL): Promise<string> {
      const res = await fetch(githubUrl, { redirect: 'manual' });
      expect(res.status).toBe(302);
      return res.headers.get('location')!;
    }

    it('a new client: the consent page comes first (200), not a redirect to GitHub', async () => {
      const client = await registerClient(t, { client_name: 'Before GitHub' });
      const step = await openConsent(t, via({ client }));
      expect(step.page.status).toBe(200);
      expect(step.page.location).toBeUndefined();
      expect(step.page.text).toContain('Before GitHub');
      expect(step.page.text).toContain('GitHub');
    });

    it('the upstream state is random, unrelated to the client state, and lives about 10 minutes', async () => {
      const a = await atGithub();
      const b = await atGithub();
      expect(a.upstreamState).toMatch(/^[A-Za-z0-9_-]{32,}$/);
      expect(a.upstreamState).not.toBe(b.upstreamState);
      expect(a.upstreamState).not.toBe(a.step.state);
      expect(a.githubUrl.toString()).not.toContain(encodeURIComponent(a.step.state!));
      expect(a.githubUrl.searchParams.get('redirect_uri')).toBe(`${t.baseUrl}/auth/github/callback`);
      const lifetime = await withDb(async (db) =>
        Number(
          (await db.query(`SELECT extract(epoch FROM expires_at - created_at) AS s FROM authorization_requests WHERE client_id = $1`, [a.client.client_id]))
            .rows[0].s,
        ),
      );
      expect(lifetime).toBeGreaterThan(0);
      expect(lifetime).toBeLessThanOrEqual(600);
    });

    it.each<[string, (callback: URL) => string]>([
      ['without state', (cb) => `${t.baseUrl}/auth/github/callback?code=${cb.searchParams.get('code')}`],
      ['with a wrong state', (cb) => `${t.baseUrl}/auth/github/callback?code=${cb.searchParams.get('code')}&state=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`],
    ])('the callback %s: 400 page, no code', async (_name, make) => {
      const { client, step, githubUrl } = await atGithub();
      const res = await step.browser.request(make(new URL(await githubCallback(githubUrl))));
      expectErrorPage(res, 400);
      expect(await codeCount(client.client_id)).toBe(0);
    });

    it('GET /auth/github/callback with no parameters: 400 page', async () => {
      expectErrorPage(await get(`${t.baseUrl}/auth/github/callback`), 400);
    });

    it('the callback from another browser (no cookie): 400 page, no code', async () => {
      const { client, githubUrl } = await atGithub();
      const res = await new TestBrowser([t.baseUrl]).request(await githubCallback(githubUrl));
      expectErrorPage(res, 400);
      expect(await codeCount(client.client_id)).toBe(0);
    });

    it('a replayed callback: the first one redirects with a code, the replay gets a 400 page', async () => {
      const { client, step, githubUrl } = await atGithub();
      const callback = await githubCallback(githubUrl);
      const first = await step.browser.request(callback);
      expect(first.status).toBe(302);
      expect(new URL(first.location!).searchParams.get('code')).toBeTruthy();
      expect(new URL(first.location!).searchParams.get('iss')).toBe(t.baseUrl);
      const replay = await step.browser.request(callback);
      expectErrorPage(replay, 400);
      expect(await codeCount(client.client_id)).toBe(1);
    });
  });

  describe('28. revocation (RFC 7009)', () => {
    it('revoking the refresh token: 200; the refresh token is dead and its access token gets 401', async () => {
      const { auth, tokens } = await signInForTokens(t, via());
      expect(await mcpStatus(t, tokens.access_token)).toBe(200);
      const res = await revoke({ token: tokens.refresh_token, token_type_hint: 'refresh_token', client_id: auth.client.client_id });
      expect(res.status).toBe(200);
      expectOAuthError(await refreshWith(t, auth.client.client_id, tokens.refresh_token!), 400, 'invalid_grant');
      expect(await waitForMcpStatus(t, tokens.access_token, 401)).toBe(401);
    });

    it('revoking the access token: 200 and it gets 401', async () => {
      const { auth, tokens } = await signInForTokens(t, via());
      const res = await revoke({ token: tokens.access_token, token_type_hint: 'access_token', client_id: auth.client.client_id });
      expect(res.status).toBe(200);
      expect(await waitForMcpStatus(t, tokens.access_token, 401)).toBe(401);
    });

    it('a refresh token revoked with the hint access_token is still revoked (hints are only hints)', async () => {
      const { auth, tokens } = await signInForTokens(t, via());
      expect((await revoke({ token: tokens.refresh_token, token_type_hint: 'access_token', client_id: auth.client.client_id })).status).toBe(200);
      expectOAuthError(await refreshWith(t, auth.client.client_id, tokens.refresh_token!), 400, 'invalid_grant');
    });

    it('an unknown token: 200', async () => {
      const client = await registerClient(t);
      expect((await revoke({ token: 'never-issued-token', client_id: client.client_id })).status).toBe(200);
      expect((await revoke({ token: 'never-issued-token', token_type_hint: 'refresh_token', client_id: client.client_id })).status).toBe(200);
    });

    it("another client's tokens are not revoked", async () => {
      const { auth, tokens } = await signInForTokens(t, via());
      const other = await registerClient(t);
      for (const token of [tokens.refresh_token!, tokens.access_token]) {
        const res = await revoke({ token, client_id: other.client_id });
        // RFC 7009 §2.1 lets the server refuse (an error) or answer 200; either way nothing is revoked.
        expect(res.status).not.toBe(500);
        if (res.status !== 200) expect(res.json?.error).toEqual(expect.any(String));
      }
      // Revocation would reach this instance at once and others within ~1 s: give it that second.
      await new Promise((r) => setTimeout(r, 1200));
      expect(await mcpStatus(t, tokens.access_token)).toBe(200);
      const refreshed = await refreshWith(t, auth.client.client_id, tokens.refresh_token!);
      expect(refreshed.status).toBe(200);
    });

    it('client authentication is required: none -> 401 invalid_client; wrong Basic secret -> 401 with a Basic challenge', async () => {
      expectOAuthError(await revoke({ token: 'x' }), 401, 'invalid_client');
      const service = credentials(resourceServer);
      expectOAuthError(await revoke({ token: 'x' }, { ...service, secret: 'wrong' }), 401, 'invalid_client', { basicChallenge: true });
    });

    it('no token parameter: 400 invalid_request', async () => {
      const client = await registerClient(t);
      expectOAuthError(await revoke({ client_id: client.client_id }), 400, 'invalid_request');
    });
  });

  describe('29. introspection (RFC 7662)', () => {
    let signedIn: { auth: Awaited<ReturnType<typeof signInForTokens>>['auth']; tokens: TokenSet };
    beforeAll(async () => {
      signedIn = await signInForTokens(t, via({ scope: 'notes:read' }));
    });

    it('without client authentication: 401 invalid_client', async () => {
      expectOAuthError(await introspect({ token: signedIn.tokens.access_token }), 401, 'invalid_client');
    });

    it('by a public client: 401 invalid_client', async () => {
      expectOAuthError(await introspect({ token: signedIn.tokens.access_token, client_id: signedIn.auth.client.client_id }), 401, 'invalid_client');
    });

    it('with a wrong secret: 401 invalid_client with a Basic challenge', async () => {
      expectOAuthError(await introspect({ token: signedIn.tokens.access_token }, { ...credentials(resourceServer), secret: 'nope' }), 401, 'invalid_client', {
        basicChallenge: true,
      });
    });

    it('an active access token, by a confidential client: active with scope, client_id and sub', async () => {
      const res = await introspect({ token: signedIn.tokens.access_token }, credentials(resourceServer));
      expect(res.status).toBe(200);
      expect(res.json).toEqual(
        expect.objectContaining({
          active: true,
          scope: 'notes:read',
          client_id: signedIn.auth.client.client_id,
          sub: decodeJwt(signedIn.tokens.access_token).sub,
        }),
      );
    });

    it('garbage: 200 {"active":false}', async () => {
      const res = await introspect({ token: 'garbage.garbage.garbage' }, credentials(resourceServer));
      expect(res.status).toBe(200);
      expect(res.json).toEqual({ active: false });
    });

    it('an expired access token signed by this server: 200 {"active":false}', async () => {
      const claims = { ...decodeJwt(signedIn.tokens.access_token), iat: undefined, exp: undefined };
      const expired = await t.signRaw(claims, { expiresIn: -120 });
      const res = await introspect({ token: expired }, credentials(resourceServer));
      expect(res.status).toBe(200);
      expect(res.json).toEqual({ active: false });
    });

    it('a token for another audience signed by this server: 200 {"active":false}', async () => {
      const claims = { ...decodeJwt(signedIn.tokens.access_token), iat: undefined, exp: undefined, aud: 'https://other.example/mcp' };
      const res = await introspect({ token: await t.signRaw(claims) }, credentials(resourceServer));
      expect(res.status).toBe(200);
      expect(res.json).toEqual({ active: false });
    });

    describe('item 9: a token is described only to its own client or a configured resource server (RFC 7662 §2.2, §4)', () => {
      let owner: RegisteredClient;
      let owned: TokenSet;
      let stranger: RegisteredClient;
      beforeAll(async () => {
        owner = await registerClient(t, { token_endpoint_auth_method: 'client_secret_basic' });
        const auth = await authorize(t, via({ client: owner, scope: 'notes:read' }));
        const res = await exchangeCode(t, auth, {}, credentials(owner));
        expect(res.status).toBe(200);
        owned = res.json as TokenSet;
        expect(owned.refresh_token).toBeTruthy();
        stranger = await registerServiceClient(t, { client_name: 'Curious stranger' });
      });

      it("another self-registered confidential client asking about a client's refresh token: {active:false}, no sub, no username", async () => {
        const res = await introspect({ token: owned.refresh_token! }, credentials(stranger));
        expect(res.status).toBe(200);
        expect(res.json).toEqual({ active: false });
        expect(res.text).not.toContain(decodeJwt(owned.access_token).sub!);
        expect(res.text).not.toContain(github.nextUser.login);
      });

      it("another self-registered confidential client asking about a client's access token: {active:false}", async () => {
        const res = await introspect({ token: owned.access_token }, credentials(stranger));
        expect(res.status).toBe(200);
        expect(res.json).toEqual({ active: false });
      });

      it('a configured resource server sees access tokens but not refresh tokens (it never holds one)', async () => {
        expect((await introspect({ token: owned.access_token }, credentials(resourceServer))).json).toEqual(expect.objectContaining({ active: true }));
        expect((await introspect({ token: owned.refresh_token! }, credentials(resourceServer))).json).toEqual({ active: false });
      });

      it('the client the tokens were issued to: active, with sub and username', async () => {
        const refresh = await introspect({ token: owned.refresh_token! }, credentials(owner));
        expect(refresh.json).toEqual(
          expect.objectContaining({ active: true, token_type: 'refresh_token', client_id: owner.client_id, sub: decodeJwt(owned.access_token).sub }),
        );
        expect(refresh.json.username).toBe(github.nextUser.login);
        const access = await introspect({ token: owned.access_token }, credentials(owner));
        expect(access.json).toEqual(expect.objectContaining({ active: true, client_id: owner.client_id, username: github.nextUser.login }));
      });
    });

    it('a revoked grant: its access token is inactive', async () => {
      const { auth, tokens } = await signInForTokens(t, via());
      expect((await revoke({ token: tokens.refresh_token, client_id: auth.client.client_id })).status).toBe(200);
      const res = await introspect({ token: tokens.access_token }, credentials(resourceServer));
      expect(res.status).toBe(200);
      expect(res.json).toEqual({ active: false });
    });
  });

  describe('30. only hashes of codes, refresh tokens and client secrets are stored; no secret is logged', () => {
    it('after a whole flow, no table and no log line contains any of its secrets', async () => {
      const ghTokensBefore = github.issuedTokens.length;
      const client = await registerClient(t, { token_endpoint_auth_method: 'client_secret_basic' });
      const auth = await authorize(t, via({ client }));
      const first = await exchangeCode(t, auth, {}, credentials(client));
      expect(first.status).toBe(200);
      const refreshed: HttpResult = await postForm(
        `${t.baseUrl}/token`,
        { grant_type: 'refresh_token', refresh_token: first.json.refresh_token },
        { basic: credentials(client) },
      );
      expect(refreshed.status).toBe(200);
      // Failures that get logged: a bad client secret and a code replay.
      expect((await exchangeCode(t, auth, {}, { ...credentials(client), secret: 'wrong' })).status).toBe(401);
      expect((await exchangeCode(t, auth, {}, credentials(client))).status).toBe(400);

      const secrets: Record<string, string> = {
        'authorization code': auth.code,
        'code verifier': auth.verifier,
        'client secret': client.client_secret!,
        'refresh token 1': first.json.refresh_token,
        'refresh token 2': refreshed.json.refresh_token,
        'access token': first.json.access_token,
        'access token signature': first.json.access_token.split('.')[2],
        'session cookie': auth.browser.cookie('__Host-mcp-session')!,
        ...Object.fromEntries(github.issuedTokens.slice(ghTokensBefore).map((tok, i) => [`GitHub token ${i}`, tok])),
      };
      for (const [name, value] of Object.entries(secrets))
        expect({ name, value: typeof value === 'string' && value.length >= 20 }).toEqual({ name, value: true });
      expect(github.issuedTokens.length).toBeGreaterThan(ghTokensBefore);

      const dump = await withDb((db) => dumpAllTables(db));
      expect(Object.keys(dump)).toEqual(
        expect.arrayContaining(['oauth_clients', 'authorization_codes', 'refresh_tokens', 'grants', 'upstream_tokens', 'browser_sessions', 'audit_events']),
      );
      const leaks: string[] = [];
      for (const [table, text] of Object.entries(dump)) {
        for (const [name, value] of Object.entries(secrets)) if (text.includes(value)) leaks.push(`${name} in table ${table}`);
      }
      for (const [name, value] of Object.entries(secrets)) if (logs.text.includes(value)) leaks.push(`${name} in the logs`);
      expect(leaks).toEqual([]);
      // The capture did see the failures, so the log check above looked at something.
      expect(logs.lines.length).toBeGreaterThan(0);
      // The GitHub token is stored, encrypted.
      const sealed = await withDb(
        async (db) =>
          (
            await db.query(`SELECT t.access_token_encrypted AS sealed FROM upstream_tokens t JOIN users u ON u.id = t.user_id WHERE u.github_id = $1`, [
              String(github.nextUser.id),
            ])
          ).rows,
      );
      expect(sealed).toHaveLength(1);
      expect(sealed[0].sealed).toEqual(expect.any(String));
    });
  });
});
