import { CallToolResultSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import pg from 'pg';
import { toolCall } from './factories/json-rpc.factory.js';
import { FakeGithub, type FakeGithubUser } from './helpers/fake-github.js';
import { signInWithGithub, type GithubSession } from './helpers/github-sign-in.js';
import { LogSink } from './helpers/log-sink.js';
import { startTestApp, uniqueLogin, type TestApp } from './helpers/test-app.js';
import { parseBearerChallenge } from './helpers/www-authenticate.js';

const GITHUB_TOOLS = [
  'github.issues.comment',
  'github.issues.create',
  'github.issues.get',
  'github.issues.label',
  'github.issues.list',
  'github.issues.search',
  'github.issues.update',
];

/**
 * The GitHub issue tools end to end: the official SDK client signs in with (fake) GitHub, and every
 * tool call reaches the fake GitHub API with that person's own token.
 */
describe('GitHub issue tools acting as the signed-in person', () => {
  const github = new FakeGithub();
  const logs = new LogSink();
  const responses: string[] = [];
  let t: TestApp;
  let db: pg.Client;
  // Unique per run: the database is shared by every e2e file of the run.
  const alice: FakeGithubUser = { id: 9_100_000 + (process.pid % 100_000), login: uniqueLogin('alice').slice(0, 30) };
  const bob: FakeGithubUser = { id: 9_300_000 + (process.pid % 100_000), login: uniqueLogin('bob').slice(0, 30) };
  let a: GithubSession;
  let b: GithubSession;

  /** Calls a tool through the SDK client and keeps the reply for the "no token anywhere" check. */
  async function call(session: GithubSession, name: string, args: Record<string, unknown>): Promise<CallToolResult> {
    const result = (await session.client.callTool({ name, arguments: args })) as CallToolResult;
    responses.push(JSON.stringify(result));
    return result;
  }
  const textOf = (r: CallToolResult) => r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
  async function ok<T = any>(session: GithubSession, name: string, args: Record<string, unknown>): Promise<T> {
    const r = await call(session, name, args);
    if (r.isError) throw new Error(`${name} failed: ${textOf(r)}`);
    return r.structuredContent as T;
  }
  async function toolError(session: GithubSession, name: string, args: Record<string, unknown>): Promise<string> {
    const r = await call(session, name, args);
    expect(r.isError).toBe(true);
    return textOf(r);
  }
  async function auditRows(target: string): Promise<{ target: string; outcome: string; user_id: string }[]> {
    await new Promise((r) => setTimeout(r, 250)); // audit is written in batches every 100 ms in tests
    return (await db.query(`SELECT target, outcome, user_id FROM audit_events WHERE target = $1 ORDER BY id`, [target])).rows;
  }

  beforeAll(async () => {
    await github.start();
    github.api.addRepo({ owner: 'acme', name: 'widgets', writers: [alice.login] }, [
      { title: 'Widget crashes on start', body: 'Stack trace attached', labels: ['bug'] },
      { title: 'Add dark mode', labels: ['enhancement'], assignees: [alice.login] },
      { title: 'Old crash', state: 'closed', stateReason: 'completed', closedAt: '2025-11-01T00:00:00Z' },
      { title: 'A pull request', pullRequest: true },
    ]);
    github.api.addRepo({ owner: 'acme', name: 'secret', private: true, readers: [alice.login] }, [{ title: 'Secret crash plan', body: 'only alice' }]);
    github.api.addRepo({ owner: 'bobco', name: 'private', private: true, writers: [bob.login] }, [{ title: "Bob's crash report" }]);
    github.api.addRepo({ owner: 'other', name: 'elsewhere' }, [{ title: 'Crash outside the allow-list' }]);
    t = await startTestApp({ ...github.env(), GITHUB_REPOS: 'acme/*, bobco/private', LOG_LEVEL: 'debug' }, { logStream: logs });
    db = new pg.Client({ connectionString: process.env.E2E_DATABASE_URL });
    await db.connect();
    a = await signInWithGithub(t.baseUrl, github, alice);
    b = await signInWithGithub(t.baseUrl, github, bob);
  });

  afterAll(async () => {
    await db?.end();
    await t?.close();
    await github.stop();
  });

  it('asks GitHub for read:user and repo at sign-in, and offers the tools with output schemas and honest annotations', async () => {
    expect(github.requestedScopes.at(-1)!.split(' ').sort()).toEqual(['read:user', 'repo']);
    expect(a.provider.savedTokens?.scope?.split(' ')).toEqual(expect.arrayContaining(['github:read', 'github:write']));
    const { tools } = await a.client.listTools();
    const gh = tools.filter((tool) => tool.name.startsWith('github.'));
    expect(gh.map((tool) => tool.name).sort()).toEqual(GITHUB_TOOLS);
    for (const tool of gh) {
      expect(tool.outputSchema).toBeDefined();
      expect(tool.annotations?.destructiveHint ?? false).toBe(false);
      const read = ['github.issues.get', 'github.issues.list', 'github.issues.search'].includes(tool.name);
      expect(tool.annotations?.readOnlyHint).toBe(read);
    }
    const label = gh.find((tool) => tool.name === 'github.issues.label')!;
    expect((label.inputSchema.properties as any).issues.maxItems).toBe(50);
  });

  describe('reads', () => {
    it("lists a repository's issues with filters, marking pull requests", async () => {
      const open = await ok(a, 'github.issues.list', { owner: 'acme', repo: 'widgets' });
      expect(open.issues.map((i: any) => i.title).sort()).toEqual(['A pull request', 'Add dark mode', 'Widget crashes on start']);
      const pr = open.issues.find((i: any) => i.title === 'A pull request');
      expect(pr).toMatchObject({ isPullRequest: true, repository: 'acme/widgets', state: 'open' });
      const bugs = await ok(a, 'github.issues.list', { owner: 'acme', repo: 'widgets', labels: ['bug'] });
      expect(bugs.issues).toHaveLength(1);
      expect(bugs.issues[0]).toMatchObject({ number: 1, labels: ['bug'], author: 'acme', comments: 0, closedAt: null });
      expect(bugs.issues[0].url).toBe(`${github.url}/acme/widgets/issues/1`);
      const closed = await ok(a, 'github.issues.list', { owner: 'acme', repo: 'widgets', state: 'closed' });
      expect(closed.issues.map((i: any) => [i.title, i.stateReason])).toEqual([['Old crash', 'completed']]);
      const mine = await ok(a, 'github.issues.list', { owner: 'acme', repo: 'widgets', assignee: alice.login });
      expect(mine.issues.map((i: any) => i.title)).toEqual(['Add dark mode']);
    });

    it('pages with an opaque cursor until there is no next page', async () => {
      github.api.addRepo(
        { owner: 'acme', name: 'paged' },
        Array.from({ length: 7 }, (_, i) => ({ title: `Paged ${i + 1}` })),
      );
      const seen: number[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await ok(a, 'github.issues.list', {
          owner: 'acme',
          repo: 'paged',
          limit: 3,
          sort: 'created',
          direction: 'asc',
          ...(cursor ? { cursor } : {}),
        });
        seen.push(...page.issues.map((i: any) => i.number));
        cursor = page.nextCursor;
        if (cursor) expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
        pages++;
      } while (cursor && pages < 10);
      expect(pages).toBe(3);
      expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7]);
      expect(await toolError(a, 'github.issues.list', { owner: 'acme', repo: 'paged', cursor: 'not-a-cursor' })).toMatch(/^cursor: /);
    });

    it('reads an issue with its body and its latest comments, oldest of them first', async () => {
      github.api.addRepo({ owner: 'acme', name: 'chatty' }, [{ title: 'Long thread', body: 'The **body**' }]);
      const issue = github.api.issue('acme', 'chatty', 1)!;
      for (let i = 1; i <= 120; i++) issue.comments.push({ id: 10_000 + i, author: bob.login, body: `comment ${i}`, createdAt: '2025-11-20T10:00:00Z' });
      const got = await ok(a, 'github.issues.get', { owner: 'acme', repo: 'chatty', number: 1, comments: 5 });
      expect(got.issue).toMatchObject({ number: 1, title: 'Long thread', body: 'The **body**', comments: 120, locked: false, milestone: null });
      expect(got.comments.map((c: any) => c.body)).toEqual(['comment 116', 'comment 117', 'comment 118', 'comment 119', 'comment 120']);
      expect(got.comments[0]).toMatchObject({ id: 10_116, author: bob.login, truncated: false });
      const none = await ok(a, 'github.issues.get', { owner: 'acme', repo: 'chatty', number: 1, comments: 0 });
      expect(none.comments).toEqual([]);
    });

    it('a missing issue and an unreachable repository read the same: not found or no access', async () => {
      const missing = await toolError(a, 'github.issues.get', { owner: 'acme', repo: 'widgets', number: 999 });
      expect(missing).toMatch(/Not found: acme\/widgets#999 does not exist, or your GitHub account cannot access it/);
      const hidden = await toolError(b, 'github.issues.get', { owner: 'acme', repo: 'secret', number: 1 });
      expect(hidden).toMatch(/Not found: acme\/secret#1 does not exist, or your GitHub account cannot access it/);
    });

    it('searches with GitHub syntax inside the allowed repositories only', async () => {
      const found = await ok(a, 'github.issues.search', { query: 'crash' });
      // other/elsewhere matches too, but lies outside GITHUB_REPOS; bobco/private is bob's.
      expect(found.issues.map((i: any) => `${i.repository}#${i.number}`).sort()).toEqual(['acme/secret#1', 'acme/widgets#1', 'acme/widgets#3']);
      const query = github.api.calls.filter((c) => c.path === '/search/issues').at(-1);
      expect(query?.login).toBe(alice.login);
      const closed = await ok(a, 'github.issues.search', { query: 'crash', state: 'closed', repositories: ['acme/widgets'] });
      expect(closed.issues.map((i: any) => i.title)).toEqual(['Old crash']);
      expect(closed).toMatchObject({ totalCount: 1, incompleteResults: false });
    });

    it('refuses search qualifiers that would leave the allowed repositories, without calling GitHub', async () => {
      const before = github.api.calls.length;
      for (const query of ['crash repo:other/elsewhere', 'crash user:other', 'crash ORG:other', 'owner:other crash']) {
        expect(await toolError(a, 'github.issues.search', { query })).toMatch(/leave out repo:, org:, user: and owner: qualifiers/);
      }
      expect(await toolError(a, 'github.issues.search', { query: 'crash', repositories: ['other/elsewhere'] })).toContain('GITHUB_REPOS');
      expect(github.api.calls.length).toBe(before);
    });
  });

  describe('two people, each with their own token', () => {
    it('each sees only what their own GitHub token allows', async () => {
      const aliceSecret = await ok(a, 'github.issues.list', { owner: 'acme', repo: 'secret' });
      expect(aliceSecret.issues.map((i: any) => i.title)).toEqual(['Secret crash plan']);
      expect(await toolError(b, 'github.issues.list', { owner: 'acme', repo: 'secret' })).toMatch(/Not found: acme\/secret/);
      const bobs = await ok(b, 'github.issues.list', { owner: 'bobco', repo: 'private' });
      expect(bobs.issues.map((i: any) => i.title)).toEqual(["Bob's crash report"]);
      expect(await toolError(a, 'github.issues.list', { owner: 'bobco', repo: 'private' })).toMatch(/Not found: bobco\/private/);
      const bobSearch = await ok(b, 'github.issues.search', { query: 'crash', state: 'open' });
      expect(bobSearch.issues.map((i: any) => `${i.repository}#${i.number}`).sort()).toEqual(['acme/widgets#1', 'bobco/private#1']);
    });

    it("every call to GitHub carried the caller's own token, never another person's nor none", () => {
      const aliceTokens = new Set(github.tokensOf(alice.login));
      const bobTokens = new Set(github.tokensOf(bob.login));
      expect(github.api.calls.length).toBeGreaterThan(10);
      for (const c of github.api.calls) {
        expect(c.token).toBeDefined();
        expect(c.login).toBeDefined();
        if (c.login === alice.login) expect(aliceTokens.has(c.token!)).toBe(true);
        if (c.login === bob.login) expect(bobTokens.has(c.token!)).toBe(true);
      }
      expect(github.api.callsBy(alice.login).length).toBeGreaterThan(0);
      expect(github.api.callsBy(bob.login).length).toBeGreaterThan(0);
    });
  });

  describe('GITHUB_REPOS', () => {
    it('refuses a repository outside the allow-list with a tool error naming the setting, without any call to GitHub', async () => {
      const before = github.api.calls.length;
      for (const [name, args] of [
        ['github.issues.list', { owner: 'other', repo: 'elsewhere' }],
        ['github.issues.get', { owner: 'other', repo: 'elsewhere', number: 1 }],
        ['github.issues.create', { owner: 'Other', repo: 'Elsewhere', title: 'x' }],
        ['github.issues.update', { owner: 'other', repo: 'elsewhere', number: 1, title: 'x' }],
        ['github.issues.comment', { owner: 'other', repo: 'elsewhere', number: 1, body: 'x' }],
        ['github.issues.label', { owner: 'other', repo: 'elsewhere', issues: [1], labels: ['x'] }],
        ['github.issues.list', { owner: 'bobco', repo: 'public' }],
      ] as const) {
        const text = await toolError(a, name, args);
        expect(text).toContain('is not in GITHUB_REPOS');
      }
      expect(github.api.calls.length).toBe(before);
      const rows = await auditRows('github.issues.list other/elsewhere');
      expect(rows.at(-1)).toMatchObject({ outcome: 'error' });
    });

    it('matches owner and name case-insensitively, as GitHub does', async () => {
      const listed = await ok(a, 'github.issues.list', { owner: 'ACME', repo: 'Widgets', state: 'all' });
      expect(listed.issues.length).toBe(4);
    });
  });

  describe('writes', () => {
    it('creates, updates, comments and labels as the signed-in person', async () => {
      const created = await ok(a, 'github.issues.create', {
        owner: 'acme',
        repo: 'widgets',
        title: '  New from MCP  ',
        body: 'Made by a tool',
        labels: ['triage'],
      });
      expect(created.issue).toMatchObject({ title: 'New from MCP', body: 'Made by a tool', labels: ['triage'], author: alice.login, state: 'open' });
      const n = created.issue.number as number;
      expect(github.api.issue('acme', 'widgets', n)?.author).toBe(alice.login);

      const updated = await ok(a, 'github.issues.update', {
        owner: 'acme',
        repo: 'widgets',
        number: n,
        state: 'closed',
        stateReason: 'not_planned',
        labels: ['wontfix'],
      });
      expect(updated.issue).toMatchObject({ state: 'closed', stateReason: 'not_planned', labels: ['wontfix'] });
      expect(github.api.issue('acme', 'widgets', n)).toMatchObject({ state: 'closed', labels: ['wontfix'] });

      const commented = await ok(a, 'github.issues.comment', { owner: 'acme', repo: 'widgets', number: n, body: 'Closing: out of scope' });
      expect(commented.comment).toMatchObject({ author: alice.login, body: 'Closing: out of scope', truncated: false });
      expect(github.api.issue('acme', 'widgets', n)?.comments.map((c) => c.body)).toEqual(['Closing: out of scope']);

      expect(await toolError(a, 'github.issues.update', { owner: 'acme', repo: 'widgets', number: n })).toMatch(/Nothing to update/);
      const rows = await auditRows('github.issues.create acme/widgets');
      expect(rows.at(-1)).toMatchObject({ outcome: 'ok' });
    });

    it('labels several issues in one call and reports each outcome', async () => {
      const result = await ok(a, 'github.issues.label', { owner: 'acme', repo: 'widgets', issues: [1, 404, 2], labels: ['p1', 'bug'] });
      expect(result).toMatchObject({ repository: 'acme/widgets', labels: ['p1', 'bug'], succeeded: 2, failed: 1 });
      expect(result.results.map((r: any) => [r.number, r.ok])).toEqual([
        [1, true],
        [404, false],
        [2, true],
      ]);
      expect(result.results[0].labels).toEqual(['bug', 'p1']);
      expect(result.results[1].error).toMatch(/Not found: acme\/widgets#404/);
      expect(github.api.issue('acme', 'widgets', 2)?.labels).toEqual(['enhancement', 'p1', 'bug']);
    });

    it("reports each issue's outcome as progress to a client that asked for it (onprogress)", async () => {
      const seen: { progress: number; total?: number; message?: string }[] = [];
      const result = (await a.client.callTool(
        { name: 'github.issues.label', arguments: { owner: 'acme', repo: 'widgets', issues: [2, 404], labels: ['p2'] } },
        CallToolResultSchema,
        { onprogress: (p) => void seen.push(p) },
      )) as CallToolResult;
      expect(result.structuredContent).toMatchObject({ succeeded: 1, failed: 1 });
      expect(seen.map((p) => [p.progress, p.total])).toEqual([
        [1, 2],
        [2, 2],
      ]);
      expect(seen.map((p) => p.message)).toEqual(['acme/widgets#2: labelled', 'acme/widgets#404: failed']);
    });

    it("passes GitHub's validation message (422) on as a tool error", async () => {
      const text = await toolError(a, 'github.issues.create', { owner: 'acme', repo: 'widgets', title: 'Assign a stranger', assignees: ['nobody-here'] });
      expect(text).toMatch(/GitHub rejected the request for acme\/widgets: Validation Failed: Issue assignees invalid/);
    });

    it('without push access GitHub refuses, and the tool says so', async () => {
      const text = await toolError(b, 'github.issues.update', { owner: 'acme', repo: 'widgets', number: 1, title: 'hijack' });
      expect(text).toMatch(/GitHub refused access to acme\/widgets#1: Must have push access/);
      expect(github.api.issue('acme', 'widgets', 1)?.title).toBe('Widget crashes on start');
    });

    it('rejects bad input before calling GitHub: 51 issues, repeated issues, NUL, lone surrogates, huge bodies, odd names', async () => {
      const before = github.api.calls.length;
      const bad: [string, Record<string, unknown>, RegExp][] = [
        ['github.issues.label', { owner: 'acme', repo: 'widgets', issues: Array.from({ length: 51 }, (_, i) => i + 1), labels: ['x'] }, /at most 50 issues/],
        ['github.issues.label', { owner: 'acme', repo: 'widgets', issues: [1, 1], labels: ['x'] }, /must not repeat/],
        ['github.issues.label', { owner: 'acme', repo: 'widgets', issues: [1], labels: [] }, /at least one label/],
        ['github.issues.create', { owner: 'acme', repo: 'widgets', title: 'a\u0000b' }, /NUL/],
        ['github.issues.create', { owner: 'acme', repo: 'widgets', title: 'a\ud800b' }, /surrogates/],
        ['github.issues.comment', { owner: 'acme', repo: 'widgets', number: 1, body: 'x'.repeat(65_537) }, /at most 65536/],
        ['github.issues.create', { owner: 'acme', repo: 'widgets', title: '   ' }, /must not be empty/],
        ['github.issues.list', { owner: '../etc', repo: 'widgets' }, /owner/],
        ['github.issues.list', { owner: 'acme', repo: '..' }, /repo/],
        ['github.issues.get', { owner: 'acme', repo: 'widgets', number: 0 }, /number/],
        ['github.issues.get', { owner: 'acme', repo: 'widgets', number: 1e12 }, /number/],
        ['github.issues.list', { owner: 'acme', repo: 'widgets', extra: true }, /extra|Unrecognized/i],
      ];
      for (const [name, args, message] of bad) {
        const text = await toolError(a, name, args);
        expect(text).toMatch(/^Invalid input: /);
        expect(text).toMatch(message);
      }
      expect(github.api.calls.length).toBe(before);
    });
  });

  describe('scopes', () => {
    let readOnly: GithubSession;
    const carol: FakeGithubUser = { id: 9_500_000 + (process.pid % 100_000), login: uniqueLogin('carol').slice(0, 30) };

    beforeAll(async () => {
      readOnly = await signInWithGithub(t.baseUrl, github, carol, { scope: 'github:read' });
    });

    it('a write without github:write gets the 403 step-up before GitHub is called', async () => {
      expect(readOnly.provider.savedTokens?.scope).toBe('github:read');
      const names = (await readOnly.client.listTools()).tools.map((tool) => tool.name);
      expect(names).toEqual(expect.arrayContaining(['github.issues.list', 'github.issues.get', 'github.issues.search']));
      expect(names).not.toContain('github.issues.create');
      const before = github.api.calls.length;
      const res = await t.rpc(toolCall('github.issues.create', { owner: 'acme', repo: 'widgets', title: 'x' }), {
        authorization: `Bearer ${readOnly.accessToken}`,
      });
      expect(res.status).toBe(403);
      const challenge = parseBearerChallenge(res.headers.get('www-authenticate'));
      expect(challenge.params.error).toBe('insufficient_scope');
      expect(challenge.params.scope.split(' ')).toEqual(expect.arrayContaining(['github:read', 'github:write']));
      // The SDK client cannot step up by itself (it refreshes with the old scope), so the call fails.
      await expect(readOnly.client.callTool({ name: 'github.issues.create', arguments: { owner: 'acme', repo: 'widgets', title: 'x' } })).rejects.toThrow();
      expect(github.api.calls.length).toBe(before);
      const rows = await auditRows('github.issues.create');
      expect(rows.some((r) => r.outcome === 'denied')).toBe(true);
    });

    it('the consent page describes the GitHub scopes', async () => {
      const { openConsent } = await import('./helpers/oauth-flow.js');
      const step = await openConsent(t, { scope: 'github:read github:write' });
      expect(step.page.text).toContain('Read GitHub issues as you');
      expect(step.page.text).toContain('Create, change, comment on and label GitHub issues as you');
    });

    it('a GitHub sign-in without the repo scope gets a tool error naming it, without calling GitHub', async () => {
      const dave: FakeGithubUser = { id: 9_700_000 + (process.pid % 100_000), login: uniqueLogin('dave').slice(0, 30) };
      github.grantScopes = ['read:user'];
      let session: GithubSession;
      try {
        session = await signInWithGithub(t.baseUrl, github, dave);
      } finally {
        github.grantScopes = undefined;
      }
      const text = await toolError(session, 'github.issues.list', { owner: 'acme', repo: 'widgets' });
      expect(text).toMatch(/does not grant the "repo" permission/);
      expect(text).toMatch(/Sign in to this server again/);
      expect(github.api.callsBy(dave.login)).toEqual([]);
    });
  });

  describe('GitHub errors become clear tool errors', () => {
    it('a primary rate limit comes back with the reset time', async () => {
      const reset = Math.floor(Date.now() / 1000) + 1800;
      github.api.rateLimit(bob.login, { kind: 'primary', resetAt: reset });
      try {
        const text = await toolError(b, 'github.issues.list', { owner: 'bobco', repo: 'private' });
        expect(text).toContain(`GitHub rate limit reached. Try again after ${new Date(reset * 1000).toISOString()}`);
      } finally {
        github.api.clearRateLimit(bob.login);
      }
    });

    it.each([
      [403, 120],
      [429, 90],
    ] as const)('a secondary rate limit (%i) comes back with retry-after', async (status, retryAfter) => {
      github.api.rateLimit(bob.login, { kind: 'secondary', status, retryAfter });
      const started = Date.now();
      try {
        const text = await toolError(b, 'github.issues.get', { owner: 'bobco', repo: 'private', number: 1 });
        expect(text).toMatch(new RegExp(`GitHub secondary rate limit reached\\. Try again after \\S+ \\(in ${retryAfter} s\\)`));
        const at = Date.parse(/after (\S+) /.exec(text)![1]);
        expect(Math.abs(at - (started + retryAfter * 1000))).toBeLessThan(5000);
      } finally {
        github.api.clearRateLimit(bob.login);
      }
    });

    it('a rate limit in the middle of a batch stops it and says which issues were not attempted', async () => {
      github.api.addIssues('bobco', 'private', [{ title: 'Second' }, { title: 'Third' }]);
      const reset = Math.floor(Date.now() / 1000) + 600;
      github.api.rateLimit(bob.login, { kind: 'primary', resetAt: reset, after: 1 });
      try {
        const result = await ok(b, 'github.issues.label', { owner: 'bobco', repo: 'private', issues: [1, 2, 3], labels: ['triaged'] });
        expect(result).toMatchObject({ succeeded: 1, failed: 2 });
        const limited = `GitHub rate limit reached. Try again after ${new Date(reset * 1000).toISOString()}`;
        expect(result.results[0]).toMatchObject({ number: 1, ok: true, labels: ['triaged'] });
        expect(result.results[1]).toMatchObject({ number: 2, ok: false });
        expect(result.results[1].error).toContain(limited);
        expect(result.results[2].error).toMatch(new RegExp(`^Not attempted: ${limited.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
        expect(github.api.issue('bobco', 'private', 3)?.labels).toEqual([]);
      } finally {
        github.api.clearRateLimit(bob.login);
      }
    });

    it('GitHub refusing the token (revoked, 401) says to sign in again', async () => {
      const erin: FakeGithubUser = { id: 9_800_000 + (process.pid % 100_000), login: uniqueLogin('erin').slice(0, 30) };
      const session = await signInWithGithub(t.baseUrl, github, erin);
      github.expireAccessTokens(erin.login);
      const text = await toolError(session, 'github.issues.list', { owner: 'acme', repo: 'widgets' });
      expect(text).toMatch(/GitHub no longer accepts your sign-in.*Sign in to this server again/);
    });
  });

  describe('a batch and the /mcp request deadline', () => {
    let quick: TestApp;
    beforeAll(async () => {
      quick = await startTestApp({ ...github.env(), GITHUB_REPOS: 'acme/*', MCP_REQUEST_TIMEOUT_MS: '2500' });
    });
    afterAll(async () => {
      await quick?.close();
    });

    it('github.issues.label answers in time with every outcome, naming the issues it had no time for', async () => {
      const hal: FakeGithubUser = { id: 9_600_000 + (process.pid % 100_000), login: uniqueLogin('hal').slice(0, 30) };
      github.api.addRepo(
        { owner: 'acme', name: 'many', writers: [hal.login] },
        Array.from({ length: 6 }, (_, i) => ({ title: `Many ${i + 1}` })),
      );
      const session = await signInWithGithub(quick.baseUrl, github, hal);
      // GitHub asks for writes a second apart: six issues take longer than this server's 2.5 s deadline.
      const result = await ok(session, 'github.issues.label', { owner: 'acme', repo: 'many', issues: [1, 2, 3, 4, 5, 6], labels: ['batch'] });
      expect(result.succeeded).toBeGreaterThanOrEqual(1);
      expect(result.failed).toBeGreaterThanOrEqual(1);
      expect(result.succeeded + result.failed).toBe(6);
      expect(result.results.at(-1).error).toMatch(/^Not attempted: this call ran out of time \(MCP_REQUEST_TIMEOUT_MS\)/);
      const labelled = result.results.filter((r: any) => r.ok).map((r: any) => r.number);
      for (let n = 1; n <= 6; n++) expect(github.api.issue('acme', 'many', n)?.labels.includes('batch')).toBe(labelled.includes(n));
    });
  });

  it('the GitHub token never appears in a response, a log line or an audit row', async () => {
    const tokens = github.issuedTokens;
    expect(tokens.length).toBeGreaterThanOrEqual(5);
    await new Promise((r) => setTimeout(r, 300));
    const audit = (await db.query(`SELECT coalesce(string_agg(a::text, E'\\n'), '') AS text FROM audit_events a`)).rows[0].text as string;
    expect(audit).toContain('github.issues.list acme/widgets');
    const stored = (await db.query(`SELECT coalesce(string_agg(u::text, E'\\n'), '') AS text FROM upstream_tokens u`)).rows[0].text as string;
    expect(responses.length).toBeGreaterThan(20);
    expect(logs.lines.length).toBeGreaterThan(20);
    const places = { responses: responses.join('\n'), logs: logs.text, audit, 'stored tokens': stored };
    for (const [where, text] of Object.entries(places)) {
      for (const token of tokens) expect(`${where}: ${text.includes(token) ? token : 'clean'}`).toBe(`${where}: clean`);
      if (where !== 'stored tokens') expect(text).not.toMatch(/gh[opsu]_[A-Za-z0-9]{20,}/);
    }
  });
});
