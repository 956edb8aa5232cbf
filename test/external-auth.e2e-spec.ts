import { randomBytes } from 'node:crypto';
import { SignJWT, generateKeyPair } from 'jose';
import type { Browser, BrowserContext } from 'playwright-core';
import { LoopbackCallback, launchChromium } from './helpers/chromium.js';
import { freePort } from './helpers/free-port.js';
import { NOTES_SCOPES, TestIdp } from './helpers/oidc-provider.js';
import { InMemoryOAuthProvider, connectWithOAuth } from './helpers/sdk-oauth.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';
import { pollUntil } from './helpers/wait.js';

class BrowserClientProvider extends InMemoryOAuthProvider {
  state(): string {
    return randomBytes(16).toString('base64url');
  }
}

const REDIRECT = 'http://127.0.0.1:1/callback';
const PUBLIC_CLIENT = { client_id: 'cli-app', token_endpoint_auth_method: 'none' as const, redirect_uris: [REDIRECT], application_type: 'native' as const };
const OTHER_CLIENT = { ...PUBLIC_CLIENT, client_id: 'other-app' };
const INTROSPECTOR = {
  client_id: 'mcp-resource-server',
  client_secret: randomBytes(24).toString('hex'),
  grant_types: [],
  response_types: [],
  redirect_uris: [],
};
const SERVICE = {
  client_id: 'batch-service',
  client_secret: randomBytes(24).toString('hex'),
  grant_types: ['client_credentials'],
  response_types: [],
  redirect_uris: [],
};

const listTool = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'notes.list', arguments: {} } };
const createTool = (title: string) => ({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'notes.create', arguments: { title } } });

/**
 * AUTH_MODE=external: a real OpenID provider (node-oidc-provider 9) is the company authorization
 * server; this server runs no authorization server of its own and accepts that provider's tokens.
 */
describe('external authorization server (AUTH_MODE=external, oidc-provider)', () => {
  let browser: Browser;
  let context: BrowserContext;
  let app: TestApp;
  let second: TestApp;
  const idp: TestIdp = new TestIdp({
    clients: [PUBLIC_CLIENT, OTHER_CLIENT, INTROSPECTOR, SERVICE],
    accessTokenClaims: (id): Record<string, unknown> => ({ groups: idp.accounts.get(id)?.groups ?? [] }),
  });
  const stranger = new TestIdp({ clients: [PUBLIC_CLIENT] });
  const callback = new LoopbackCallback();

  /** An access token for `login`, from the provider's own pages driven over HTTP. */
  async function tokenFor(login: string, opts: { scope?: string; clientId?: string; at?: TestIdp } = {}): Promise<string> {
    const at = opts.at ?? idp;
    const tokens = await at.signInHeadless({
      clientId: opts.clientId ?? PUBLIC_CLIENT.client_id,
      redirectUri: REDIRECT,
      login,
      scope: opts.scope ?? NOTES_SCOPES,
      resource: app.mcpUrl,
    });
    return tokens.access_token;
  }

  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  beforeAll(async () => {
    browser = await launchChromium();
    context = await browser.newContext();
    await callback.start();
    const port = await freePort();
    idp.options.resource = `http://localhost:${port}/mcp`;
    stranger.options.resource = idp.options.resource;
    await Promise.all([idp.start(), stranger.start()]);
    idp.accounts.set('boss', { groups: ['mcp-admins'], email: 'boss@corp.example' });
    const env = {
      AUTH_MODE: 'external',
      EXTERNAL_ISSUER: idp.issuer,
      EXTERNAL_ADMIN_CLAIM: 'groups',
      EXTERNAL_ADMIN_VALUE: 'mcp-admins',
      EXTERNAL_INTROSPECTION_CLIENT_ID: INTROSPECTOR.client_id,
      EXTERNAL_INTROSPECTION_CLIENT_SECRET: INTROSPECTOR.client_secret,
      EXTERNAL_JWKS_COOLDOWN_SECONDS: '2',
    };
    app = await startTestApp({ ...env, PORT: String(port) });
    // A second instance on another port, same database, accepting the same audience.
    second = await startTestApp({ ...env, EXTERNAL_AUDIENCE: app.mcpUrl });
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await callback.stop();
    await Promise.allSettled([app?.close(), second?.close()]);
    await Promise.allSettled([idp.stop(), stranger.stop()]);
  });

  it('publishes the provider as the authorization server and serves no authorization server of its own', async () => {
    const prm = (await (await fetch(`${app.baseUrl}/.well-known/oauth-protected-resource/mcp`)).json()) as Record<string, unknown>;
    expect(prm).toMatchObject({ resource: app.mcpUrl, authorization_servers: [idp.issuer], scopes_supported: ['notes:read', 'notes:write'] });
    for (const [method, path] of [
      ['GET', '/.well-known/oauth-authorization-server'],
      ['GET', '/.well-known/openid-configuration'],
      ['GET', '/.well-known/jwks.json'],
      ['GET', '/authorize?client_id=x&response_type=code'],
      ['POST', '/authorize/consent'],
      ['POST', '/token'],
      ['POST', '/register'],
      ['POST', '/revoke'],
      ['POST', '/introspect'],
      ['GET', '/auth/dev'],
    ]) {
      const res = await fetch(`${app.baseUrl}${path}`, {
        method,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: method === 'POST' ? 'x=1' : undefined,
      });
      expect(`${method} ${path} ${res.status}`).toBe(`${method} ${path} 404`);
    }
    const res = await app.rpc(listTool);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(`Bearer resource_metadata="${app.config.protectedResourceMetadataUrl}", scope="notes:read notes:write"`);
  });

  it('the SDK client discovers the provider from the PRM, signs in on its pages in Chromium and calls the notes tools', async () => {
    const provider = new BrowserClientProvider(callback.url);
    const { client } = await connectWithOAuth(app.mcpUrl, provider, async (authorizationUrl) => {
      expect(authorizationUrl.origin).toBe(idp.issuer);
      expect(authorizationUrl.searchParams.get('resource')).toBe(app.mcpUrl);
      const page = await context.newPage();
      await page.goto(authorizationUrl.toString());
      await page.fill('input[name=login]', 'alice');
      await page.fill('input[name=password]', 'any password');
      await page.click('button[type=submit]');
      await page.waitForSelector('h1:has-text("Authorize")');
      await page.click('button[type=submit]');
      const back = await callback.next();
      await callback.closeWhenLoaded(page);
      expect(back.searchParams.get('state')).toBe(authorizationUrl.searchParams.get('state'));
      return back.searchParams.get('code')!;
    });
    const created = await client.callTool({ name: 'notes.create', arguments: { title: 'From the company IdP' } });
    expect(created.isError).toBeFalsy();
    const listed = await client.callTool({ name: 'notes.list', arguments: {} });
    expect((listed.structuredContent as { notes: { title: string }[] }).notes.map((n) => n.title)).toEqual(['From the company IdP']);
    await client.close();

    // The same person through another client and another token: the same local user and notes.
    const again = await app.rpc(listTool, bearer(await tokenFor('alice', { clientId: OTHER_CLIENT.client_id })));
    expect(again.status).toBe(200);
    expect(again.body.result.structuredContent.notes.map((n: { title: string }) => n.title)).toEqual(['From the company IdP']);
    // Someone else at the same provider sees none of it.
    const bob = await app.rpc(listTool, bearer(await tokenFor('bob')));
    expect(bob.body.result.structuredContent.notes).toEqual([]);
  });

  it('enforces per-tool scopes with the same 403 step-up challenge', async () => {
    const readOnly = await tokenFor('reader', { scope: 'notes:read' });
    expect((await app.rpc(listTool, bearer(readOnly))).status).toBe(200);
    const res = await app.rpc(createTool('nope'), bearer(readOnly));
    expect(res.status).toBe(403);
    expect(res.headers.get('www-authenticate')).toContain('error="insufficient_scope", error_description="This request needs scope: notes:write"');
    expect(res.headers.get('www-authenticate')).toContain('scope="notes:read notes:write"');
  });

  it('refuses a token of the same provider for another audience, and one from another issuer', async () => {
    const forOtherApi = await idp.token(
      { grant_type: 'client_credentials', resource: 'https://other-api.example/', scope: 'notes:read' },
      SERVICE.client_id,
      SERVICE.client_secret,
    );
    const wrongAud = await app.rpc(listTool, bearer(forOtherApi.access_token));
    expect(wrongAud.status).toBe(401);
    expect(wrongAud.headers.get('www-authenticate')).toContain(
      'error="invalid_token", error_description="The access token is not valid: token claim \\"aud\\" is not valid',
    );

    const fromStranger = await tokenFor('alice', { at: stranger });
    const wrongIss = await app.rpc(listTool, bearer(fromStranger));
    expect(wrongIss.status).toBe(401);
    expect(wrongIss.headers.get('www-authenticate')).toContain('not issued by a trusted authorization server');

    // The stranger's key under our provider's name: the signature does not verify.
    const [, payload] = fromStranger.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const { privateKey } = await generateKeyPair('ES256');
    const forged = await new SignJWT({ ...claims, iss: idp.issuer }).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: idp.signingKid }).sign(privateKey);
    expect((await app.rpc(listTool, bearer(forged))).status).toBe(401);
    // alg none and an HMAC signed with the public key are refused before any key is used.
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url')}.${Buffer.from(JSON.stringify({ ...claims, iss: idp.issuer })).toString('base64url')}.`;
    expect((await app.rpc(listTool, bearer(none))).status).toBe(401);
    const hs = await new SignJWT({ ...claims, iss: idp.issuer })
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: idp.signingKid })
      .sign(new TextEncoder().encode('a shared secret of at least 32 bytes'));
    const refused = await app.rpc(listTool, bearer(hs));
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toContain('token algorithm is not accepted');
  });

  it('picks up a key rotation at the provider without a restart, refetching the JWKS at most once per cool-down', async () => {
    const before = await tokenFor('rotator');
    expect((await app.rpc(listTool, bearer(before))).status).toBe(200);
    await idp.rotateKeys({ drop: true });
    // The last JWKS fetch may be younger than the cool-down (EXTERNAL_JWKS_COOLDOWN_SECONDS=2 here; 60 by default).
    await new Promise((r) => setTimeout(r, 2100));
    const fetches = idp.jwksRequests;
    const after = await tokenFor('rotator');
    expect((await app.rpc(listTool, bearer(after))).status).toBe(200);
    expect(idp.jwksRequests).toBe(fetches + 1);
    // Within the cool-down an unknown kid does not trigger another fetch.
    const { privateKey } = await generateKeyPair('ES256');
    const [, payload] = after.split('.');
    const unknownKid = await new SignJWT(JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>)
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'not-published' })
      .sign(privateKey);
    expect((await app.rpc(listTool, bearer(unknownKid))).status).toBe(401);
    expect(idp.jwksRequests).toBe(fetches + 1);
    // After it an unknown kid may refetch once.
    await new Promise((r) => setTimeout(r, 2100));
    expect((await app.rpc(listTool, bearer(unknownKid))).status).toBe(401);
    expect(idp.jwksRequests).toBe(fetches + 2);
  });

  it('accepts opaque tokens through RFC 7662 introspection, cached, and refuses inactive ones', async () => {
    idp.options.accessTokenFormat = 'opaque';
    try {
      const opaque = await tokenFor('olivia');
      expect(opaque.split('.')).toHaveLength(1);
      const asked = idp.introspections;
      const first = await app.rpc(createTool('opaque works'), bearer(opaque));
      expect(first.status).toBe(200);
      expect(first.body.result.isError).toBeFalsy();
      for (let i = 0; i < 3; i++) expect((await app.rpc(listTool, bearer(opaque))).status).toBe(200);
      expect(idp.introspections).toBe(asked + 1);
      const inactive = await app.rpc(listTool, bearer(`${opaque.slice(0, -4)}AAAA`));
      expect(inactive.status).toBe(401);
      expect(inactive.headers.get('www-authenticate')).toContain('token is not active');
    } finally {
      idp.options.accessTokenFormat = 'jwt';
    }
  });

  describe('admin revocation reaches every instance', () => {
    let adminToken: string;
    const adminHeaders = () => ({ ...bearer(adminToken), 'content-type': 'application/json' });

    beforeAll(async () => {
      adminToken = await tokenFor('boss');
    });

    async function statusOn(instance: TestApp, token: string): Promise<number> {
      return (await instance.rpc(listTool, bearer(token))).status;
    }

    it('only the admin claim grants the admin scope', async () => {
      expect((await fetch(`${app.baseUrl}/admin/users`, { headers: bearer(adminToken) })).status).toBe(200);
      const plain = await fetch(`${app.baseUrl}/admin/users`, { headers: bearer(await tokenFor('alice')) });
      expect(plain.status).toBe(403);
    });

    it('disabling a user refuses their tokens on both instances, including ones issued afterwards', async () => {
      const token = await tokenFor('dave');
      expect([await statusOn(app, token), await statusOn(second, token)]).toEqual([200, 200]);
      const users = (await (await fetch(`${app.baseUrl}/admin/users?q=dave`, { headers: bearer(adminToken) })).json()) as {
        users: { id: string; issuer: string; subject: string; source: string; login: string }[];
      };
      const dave = users.users.find((u) => u.subject === 'dave')!;
      expect(dave).toMatchObject({ issuer: idp.issuer, subject: 'dave', source: 'oidc', login: `dave@${new URL(idp.issuer).host}` });
      const disabled = await fetch(`${app.baseUrl}/admin/users/${dave.id}/disable`, { method: 'POST', headers: bearer(adminToken) });
      expect(disabled.status).toBe(200);
      expect(
        await pollUntil(
          () => statusOn(app, token),
          (s) => s === 401,
        ),
      ).toBe(401);
      expect(
        await pollUntil(
          () => statusOn(second, token),
          (s) => s === 401,
          3000,
        ),
      ).toBe(401);
      const fresh = await tokenFor('dave');
      expect([await statusOn(app, fresh), await statusOn(second, fresh)]).toEqual([401, 401]);
      // Control: another user is unaffected.
      expect(await statusOn(second, await tokenFor('erin'))).toBe(200);
      // Enabled again: new tokens work everywhere, the ones from before the disable stay refused.
      await new Promise((r) => setTimeout(r, 1100));
      expect((await fetch(`${second.baseUrl}/admin/users/${dave.id}/enable`, { method: 'POST', headers: bearer(adminToken) })).status).toBe(200);
      const afterEnable = await tokenFor('dave');
      expect(
        await pollUntil(
          () => statusOn(app, afterEnable),
          (s) => s === 200,
        ),
      ).toBe(200);
      expect(await statusOn(second, afterEnable)).toBe(200);
      expect(await statusOn(app, token)).toBe(401);
    });

    it('denying a client (client_id / azp) refuses the tokens issued to it so far, on both instances', async () => {
      const viaOther = await tokenFor('frank', { clientId: OTHER_CLIENT.client_id });
      const viaCli = await tokenFor('frank');
      expect([await statusOn(app, viaOther), await statusOn(second, viaOther)]).toEqual([200, 200]);
      const res = await fetch(`${second.baseUrl}/admin/revocations`, {
        method: 'POST',
        headers: adminHeaders(),
        body: JSON.stringify({ kind: 'client', subject: OTHER_CLIENT.client_id }),
      });
      expect(res.status).toBe(200);
      expect(
        await pollUntil(
          () => statusOn(app, viaOther),
          (s) => s === 401,
        ),
      ).toBe(401);
      expect(await statusOn(second, viaOther)).toBe(401);
      expect(await statusOn(app, viaCli)).toBe(200);
    });

    it('denying one token by jti refuses only that token', async () => {
      const one = await tokenFor('gina');
      const two = await tokenFor('gina');
      const jti = (JSON.parse(Buffer.from(one.split('.')[1], 'base64url').toString()) as { jti: string }).jti;
      const res = await fetch(`${app.baseUrl}/admin/revocations`, {
        method: 'POST',
        headers: adminHeaders(),
        body: JSON.stringify({ kind: 'token', subject: jti }),
      });
      expect(res.status).toBe(200);
      expect(
        await pollUntil(
          () => statusOn(second, one),
          (s) => s === 401,
        ),
      ).toBe(401);
      expect(await statusOn(app, one)).toBe(401);
      expect(await statusOn(second, two)).toBe(200);
    });

    it('rejects malformed deny-list entries with a 400', async () => {
      for (const body of [
        { kind: 'user', subject: 'x' },
        { kind: 'client', subject: '' },
        { kind: 'token', subject: 'a\u0000b' },
        { kind: 'client', subject: 'mcp_\udc00' },
        { kind: 'token', subject: 'x'.repeat(300) },
        { kind: 'token' },
      ]) {
        const res = await fetch(`${app.baseUrl}/admin/revocations`, { method: 'POST', headers: adminHeaders(), body: JSON.stringify(body) });
        expect(res.status).toBe(400);
      }
      const denied = await fetch(`${app.baseUrl}/admin/revocations`, {
        method: 'POST',
        headers: { ...bearer(await tokenFor('alice')), 'content-type': 'application/json' },
        body: JSON.stringify({ kind: 'client', subject: PUBLIC_CLIENT.client_id }),
      });
      expect(denied.status).toBe(403);
    });
  });
});
