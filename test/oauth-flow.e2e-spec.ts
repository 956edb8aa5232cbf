import pg from 'pg';
import { TestBrowser, hiddenFields } from './helpers/browser.js';
import { FakeGithub } from './helpers/fake-github.js';
import { freePort } from './helpers/free-port.js';
import { RoundRobinProxy } from './helpers/round-robin-proxy.js';
import { InMemoryOAuthProvider, connectWithOAuth } from './helpers/sdk-oauth.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';

/** Plays the person: consent page -> approve -> (fake) GitHub -> callback; returns the code from the final redirect. */
function personSignsIn(browser: TestBrowser, publicUrl: string, expectState = true) {
  return async (authorizationUrl: URL): Promise<string> => {
    const consent = await browser.visit(authorizationUrl.toString());
    expect(consent.status).toBe(200);
    expect(consent.headers.get('x-frame-options')).toBe('DENY');
    expect(consent.text).toContain('SDK e2e client');
    const done = await browser.submit(`${publicUrl}/authorize/consent`, { ...hiddenFields(consent.text), decision: 'approve' });
    expect(done.status).toBe(302);
    const back = new URL(done.location!);
    expect(back.origin + back.pathname).toBe('http://127.0.0.1:53682/callback');
    expect(back.searchParams.get('iss')).toBe(publicUrl);
    if (expectState) expect(back.searchParams.get('state')).toBe(authorizationUrl.searchParams.get('state'));
    return back.searchParams.get('code')!;
  };
}

describe('sign-in with the official SDK client through two instances and a fake GitHub', () => {
  const github = new FakeGithub();
  let proxy: RoundRobinProxy;
  let a: TestApp;
  let b: TestApp;
  let publicUrl: string;

  beforeAll(async () => {
    await github.start();
    const port = await freePort();
    publicUrl = `http://localhost:${port}`;
    const env = { ...github.env(), PUBLIC_URL: publicUrl };
    a = await startTestApp(env);
    b = await startTestApp(env);
    proxy = new RoundRobinProxy(() => [a.config.port, b.config.port]);
    await proxy.start(port);
  });

  afterAll(async () => {
    await proxy.stop();
    await a.close();
    await b.close();
    await github.stop();
  });

  it('goes from a URL to tools/call, refreshes, and calls again', async () => {
    github.nextUser = { id: 424242, login: 'mona', name: 'Mona Lisa' };
    const provider = new InMemoryOAuthProvider();
    const browser = new TestBrowser([publicUrl, github.url]);
    const { client } = await connectWithOAuth(`${publicUrl}/mcp`, provider, personSignsIn(browser, publicUrl));

    expect(provider.info?.client_id).toMatch(/^mcp_/);
    expect(provider.savedTokens?.token_type).toBe('Bearer');
    // With GitHub sign-in the GitHub issue tools exist too, so the challenge names their scopes as well.
    expect(provider.savedTokens?.scope).toBe('github:read github:write notes:read notes:write');
    const firstRefresh = provider.savedTokens?.refresh_token;
    expect(firstRefresh).toBeTruthy();

    const created = await client.callTool({ name: 'notes.create', arguments: { title: 'From the SDK', body: 'signed in via GitHub' } });
    expect(created.isError).toBeFalsy();

    // Break the access token: the SDK answers the 401 by refreshing (rotation) and retrying.
    provider.savedTokens = { ...provider.savedTokens!, access_token: 'expired-or-garbage' };
    const listed = await client.callTool({ name: 'notes.list', arguments: {} });
    expect(listed.isError).toBeFalsy();
    expect((listed.structuredContent as { notes: { title: string }[] }).notes.map((n) => n.title)).toContain('From the SDK');
    expect(provider.savedTokens?.refresh_token).toBeTruthy();
    expect(provider.savedTokens?.refresh_token).not.toBe(firstRefresh);

    // Every step alternated between the two instances.
    expect(new Set(proxy.log.map((l) => l.target))).toEqual(new Set([0, 1]));
    await client.close();
  });

  it('keeps the GitHub token encrypted and never hands it to the MCP client', async () => {
    expect(github.issuedTokens.length).toBeGreaterThan(0);
    const db = new pg.Client({ connectionString: process.env.E2E_DATABASE_URL });
    await db.connect();
    try {
      const { rows } = await db.query(
        `SELECT t.access_token_encrypted AS sealed, u.github_id, u.login FROM upstream_tokens t JOIN users u ON u.id = t.user_id WHERE u.github_id = 424242`,
      );
      expect(rows).toHaveLength(1);
      expect(rows[0].login).toBe('mona');
      for (const token of github.issuedTokens) expect(rows[0].sealed).not.toContain(token);
      // No table holds any GitHub token in the clear.
      for (const table of ['users', 'upstream_tokens', 'oauth_clients', 'grants', 'refresh_tokens', 'authorization_codes', 'audit_events']) {
        const all = await db.query(`SELECT coalesce(string_agg(t::text, ' '), '') AS text FROM ${table} t`);
        for (const token of github.issuedTokens) expect(all.rows[0].text).not.toContain(token);
      }
    } finally {
      await db.end();
    }
  });
});
