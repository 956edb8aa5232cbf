import { randomBytes, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { Client, CrossAppAccessProvider, discoverAndRequestJwtAuthGrant, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { decodeJwt } from 'jose';
import { UsersRepository } from '../src/users/users.repository.js';
import { credentials, register, registerServiceClient, type RegisteredClient } from './factories/oauth-client.factory.js';
import { withDb } from './helpers/db.js';
import { LogCapture } from './helpers/log-capture.js';
import { basicHeader, postForm, type HttpResult } from './helpers/oauth-http.js';
import { TestIdp, TOKEN_EXCHANGE, type IdJagOverride } from './helpers/oidc-provider.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';
import { pollUntil } from './helpers/wait.js';

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const ID_TYP = 'oauth-id-jag+jwt';
const IDP_SECRET = randomBytes(24).toString('hex');

/**
 * Issue 9 §3, MCP Enterprise-Managed Authorization: the company identity provider (node-oidc-provider
 * with an RFC 8693 token exchange that issues ID-JAGs signed with its own key) grants MCP access on a
 * person's behalf; the client presents the ID-JAG at /token with the RFC 7523 jwt-bearer grant,
 * authenticated as a confidential client registered here. Driven by the SDK v2 CrossAppAccessProvider.
 */
describe('identity assertion grant (ID-JAG, TRUSTED_IDJAG_ISSUERS)', () => {
  const idp = new TestIdp({ idJag: true });
  /** Another provider, not in TRUSTED_IDJAG_ISSUERS. */
  const untrusted = new TestIdp({ idJag: true });
  const logs = new LogCapture();
  let app: TestApp;
  /** The agent's confidential client here, and the same client_id at the identity providers (as they map it). */
  let agent: RegisteredClient;
  let otherAgent: RegisteredClient;
  const idTokens = new Map<string, string>();

  beforeAll(async () => {
    await idp.start();
    await untrusted.start();
    app = await startTestApp({ TRUSTED_IDJAG_ISSUERS: `${idp.issuer}, https://idp.example.com` });
    app.app.useLogger(logs);
    agent = await registerIdJagClient(app);
    otherAgent = await registerIdJagClient(app);
    for (const provider of [idp, untrusted]) for (const c of [agent, otherAgent]) knownAt(provider, c);
    idp.accounts.set('alice', { email: 'alice@corp.example', email_verified: true, name: 'Alice' });
    idp.accounts.set('bob', { preferred_username: 'bob' });
    untrusted.accounts.set('alice', { email: 'alice@corp.example', email_verified: true });
  });

  afterAll(async () => {
    await app?.close();
    await idp.stop();
    await untrusted.stop();
  });

  /** The client, under the same client_id, at the identity provider: it signs people in and exchanges their ID tokens for ID-JAGs. */
  function knownAt(provider: TestIdp, client: RegisteredClient): void {
    provider.addClient({
      client_id: client.client_id,
      client_secret: IDP_SECRET,
      redirect_uris: ['http://127.0.0.1:1/callback'],
      grant_types: ['authorization_code', TOKEN_EXCHANGE],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
    });
  }

  function registerIdJagClient(t: TestApp, overrides: Record<string, unknown> = {}): Promise<RegisteredClient> {
    return registerServiceClient(t, { grant_types: [JWT_BEARER], ...overrides });
  }

  /** The person's ID token at the provider, from a sign-in through its own pages (PKCE, nonce). */
  async function idToken(provider: TestIdp, login: string, client: RegisteredClient = agent): Promise<string> {
    const key = `${provider.issuer} ${login} ${client.client_id}`;
    if (!idTokens.has(key)) {
      const tokens = await provider.signInHeadless({
        clientId: client.client_id,
        clientSecret: IDP_SECRET,
        clientAuth: 'client_secret_post',
        redirectUri: 'http://127.0.0.1:1/callback',
        login,
        scope: 'openid email profile',
      });
      idTokens.set(key, tokens.id_token);
    }
    return idTokens.get(key)!;
  }

  /** An ID-JAG from the provider's token exchange (RFC 8693), for this server unless told otherwise. */
  async function idJag(
    o: { login?: string; provider?: TestIdp; client?: RegisteredClient; audience?: string; scope?: string; override?: IdJagOverride } = {},
  ): Promise<string> {
    const provider = o.provider ?? idp;
    const client = o.client ?? agent;
    const token = await idToken(provider, o.login ?? 'alice', client);
    provider.nextIdJag = o.override;
    const result = await discoverAndRequestJwtAuthGrant({
      idpUrl: provider.issuer,
      audience: o.audience ?? app.baseUrl,
      resource: app.mcpUrl,
      idToken: token,
      clientId: client.client_id,
      clientSecret: IDP_SECRET,
      scope: o.scope,
    });
    return result.jwtAuthGrant;
  }

  function present(assertion: string, o: { client?: RegisteredClient; scope?: string; resource?: string } = {}): Promise<HttpResult> {
    return postForm(
      `${app.baseUrl}/token`,
      { grant_type: JWT_BEARER, assertion, scope: o.scope, resource: o.resource },
      { basic: credentials(o.client ?? agent) },
    );
  }

  function expectRefused(res: HttpResult, error: string, description?: RegExp): void {
    expect({ status: res.status, error: res.json?.error }).toEqual({ status: error === 'invalid_client' ? 401 : 400, error });
    if (description) expect(res.json.error_description).toMatch(description);
    expect(res.json.access_token).toBeUndefined();
  }

  const userOf = (issuer: string, subject: string) =>
    withDb(
      async (db) => (await db.query(`SELECT id, source, login, name, disabled_at FROM users WHERE issuer = $1 AND subject = $2`, [issuer, subject])).rows[0],
    );

  it('advertises the jwt-bearer grant in the authorization server metadata', async () => {
    const meta = (await (await fetch(`${app.baseUrl}/.well-known/oauth-authorization-server`)).json()) as { grant_types_supported: string[] };
    expect(meta.grant_types_supported).toEqual(['authorization_code', 'refresh_token', 'client_credentials', JWT_BEARER]);
  });

  it('the SDK v2 CrossAppAccessProvider gets an ID-JAG from the provider and an access token here, then calls the notes tools as (issuer, sub)', async () => {
    const seen: { authorizationServerUrl: string; resourceUrl: string }[] = [];
    const provider = new CrossAppAccessProvider({
      assertion: async (ctx) => {
        seen.push({ authorizationServerUrl: ctx.authorizationServerUrl, resourceUrl: ctx.resourceUrl });
        const result = await discoverAndRequestJwtAuthGrant({
          idpUrl: idp.issuer,
          audience: ctx.authorizationServerUrl,
          resource: ctx.resourceUrl,
          idToken: await idToken(idp, 'alice'),
          clientId: agent.client_id,
          clientSecret: IDP_SECRET,
          scope: ctx.scope,
          fetchFn: ctx.fetchFn,
        });
        return result.jwtAuthGrant;
      },
      clientId: agent.client_id,
      clientSecret: agent.client_secret!,
      expectedIssuer: app.baseUrl,
    });
    const client = new Client({ name: 'id-jag-e2e', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(app.mcpUrl), { authProvider: provider }));
    try {
      expect(seen).toEqual([{ authorizationServerUrl: app.baseUrl, resourceUrl: app.mcpUrl }]);
      const tokens = provider.tokens()!;
      // No refresh token: the client asks its identity provider for a new ID-JAG instead.
      expect(tokens.refresh_token).toBeUndefined();
      expect(tokens.token_type).toBe('Bearer');
      const created = await client.callTool({ name: 'notes.create', arguments: { title: 'Granted by the company IdP' } });
      expect(created.isError).toBeFalsy();
      const listed = await client.callTool({ name: 'notes.list', arguments: {} });
      expect((listed.structuredContent as { notes: { title: string }[] }).notes.map((n) => n.title)).toContain('Granted by the company IdP');

      const user = await userOf(idp.issuer, 'alice');
      expect(user).toMatchObject({ source: 'oidc', login: 'alice@corp.example', name: 'Alice', disabled_at: null });
      const claims = decodeJwt(tokens.access_token);
      expect(claims).toMatchObject({ iss: app.baseUrl, aud: app.mcpUrl, sub: user.id, client_id: agent.client_id });
      expect(String(claims.scope).split(' ').sort()).toEqual(['notes:read', 'notes:write']);
      // OpenID Connect sign-in at the same provider (OIDC_ISSUER) keys people the same way: it finds this very user.
      const viaSignIn = await app.app.get(UsersRepository).upsertFederatedUser(idp.issuer, 'alice', 'alice@corp.example', 'Alice');
      expect(viaSignIn.id).toBe(user.id);
    } finally {
      await client.close();
    }
  });

  it('a person new to this server is created from the assertion; a later assertion without a name keeps the one known', async () => {
    const first = await present(await idJag({ login: 'bob' }));
    expect(first.status).toBe(200);
    expect(await userOf(idp.issuer, 'bob')).toMatchObject({ source: 'oidc', login: `bob@${new URL(idp.issuer).host}`, name: null });
    // The same sub at an issuer that is not trusted is nobody here.
    expect(await userOf(untrusted.issuer, 'bob')).toBeUndefined();
    const alice = await userOf(idp.issuer, 'alice');
    const bare = await present(await idJag({ override: { claims: { email: undefined, name: undefined, preferred_username: undefined } } }));
    expect(bare.status).toBe(200);
    expect(await userOf(idp.issuer, 'alice')).toEqual(alice);
  });

  it('grants at most what was asked for and what the assertion names; unknown scopes are invalid_scope; admin never', async () => {
    const narrow = await present(await idJag(), { scope: 'notes:read' });
    expect(narrow.json).toMatchObject({ scope: 'notes:read', token_type: 'Bearer' });
    expect(narrow.json.refresh_token).toBeUndefined();
    const write = await app.rpc(
      { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'notes.create', arguments: { title: 'x' } } },
      { authorization: `Bearer ${narrow.json.access_token}` },
    );
    expect(write.status).toBe(403);

    const namedByIdp = await present(await idJag({ scope: 'notes:read' }), { scope: 'notes:read notes:write' });
    expect(namedByIdp.json.scope).toBe('notes:read');
    const fromAssertion = await present(await idJag({ scope: 'notes:write other:idp-scope' }));
    expect(fromAssertion.json.scope).toBe('notes:write');
    const withAdmin = await present(await idJag(), { scope: 'notes:read admin offline_access' });
    expect(withAdmin.json.scope).toBe('notes:read');
    expectRefused(await present(await idJag(), { scope: 'admin' }), 'invalid_scope');
    expectRefused(await present(await idJag(), { scope: 'notes:read no-such-scope' }), 'invalid_scope');
  });

  it('with open registration off (DCR_ENABLED=false), an administrator registers the agent (POST /admin/clients) and the grant works for it', async () => {
    const closed = await startTestApp({ TRUSTED_IDJAG_ISSUERS: idp.issuer, DCR_ENABLED: 'false', ADMIN_GITHUB_LOGINS: 'idjag-admin' });
    try {
      expect((await register(closed, { grant_types: [JWT_BEARER], client_name: 'self-registered agent' })).status).toBe(404);
      const adminToken = await closed.token('idjag-admin', ['admin']);
      const made = await fetch(`${closed.baseUrl}/admin/clients`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ client_name: 'corporate agent', grant_types: [JWT_BEARER], scope: 'notes:read notes:write' }),
      });
      expect(made.status).toBe(201);
      const client = (await made.json()) as RegisteredClient;
      expect(client).toMatchObject({ grant_types: [JWT_BEARER], token_endpoint_auth_method: 'client_secret_basic' });
      knownAt(idp, client);
      const grant = await discoverAndRequestJwtAuthGrant({
        idpUrl: idp.issuer,
        audience: closed.baseUrl,
        resource: closed.mcpUrl,
        idToken: await idToken(idp, 'alice', client),
        clientId: client.client_id,
        clientSecret: IDP_SECRET,
      });
      const token = await postForm(`${closed.baseUrl}/token`, { grant_type: JWT_BEARER, assertion: grant.jwtAuthGrant }, { basic: credentials(client) });
      expect(token.status).toBe(200);
      expect(token.json.scope).toBe('notes:read notes:write');
      const call = await closed.rpc(
        { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'notes.create', arguments: { title: 'from the agent' } } },
        { authorization: `Bearer ${token.json.access_token}` },
      );
      expect(call.status).toBe(200);
      expect(call.body.result.isError).toBeFalsy();
      // A person without the admin scope cannot register one.
      const person = await closed.token('someone-else', ['notes:read']);
      const refused = await fetch(`${closed.baseUrl}/admin/clients`, {
        method: 'POST',
        headers: { authorization: `Bearer ${person}`, 'content-type': 'application/json' },
        body: JSON.stringify({ grant_types: [JWT_BEARER] }),
      });
      expect(refused.status).toBe(403);
    } finally {
      await closed.close();
    }
  });

  it('a client registered for fewer scopes gets only those', async () => {
    const reader = await registerIdJagClient(app, { scope: 'notes:read' });
    knownAt(idp, reader);
    const res = await present(await idJag({ client: reader }), { client: reader, scope: 'notes:read notes:write' });
    expect(res.json.scope).toBe('notes:read');
  });

  it('a replayed assertion is invalid_grant; of two concurrent presentations exactly one wins', async () => {
    const assertion = await idJag();
    expect((await present(assertion)).status).toBe(200);
    expectRefused(await present(assertion), 'invalid_grant', /already been used/);

    const fresh = await idJag();
    const both = await Promise.all([present(fresh), present(fresh)]);
    expect(both.map((r) => r.status).sort()).toEqual([200, 400]);
    expectRefused(
      both.find((r) => r.status === 400)!,
      'invalid_grant',
      /already been used/,
    );
  });

  it('refuses a wrong audience, an untrusted issuer, another client, an expired or long-lived assertion, a wrong typ, a foreign key, another resource', async () => {
    const now = Math.floor(Date.now() / 1000);
    expectRefused(await present(await idJag({ audience: 'https://other-as.example.com' })), 'invalid_grant', /audience/);
    expectRefused(await present(await idJag({ audience: app.mcpUrl })), 'invalid_grant', /audience/);
    expectRefused(await present(await idJag({ provider: untrusted })), 'invalid_grant', /not issued by a trusted identity provider/);
    // The person's ID token itself is not a grant.
    expectRefused(await present(await idToken(idp, 'alice')), 'invalid_grant', /typ/);
    // An ID-JAG issued to one client, presented by another (with its own valid credentials).
    expectRefused(await present(await idJag(), { client: otherAgent }), 'invalid_grant', /another client/);
    expectRefused(await present(await idJag({ override: { claims: { iat: now - 400, exp: now - 100 } } })), 'invalid_grant', /expired/);
    expectRefused(await present(await idJag({ override: { claims: { exp: now + 3600 } } })), 'invalid_grant', /longer than 300 seconds/);
    expectRefused(await present(await idJag({ override: { typ: 'JWT' } })), 'invalid_grant', /typ/);
    expectRefused(await present(await idJag({ override: { foreignKey: true } })), 'invalid_grant', /not signed with a key of its issuer/);
    expectRefused(await present(await idJag({ override: { claims: { resource: 'https://other-api.example/' } } })), 'invalid_grant', /resource/);
    // RFC 8707: a resource parameter that names another resource is invalid_target, the one named in the assertion is fine.
    expectRefused(await present(await idJag(), { resource: 'https://other-api.example/' }), 'invalid_target');
    expect((await present(await idJag(), { resource: app.mcpUrl })).status).toBe(200);
  });

  it('a disabled person gets no token, and their assertion is not used up', async () => {
    idp.accounts.set('carol', { email: 'carol@corp.example', email_verified: true });
    const assertion = await idJag({ login: 'carol' });
    expect((await present(await idJag({ login: 'carol' }))).status).toBe(200);
    const carol = await userOf(idp.issuer, 'carol');
    await withDb((db) => db.query(`UPDATE users SET disabled_at = now() WHERE id = $1`, [carol.id]));
    try {
      expectRefused(await present(assertion), 'invalid_grant', /disabled/);
      const used = await withDb(async (db) => (await db.query(`SELECT count(*)::int AS n FROM id_jag_uses WHERE user_id = $1`, [carol.id])).rows[0].n);
      expect(used).toBe(1);
    } finally {
      await withDb((db) => db.query(`UPDATE users SET disabled_at = NULL WHERE id = $1`, [carol.id]));
    }
  });

  it('client authentication: a wrong secret is invalid_client, a client not registered for the grant is unauthorized_client', async () => {
    const assertion = await idJag();
    const wrong = await postForm(`${app.baseUrl}/token`, { grant_type: JWT_BEARER, assertion }, { basic: { id: agent.client_id, secret: 'wrong' } });
    expectRefused(wrong, 'invalid_client');
    const service = await registerServiceClient(app);
    expectRefused(await present(assertion, { client: service }), 'unauthorized_client');
    // The assertion was never accepted, so the agent can still use it.
    expect((await present(assertion)).status).toBe(200);
  });

  it('registration: jwt-bearer needs a confidential client', async () => {
    const res = await register(app, { grant_types: [JWT_BEARER], token_endpoint_auth_method: 'none', client_name: 'public agent' });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ error: 'invalid_client_metadata', error_description: expect.stringMatching(/confidential/) });
    expect(agent.grant_types).toEqual([JWT_BEARER]);
  });

  it('hostile assertions are 400 (413 past the body limit), never 500', async () => {
    const good = await idJag();
    const cases: [string, string | undefined][] = [
      ['missing', undefined],
      ['NUL', `${good}\u0000`],
      ['lone surrogate', `${good.slice(0, 20)}\ud800${good.slice(20)}`],
      ['60 KB', `${good}${'A'.repeat(60_000)}`],
      ['header only', good.split('.')[0]],
      ['unsigned', `${good.split('.').slice(0, 2).join('.')}.`],
    ];
    for (const [name, assertion] of cases) {
      const res = await postForm(`${app.baseUrl}/token`, { grant_type: JWT_BEARER, assertion }, { basic: credentials(agent) });
      expect({ name, status: res.status, error: ['invalid_grant', 'invalid_request'].includes(res.json?.error) }).toEqual({ name, status: 400, error: true });
    }
    const repeated = await fetch(`${app.baseUrl}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicHeader(credentials(agent)) },
      body: `grant_type=${encodeURIComponent(JWT_BEARER)}&assertion=${good}&assertion=${good}`,
    });
    expect(repeated.status).toBe(400);
    const huge = await postForm(`${app.baseUrl}/token`, { grant_type: JWT_BEARER, assertion: 'A'.repeat(200_000) }, { basic: credentials(agent) });
    expect(huge.status).toBe(413);
    // None of these used the good assertion up.
    expect((await present(good)).status).toBe(200);
  });

  it('property: an ID-JAG signed by the trusted provider is accepted exactly when every rule holds', async () => {
    const ok = { aud: 'ours', resource: 'mcp', client: 'agent', typ: ID_TYP, jti: 'fresh', sub: 'alice', scope: 'none' } as const;
    const audiences: Record<string, unknown> = {
      ours: app.baseUrl,
      oursArray: [app.baseUrl],
      slash: `${app.baseUrl}/`,
      resource: app.mcpUrl,
      two: [app.baseUrl, 'https://x.example'],
      none: undefined,
    };
    const resources: Record<string, unknown> = {
      mcp: app.mcpUrl,
      mcpArray: [app.mcpUrl],
      slash: `${app.mcpUrl}/`,
      other: 'https://other-api.example/',
      none: undefined,
    };
    const clients: Record<string, unknown> = { agent: agent.client_id, other: otherAgent.client_id, none: undefined, number: 42 };
    const jtis: Record<string, () => unknown> = {
      fresh: () => randomUUID(),
      empty: () => '',
      nul: () => `a\u0000${randomUUID()}`,
      long: () => 'j'.repeat(300),
      number: () => 7,
    };
    const subs: Record<string, unknown> = { alice: 'alice', empty: '', newline: 'a\nb', number: 7 };
    const scopes: Record<string, unknown> = { none: undefined, read: 'notes:read', admin: 'admin', unknown: 'zzz:unknown', number: 42 };
    /** Mostly the valid value, so that about one case in six passes every rule. */
    const mostly = <T>(valid: T, all: readonly T[]) =>
      fc.oneof({ arbitrary: fc.constant(valid), weight: 5 }, { arbitrary: fc.constantFrom(...all), weight: 1 });
    const keys = <T extends Record<string, unknown>>(o: T) => Object.keys(o) as (keyof T & string)[];
    const arbitrary = fc.record({
      aud: mostly<string>(ok.aud, keys(audiences)),
      resource: mostly<string>(ok.resource, keys(resources)),
      client: mostly<string>(ok.client, keys(clients)),
      typ: mostly<string>(ID_TYP, [ID_TYP, ID_TYP.toUpperCase(), 'JWT']),
      jti: mostly<string>(ok.jti, keys(jtis)),
      sub: mostly<string>(ok.sub, keys(subs)),
      scope: mostly<string>(ok.scope, keys(scopes)),
      // Seconds from now; kept 20 s or more away from every limit (300 s lifetime, 30 s skew).
      iat: mostly(0, [-400, -200, 0, 10, 100]),
      exp: mostly(290, [-100, -10, 60, 290, 400]),
    });
    const outcomes = new Set<string>();
    await fc.assert(
      fc.asyncProperty(arbitrary, async (c) => {
        const now = Math.floor(Date.now() / 1000);
        const claims = {
          aud: audiences[c.aud],
          resource: resources[c.resource],
          client_id: clients[c.client],
          jti: jtis[c.jti](),
          sub: subs[c.sub],
          scope: scopes[c.scope],
          iat: now + c.iat,
          exp: now + c.exp,
        };
        const assertion = await idJag({ override: { claims, typ: c.typ } });
        const res = await present(assertion);
        const assertionOk =
          ['ours', 'oursArray'].includes(c.aud) &&
          ['mcp', 'mcpArray'].includes(c.resource) &&
          c.client === ok.client &&
          c.typ.toLowerCase() === ID_TYP &&
          c.jti === ok.jti &&
          c.sub === ok.sub &&
          c.scope !== 'number' &&
          c.exp > -30 &&
          c.iat <= 30 &&
          -c.iat <= 330 &&
          c.exp - c.iat <= 300;
        const expected = !assertionOk ? 'invalid_grant' : c.scope === 'admin' || c.scope === 'unknown' ? 'invalid_scope' : 'granted';
        outcomes.add(expected);
        expect({ case: c, outcome: res.status === 200 ? 'granted' : res.json?.error, status: res.status }).toEqual({
          case: c,
          outcome: expected,
          status: expected === 'granted' ? 200 : 400,
        });
      }),
      { numRuns: 60 },
    );
    // Both sides of the rule were exercised.
    expect(outcomes.has('granted') && outcomes.has('invalid_grant')).toBe(true);
  });

  it('audits every accepted and refused grant, and never writes an assertion or token to the audit or the logs', async () => {
    const accepted = await idJag();
    const refused = await idJag({ override: { typ: 'JWT' } });
    const ok = await present(accepted);
    expect(ok.status).toBe(200);
    expect((await present(refused)).status).toBe(400);
    const rows = await pollUntil(
      () =>
        withDb(
          async (db) =>
            (
              await db.query(
                `SELECT outcome, client_id, user_id, detail::text AS detail FROM audit_events WHERE target = 'token.jwt_bearer' AND client_id = $1`,
                [agent.client_id],
              )
            ).rows as { outcome: string; detail: string; user_id: string | null }[],
        ),
      (r) => r.some((e) => e.outcome === 'denied' && e.detail.includes('typ')) && r.filter((e) => e.outcome === 'ok').length >= 5,
    );
    expect(rows.some((e) => e.outcome === 'denied' && e.detail.includes('typ'))).toBe(true);
    expect(rows.filter((e) => e.outcome === 'ok').every((e) => e.user_id !== null && e.detail.includes(idp.issuer))).toBe(true);
    const secrets = [accepted, refused, ok.json.access_token, accepted.split('.')[2], refused.split('.')[2]];
    const everything = rows.map((r) => r.detail).join('\n') + logs.text;
    expect(secrets.filter((s) => everything.includes(s))).toEqual([]);
    expect(logs.text).toContain('ID-JAG refused');
  });

  it('from the provider people also sign in with (OIDC_ISSUER), assertions pass the same allow-lists, on their own claims', async () => {
    const strict = await startTestApp({
      TRUSTED_IDJAG_ISSUERS: idp.issuer,
      OIDC_ISSUER: idp.issuer,
      OIDC_CLIENT_ID: 'mcp-server',
      OIDC_CLIENT_SECRET: IDP_SECRET,
      ALLOWED_EMAIL_DOMAINS: 'corp.example',
    });
    try {
      const client = await registerIdJagClient(strict);
      knownAt(idp, client);
      idp.accounts.set('mallory', { email: 'mallory@evil.example', email_verified: true });
      const jag = async (login: string) => {
        const result = await discoverAndRequestJwtAuthGrant({
          idpUrl: idp.issuer,
          audience: strict.baseUrl,
          resource: strict.mcpUrl,
          idToken: await idToken(idp, login, client),
          clientId: client.client_id,
          clientSecret: IDP_SECRET,
        });
        return postForm(`${strict.baseUrl}/token`, { grant_type: JWT_BEARER, assertion: result.jwtAuthGrant }, { basic: credentials(client) });
      };
      expect((await jag('alice')).status).toBe(200);
      expectRefused(await jag('mallory'), 'invalid_grant', /evil\.example are not allowed/);
      // No verified email in the assertion: the allow-list cannot be passed.
      expectRefused(await jag('bob'), 'invalid_grant', /verified email/);
      expect(await userOf(idp.issuer, 'mallory')).toBeUndefined();
    } finally {
      await strict.close();
    }
  });

  it('without TRUSTED_IDJAG_ISSUERS the grant is neither advertised, registrable nor accepted', async () => {
    const plain = await startTestApp();
    try {
      const meta = (await (await fetch(`${plain.baseUrl}/.well-known/oauth-authorization-server`)).json()) as { grant_types_supported: string[] };
      expect(meta.grant_types_supported).not.toContain(JWT_BEARER);
      const reg = await register(plain, { grant_types: [JWT_BEARER], token_endpoint_auth_method: 'client_secret_basic' });
      expect(reg.json).toMatchObject({ error: 'invalid_client_metadata' });
      const service = await registerServiceClient(plain);
      const res = await postForm(`${plain.baseUrl}/token`, { grant_type: JWT_BEARER, assertion: await idJag() }, { basic: credentials(service) });
      expect({ status: res.status, error: res.json.error }).toEqual({ status: 400, error: 'unsupported_grant_type' });
    } finally {
      await plain.close();
    }
  });
});
