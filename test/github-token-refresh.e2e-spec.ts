import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import pg from 'pg';
import { FakeGithub, type FakeGithubUser } from './helpers/fake-github.js';
import { freePort } from './helpers/free-port.js';
import { signInWithGithub, type GithubSession } from './helpers/github-sign-in.js';
import { RoundRobinProxy } from './helpers/round-robin-proxy.js';
import { startTestApp, uniqueLogin, type TestApp } from './helpers/test-app.js';

/**
 * GitHub App user-to-server tokens expire after 8 hours and come with a single-use refresh token. Two
 * instances behind a round-robin proxy share one database; a renewal must happen exactly once.
 */
describe('expiring GitHub App tokens, renewed once across two instances', () => {
  const github = new FakeGithub({ mode: 'app' });
  let proxy: RoundRobinProxy;
  let a: TestApp;
  let b: TestApp;
  let publicUrl: string;
  let db: pg.Client;
  const person = (name: string, n: number): FakeGithubUser => ({ id: 9_200_000 + n * 1000 + (process.pid % 1000), login: uniqueLogin(name).slice(0, 30) });

  const textOf = (r: CallToolResult) => r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
  async function list(session: GithubSession): Promise<CallToolResult> {
    return (await session.client.callTool({ name: 'github.issues.list', arguments: { owner: 'acme', repo: 'app-repo' } })) as CallToolResult;
  }
  async function storedRow(user: FakeGithubUser) {
    const { rows } = await db.query(`SELECT t.* FROM upstream_tokens t JOIN users u ON u.id = t.user_id WHERE u.github_id = $1 AND t.provider = 'github'`, [
      user.id,
    ]);
    return rows[0] as Record<string, any> | undefined;
  }
  /** As if the 8 hours had passed: the stored expiry is in the past and GitHub no longer accepts the token. */
  async function expire(user: FakeGithubUser): Promise<void> {
    await db.query(
      `UPDATE upstream_tokens SET access_token_expires_at = now() - interval '1 minute'
       WHERE provider = 'github' AND user_id = (SELECT id FROM users WHERE github_id = $1)`,
      [user.id],
    );
    github.expireAccessTokens(user.login);
  }
  const refreshesOf = (user: FakeGithubUser) => github.refreshRequests.filter((r) => r.login === user.login);

  beforeAll(async () => {
    await github.start();
    github.api.addRepo({ owner: 'acme', name: 'app-repo' }, [{ title: 'First' }, { title: 'Second' }]);
    const port = await freePort();
    publicUrl = `http://localhost:${port}`;
    const env = { ...github.env(), PUBLIC_URL: publicUrl };
    a = await startTestApp(env);
    b = await startTestApp(env);
    proxy = new RoundRobinProxy(() => [a.config.port, b.config.port]);
    await proxy.start(port);
    db = new pg.Client({ connectionString: process.env.E2E_DATABASE_URL });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    await proxy?.stop();
    await a?.close();
    await b?.close();
    await github.stop();
  });

  it('stores the expiring token and its refresh token encrypted, with the expiry', async () => {
    const carol = person('carol', 1);
    await signInWithGithub(publicUrl, github, carol);
    const row = await storedRow(carol);
    expect(row).toBeDefined();
    expect(row!.refresh_token_encrypted).toMatch(/^v1\./);
    expect(row!.access_token_encrypted).toMatch(/^v1\./);
    const hours = (new Date(row!.access_token_expires_at as string).getTime() - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(7.9);
    expect(hours).toBeLessThanOrEqual(8);
    expect(new Date(row!.refresh_token_expires_at as string).getTime()).toBeGreaterThan(Date.now() + 100 * 86_400_000);
    for (const token of github.issuedTokens) expect(JSON.stringify(row)).not.toContain(token);
  });

  it('an expired token is renewed exactly once while concurrent calls run on both instances', async () => {
    const dana = person('dana', 2);
    const session = await signInWithGithub(publicUrl, github, dana);
    expect((await list(session)).isError).toBeFalsy();
    const firstToken = github.tokensOf(dana.login)[0];
    await expire(dana);
    github.refreshDelayMs = 400;
    const logFrom = proxy.log.length;
    const callsFrom = github.api.calls.length;
    try {
      const results = await Promise.all(Array.from({ length: 10 }, () => list(session)));
      for (const r of results) {
        expect(textOf(r)).not.toMatch(/sign in|unavailable/i);
        expect(r.isError).toBeFalsy();
        expect((r.structuredContent as any).issues).toHaveLength(2);
      }
    } finally {
      github.refreshDelayMs = 0;
    }
    expect(refreshesOf(dana)).toEqual([{ login: dana.login, accepted: true }]);
    const served = proxy.log.slice(logFrom).filter((l) => l.path === '/mcp');
    expect(new Set(served.map((l) => l.target))).toEqual(new Set([0, 1]));
    // Every call after the renewal carried the renewed token.
    const renewed = github.tokensOf(dana.login).at(-1)!;
    expect(renewed).not.toBe(firstToken);
    const calls = github.api.calls.slice(callsFrom).filter((c) => c.login === dana.login);
    expect(calls.length).toBe(10);
    expect(new Set(calls.map((c) => c.token))).toEqual(new Set([renewed]));
    const row = await storedRow(dana);
    expect(new Date(row!.access_token_expires_at as string).getTime()).toBeGreaterThan(Date.now() + 7 * 3_600_000);
    expect(row!.refresh_claimed_until).toBeNull();
  });

  it('a token GitHub stops accepting before its recorded expiry is renewed once and the call retried', async () => {
    const erik = person('erik', 3);
    const session = await signInWithGithub(publicUrl, github, erik);
    github.expireAccessTokens(erik.login);
    const r = await list(session);
    expect(r.isError).toBeFalsy();
    expect(refreshesOf(erik)).toEqual([{ login: erik.login, accepted: true }]);
    // First with the old token (GitHub: 401, answered anonymously), then with the renewed one.
    const [old, renewed] = github.tokensOf(erik.login);
    const calls = github.api.calls.filter((c) => c.token === old || c.token === renewed);
    expect(calls.map((c) => [c.token === renewed, c.login])).toEqual([
      [false, undefined],
      [true, erik.login],
    ]);
  });

  it('a refused renewal says to sign in again, forgets the token, and does not try again', async () => {
    const fay = person('fay', 4);
    const session = await signInWithGithub(publicUrl, github, fay);
    github.revokeRefreshTokens(fay.login);
    await expire(fay);
    const first = await list(session);
    expect(first.isError).toBe(true);
    expect(textOf(first)).toMatch(/GitHub refused to renew your sign-in\. Sign in to this server again/);
    expect(await storedRow(fay)).toBeUndefined();
    const second = await list(session);
    expect(textOf(second)).toMatch(/no GitHub sign-in on record for you\. Sign in to this server again/);
    expect(refreshesOf(fay)).toEqual([{ login: fay.login, accepted: false }]);
    // Signing in again restores access.
    const again = await signInWithGithub(publicUrl, github, fay);
    expect((await list(again)).isError).toBeFalsy();
  });

  it('a GitHub App without a permission the tool needs gets a tool error naming it', async () => {
    const gus = person('gus', 5);
    const session = await signInWithGithub(publicUrl, github, gus);
    github.api.appPermissions = { issues: 'read' };
    try {
      const r = (await session.client.callTool({
        name: 'github.issues.create',
        arguments: { owner: 'acme', repo: 'app-repo', title: 'needs issues: write' },
      })) as CallToolResult;
      expect(r.isError).toBe(true);
      expect(textOf(r)).toMatch(/does not grant the "issues: write" permission this tool needs\. Sign in to this server again to grant it/);
    } finally {
      github.api.appPermissions = { issues: 'write' };
    }
  });
});
