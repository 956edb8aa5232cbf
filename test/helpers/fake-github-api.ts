import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Who a request's token belongs to, as the fake OAuth server issued it. */
export interface FakeCaller {
  login: string;
  id: number;
  /** OAuth scopes of the token (`repo`, `public_repo`, ...); empty for GitHub App user tokens. */
  scopes: string[];
  /** A GitHub App user-to-server token: GitHub checks the app's permissions instead of scopes. */
  app: boolean;
}

export interface FakeRepo {
  owner: string;
  name: string;
  private: boolean;
  /** Logins that may read a private repository. */
  readers: string[];
  /** Logins with push access (they may also read). */
  writers: string[];
}

export interface FakeIssue {
  number: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  stateReason: string | null;
  labels: string[];
  assignees: string[];
  author: string;
  comments: { id: number; author: string; body: string; createdAt: string }[];
  pullRequest: boolean;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
}

export interface RateLimitPlan {
  kind: 'primary' | 'secondary';
  /** Status to answer with: GitHub uses 403, and sometimes 429. */
  status?: 403 | 429;
  /** Primary: x-ratelimit-reset (epoch seconds). */
  resetAt?: number;
  /** Secondary: retry-after seconds. */
  retryAfter?: number;
  /** Let this many more calls through first. */
  after?: number;
}

export interface ApiCall {
  method: string;
  path: string;
  login?: string;
  /** The Authorization header's token, for "each call carries the caller's own token" checks. */
  token?: string;
}

type Json = Record<string, any>;

/** Real response shapes, recorded from api.github.com by @octokit/fixtures; the fake fills in its own values. */
function recorded(scenario: string): Json[] {
  const require = createRequire(import.meta.url);
  const file = require.resolve(`@octokit/fixtures/scenarios/api.github.com/${scenario}/normalized-fixture.json`);
  return JSON.parse(readFileSync(file, 'utf8')) as Json[];
}
const FIXTURES = (() => {
  const issues = recorded('paginate-issues');
  const labels = recorded('add-labels-to-issue');
  const search = recorded('search-issues');
  const errors = recorded('errors');
  return {
    issue: issues[0].response[0] as Json,
    issueHeaders: issues[0].headers as Record<string, string>,
    label: labels[1].response[0] as Json,
    search: search[0].response as Json,
    validation: errors[0].response as Json,
  };
})();
const clone = <T>(v: T): T => structuredClone(v);

/**
 * GitHub's REST API for issues, as a fake with real response shapes: repositories with private/public
 * visibility and per-login read/push access, issues, comments, labels and search. Every request is
 * answered as the person whose token it carries, so tests can show that each call used the caller's
 * own token. Rate limits can be switched on per login.
 */
export class FakeGithubApi {
  readonly calls: ApiCall[] = [];
  /** GitHub App permissions granted to the app's user tokens (OAuth tokens use scopes instead). */
  appPermissions: { issues: 'read' | 'write' } = { issues: 'write' };
  private readonly repos = new Map<string, FakeRepo & { issues: FakeIssue[]; nextComment: number }>();
  private readonly limits = new Map<string, RateLimitPlan>();
  private clock = Date.parse('2025-11-20T10:00:00Z');

  constructor(private readonly baseUrl: () => string) {}

  addRepo(repo: Partial<FakeRepo> & Pick<FakeRepo, 'owner' | 'name'>, issues: Partial<FakeIssue>[] = []): void {
    const full: FakeRepo & { issues: FakeIssue[]; nextComment: number } = {
      private: false,
      readers: [],
      writers: [],
      ...repo,
      issues: [],
      nextComment: 5000,
    };
    this.repos.set(key(repo.owner, repo.name), full);
    for (const i of issues) this.addIssue(full, i);
  }

  addIssues(owner: string, name: string, issues: Partial<FakeIssue>[]): void {
    const repo = this.repos.get(key(owner, name));
    if (!repo) throw new Error(`no repository ${owner}/${name}`);
    for (const i of issues) this.addIssue(repo, i);
  }

  /** The stored issue, for assertions on what a tool changed. */
  issue(owner: string, name: string, n: number): FakeIssue | undefined {
    return this.repos.get(key(owner, name))?.issues.find((i) => i.number === n);
  }

  /** Every later call by `login` gets this rate-limit answer, until clearRateLimit. */
  rateLimit(login: string, plan: RateLimitPlan): void {
    this.limits.set(login.toLowerCase(), plan);
  }

  clearRateLimit(login: string): void {
    this.limits.delete(login.toLowerCase());
  }

  callsBy(login: string): ApiCall[] {
    return this.calls.filter((c) => c.login === login);
  }

  /** Handles /api/v3/repos/... and /api/v3/search/...; returns false for other paths. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL, caller: FakeCaller | undefined, token: string | undefined, body: string): boolean {
    const path = url.pathname.replace(/^\/api\/v3/, '');
    if (!/^\/(repos|search)\//.test(path)) return false;
    this.calls.push({ method: req.method ?? 'GET', path, login: caller?.login, token });
    const send = (status: number, data: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { ...this.headers(caller), ...headers });
      res.end(data === undefined ? undefined : JSON.stringify(data));
    };
    if (!caller) {
      send(401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest', status: '401' });
      return true;
    }
    const limit = this.limits.get(caller.login.toLowerCase());
    if (limit?.after) limit.after--;
    else if (limit) {
      this.answerRateLimit(limit, send);
      return true;
    }
    let parsed: Json;
    try {
      parsed = body ? (JSON.parse(body) as Json) : {};
    } catch {
      send(400, { message: 'Problems parsing JSON' });
      return true;
    }
    if (path === '/search/issues' && req.method === 'GET') {
      send(200, this.search(caller, url.searchParams));
      return true;
    }
    const m = /^\/repos\/([^/]+)\/([^/]+)\/issues(?:\/(\d+))?(?:\/(comments|labels))?$/.exec(path);
    const repo = m && this.repos.get(key(decodeURIComponent(m[1]), decodeURIComponent(m[2])));
    // GitHub answers 404 for what does not exist and for what the caller may not see.
    if (!m || !repo || !this.canRead(caller, repo)) {
      send(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' });
      return true;
    }
    const [, , , num, sub] = m;
    const issue = num ? repo.issues.find((i) => i.number === Number(num)) : undefined;
    if (num && !issue) {
      send(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' });
      return true;
    }
    const write = req.method !== 'GET';
    if (write) {
      const refusal = this.writeRefusal(caller, repo, !num && req.method === 'POST', sub === 'comments');
      if (refusal) {
        send(refusal.status, refusal.body, refusal.headers);
        return true;
      }
    }
    const route = `${req.method} ${num ? 'issue' : 'issues'}${sub ? `/${sub}` : ''}`;
    switch (route) {
      case 'GET issues':
        this.list(repo, url.searchParams, send);
        break;
      case 'GET issue':
        send(200, this.issueJson(repo, issue!));
        break;
      case 'GET issue/comments':
        this.listComments(repo, issue!, url.searchParams, send);
        break;
      case 'POST issues':
        this.create(repo, caller, parsed, send);
        break;
      case 'PATCH issue':
        this.update(repo, issue!, parsed, send);
        break;
      case 'POST issue/comments':
        this.comment(repo, issue!, caller, parsed, send);
        break;
      case 'POST issue/labels':
        this.addLabels(repo, issue!, parsed, send);
        break;
      default:
        send(404, { message: 'Not Found' });
    }
    return true;
  }

  private headers(caller: FakeCaller | undefined): Record<string, string> {
    const h: Record<string, string> = {
      'content-type': 'application/json; charset=utf-8',
      'x-github-media-type': 'github.v3; format=json',
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': '4999',
      'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
      'x-ratelimit-resource': 'core',
      'x-github-request-id': FIXTURES.issueHeaders['x-github-request-id'],
    };
    if (caller && !caller.app) h['x-oauth-scopes'] = caller.scopes.join(', ');
    return h;
  }

  private answerRateLimit(plan: RateLimitPlan, send: (s: number, d: unknown, h?: Record<string, string>) => void): void {
    const status = plan.status ?? 403;
    if (plan.kind === 'primary') {
      const reset = plan.resetAt ?? Math.floor(Date.now() / 1000) + 3600;
      send(
        status,
        {
          message: 'API rate limit exceeded for user ID 1. If you reach out to GitHub Support for help, please include the request ID.',
          documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api',
          status: String(status),
        },
        { 'x-ratelimit-remaining': '0', 'x-ratelimit-used': '5000', 'x-ratelimit-reset': String(reset) },
      );
      return;
    }
    send(
      status,
      {
        message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
        documentation_url: 'https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
        status: String(status),
      },
      plan.retryAfter === undefined ? {} : { 'retry-after': String(plan.retryAfter) },
    );
  }

  private canRead(caller: FakeCaller, repo: FakeRepo): boolean {
    if (!repo.private) return true;
    // OAuth tokens need the `repo` scope for private repositories (public_repo is not enough).
    if (!caller.app && !caller.scopes.includes('repo')) return false;
    return [...repo.readers, ...repo.writers].some((l) => l.toLowerCase() === caller.login.toLowerCase());
  }

  /** Scope, app permission and push access checks for writes, as GitHub answers them. */
  private writeRefusal(
    caller: FakeCaller,
    repo: FakeRepo,
    creating: boolean,
    commenting: boolean,
  ): { status: number; body: Json; headers?: Record<string, string> } | undefined {
    if (caller.app && this.appPermissions.issues !== 'write') {
      return {
        status: 403,
        body: { message: 'Resource not accessible by integration', documentation_url: 'https://docs.github.com/rest/issues/issues', status: '403' },
        headers: { 'x-accepted-github-permissions': 'issues=write' },
      };
    }
    if (!caller.app && !caller.scopes.includes('repo') && !(caller.scopes.includes('public_repo') && !repo.private)) {
      // Without a write scope GitHub hides the repository from writes.
      return { status: 404, body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest', status: '404' } };
    }
    const pusher = repo.writers.some((l) => l.toLowerCase() === caller.login.toLowerCase());
    // Anyone who can read a public repository may open issues and comment; changing them needs push access.
    if (pusher || ((creating || commenting) && !repo.private)) return undefined;
    return { status: 403, body: { message: 'Must have push access to repository', documentation_url: 'https://docs.github.com/rest', status: '403' } };
  }

  private list(repo: FakeRepo & { issues: FakeIssue[] }, q: URLSearchParams, send: (s: number, d: unknown, h?: Record<string, string>) => void): void {
    const state = q.get('state') ?? 'open';
    const labels = (q.get('labels') ?? '').split(',').filter(Boolean);
    const assignee = q.get('assignee');
    let items = repo.issues.filter((i) => (state === 'all' || i.state === state) && labels.every((l) => i.labels.includes(l)));
    if (assignee === 'none') items = items.filter((i) => i.assignees.length === 0);
    else if (assignee === '*') items = items.filter((i) => i.assignees.length > 0);
    else if (assignee) items = items.filter((i) => i.assignees.includes(assignee));
    const sort = q.get('sort') ?? 'created';
    const field = sort === 'updated' ? 'updatedAt' : sort === 'comments' ? 'comments' : 'createdAt';
    const value = (i: FakeIssue) => (field === 'comments' ? i.comments.length : Date.parse(i[field]));
    items.sort((a, b) => value(a) - value(b) || a.number - b.number);
    if ((q.get('direction') ?? 'desc') === 'desc') items.reverse();
    this.page(
      items.map((i) => this.issueJson(repo, i)),
      q,
      `/repos/${repo.owner}/${repo.name}/issues`,
      send,
    );
  }

  private listComments(repo: FakeRepo, issue: FakeIssue, q: URLSearchParams, send: (s: number, d: unknown, h?: Record<string, string>) => void): void {
    this.page(
      issue.comments.map((c) => this.commentJson(repo, issue, c)),
      q,
      `/repos/${repo.owner}/${repo.name}/issues/${issue.number}/comments`,
      send,
    );
  }

  /** Page-number pagination with an RFC 8288 Link header, as GitHub's REST API does it. */
  private page(all: unknown[], q: URLSearchParams, path: string, send: (s: number, d: unknown, h?: Record<string, string>) => void): void {
    const perPage = Math.min(Number(q.get('per_page') ?? 30) || 30, 100);
    const page = Math.max(Number(q.get('page') ?? 1) || 1, 1);
    const last = Math.max(1, Math.ceil(all.length / perPage));
    const link = (p: number, rel: string) => {
      const u = new URL(`${this.baseUrl()}/api/v3${path}`);
      for (const [k, v] of q) u.searchParams.set(k, v);
      u.searchParams.set('page', String(p));
      return `<${u.toString()}>; rel="${rel}"`;
    };
    const rels = [...(page < last ? [link(page + 1, 'next'), link(last, 'last')] : []), ...(page > 1 ? [link(1, 'first'), link(page - 1, 'prev')] : [])];
    send(200, all.slice((page - 1) * perPage, page * perPage), rels.length ? { link: rels.join(', ') } : {});
  }

  private search(caller: FakeCaller, q: URLSearchParams): Json {
    const terms = (q.get('q') ?? '').split(/\s+/).filter(Boolean);
    const repoFilters = terms.filter((t) => t.startsWith('repo:')).map((t) => t.slice(5).toLowerCase());
    const userFilters = terms.filter((t) => t.startsWith('user:') || t.startsWith('org:')).map((t) => t.split(':')[1].toLowerCase());
    const state = terms.find((t) => t.startsWith('state:'))?.slice(6);
    const labels = terms.filter((t) => t.startsWith('label:')).map((t) => t.slice(6));
    const words = terms.filter((t) => !t.includes(':')).map((w) => w.toLowerCase());
    const hits: Json[] = [];
    for (const repo of this.repos.values()) {
      if (!this.canRead(caller, repo)) continue;
      const full = `${repo.owner}/${repo.name}`.toLowerCase();
      // Several repo:/user: qualifiers are ORed, as on GitHub.
      if ((repoFilters.length || userFilters.length) && !repoFilters.includes(full) && !userFilters.includes(repo.owner.toLowerCase())) continue;
      for (const i of repo.issues) {
        if (i.pullRequest || (state && i.state !== state) || !labels.every((l) => i.labels.includes(l))) continue;
        const text = `${i.title} ${i.body ?? ''}`.toLowerCase();
        if (words.every((w) => text.includes(w))) hits.push({ ...this.issueJson(repo, i), score: 1 });
      }
    }
    const perPage = Math.min(Number(q.get('per_page') ?? 30) || 30, 100);
    const page = Math.max(Number(q.get('page') ?? 1) || 1, 1);
    return { ...clone(FIXTURES.search), total_count: hits.length, incomplete_results: false, items: hits.slice((page - 1) * perPage, page * perPage) };
  }

  private create(
    repo: FakeRepo & { issues: FakeIssue[] },
    caller: FakeCaller,
    b: Json,
    send: (s: number, d: unknown, h?: Record<string, string>) => void,
  ): void {
    const invalid = this.validate(repo, b, true);
    if (invalid) return send(422, invalid);
    const issue = this.addIssue(repo, {
      title: String(b.title),
      body: typeof b.body === 'string' ? b.body : null,
      labels: (b.labels as string[] | undefined) ?? [],
      assignees: (b.assignees as string[] | undefined) ?? [],
      author: caller.login,
    });
    send(201, this.issueJson(repo, issue));
  }

  private update(repo: FakeRepo & { issues: FakeIssue[] }, issue: FakeIssue, b: Json, send: (s: number, d: unknown, h?: Record<string, string>) => void): void {
    const invalid = this.validate(repo, b, false);
    if (invalid) return send(422, invalid);
    if (typeof b.title === 'string') issue.title = b.title;
    if (typeof b.body === 'string') issue.body = b.body;
    if (Array.isArray(b.labels)) issue.labels = [...new Set(b.labels as string[])];
    if (Array.isArray(b.assignees)) issue.assignees = b.assignees as string[];
    if (b.state === 'closed' || b.state === 'open') {
      const closing = b.state === 'closed' && issue.state === 'open';
      issue.state = b.state;
      issue.closedAt = b.state === 'closed' ? (closing ? this.tick() : issue.closedAt) : null;
      issue.stateReason = b.state === 'closed' ? ((b.state_reason as string | undefined) ?? 'completed') : b.state_reason === 'reopened' ? 'reopened' : null;
    }
    issue.updatedAt = this.tick();
    send(200, this.issueJson(repo, issue));
  }

  private comment(
    repo: FakeRepo & { nextComment: number },
    issue: FakeIssue,
    caller: FakeCaller,
    b: Json,
    send: (s: number, d: unknown, h?: Record<string, string>) => void,
  ): void {
    if (typeof b.body !== 'string' || !b.body) return send(422, this.validation('IssueComment', 'body', 'missing_field'));
    const c = { id: ++repo.nextComment, author: caller.login, body: b.body, createdAt: this.tick() };
    issue.comments.push(c);
    send(201, this.commentJson(repo, issue, c));
  }

  private addLabels(repo: FakeRepo, issue: FakeIssue, b: Json, send: (s: number, d: unknown, h?: Record<string, string>) => void): void {
    const labels = b.labels;
    if (!Array.isArray(labels) || labels.some((l) => typeof l !== 'string' || !l || l.length > 50))
      return send(422, this.validation('Label', 'name', 'invalid'));
    issue.labels = [...new Set([...issue.labels, ...(labels as string[])])];
    issue.updatedAt = this.tick();
    send(
      200,
      issue.labels.map((name, i) => ({
        ...clone(FIXTURES.label),
        id: 7000 + i,
        name,
        url: `${this.baseUrl()}/api/v3/repos/${repo.owner}/${repo.name}/labels/${encodeURIComponent(name)}`,
      })),
    );
  }

  /** 422 Validation Failed, as GitHub words it: titles are required, assignees must be able to see the repository. */
  private validate(repo: FakeRepo, b: Json, creating: boolean): Json | undefined {
    if (creating && (typeof b.title !== 'string' || !b.title.trim())) return this.validation('Issue', 'title', 'missing_field');
    const assignees = (b.assignees as unknown[] | undefined) ?? [];
    const bad = assignees.find(
      (a) => typeof a !== 'string' || ![...repo.writers, ...repo.readers, repo.owner].some((l) => l.toLowerCase() === a.toLowerCase()),
    );
    if (bad !== undefined)
      return { ...this.validation('Issue', 'assignees', 'invalid'), errors: [{ resource: 'Issue', field: 'assignees', code: 'invalid', value: bad }] };
    return undefined;
  }

  private validation(resource: string, field: string, code: string): Json {
    return { ...clone(FIXTURES.validation), errors: [{ resource, code, field }], documentation_url: 'https://docs.github.com/rest/issues/issues' };
  }

  private addIssue(repo: FakeRepo & { issues: FakeIssue[] }, i: Partial<FakeIssue>): FakeIssue {
    const at = i.createdAt ?? this.tick();
    const issue: FakeIssue = {
      number: Math.max(0, ...repo.issues.map((x) => x.number)) + 1,
      title: 'An issue',
      body: null,
      state: 'open',
      stateReason: null,
      labels: [],
      assignees: [],
      author: repo.owner,
      comments: [],
      pullRequest: false,
      createdAt: at,
      updatedAt: at,
      closedAt: null,
      ...i,
    };
    repo.issues.push(issue);
    return issue;
  }

  private tick(): string {
    this.clock += 60_000;
    return new Date(this.clock).toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  private user(login: string): Json {
    const u = clone(FIXTURES.issue.user as Json);
    const api = `${this.baseUrl()}/api/v3`;
    for (const [k, v] of Object.entries(u))
      if (typeof v === 'string') u[k] = v.replaceAll('https://api.github.com', api).replaceAll(FIXTURES.issue.user.login, login);
    u.login = login;
    return u;
  }

  private issueJson(repo: FakeRepo, i: FakeIssue): Json {
    const api = `${this.baseUrl()}/api/v3/repos/${repo.owner}/${repo.name}`;
    const html = `${this.baseUrl()}/${repo.owner}/${repo.name}/issues/${i.number}`;
    const out: Json = {
      ...clone(FIXTURES.issue),
      url: `${api}/issues/${i.number}`,
      repository_url: api,
      labels_url: `${api}/issues/${i.number}/labels{/name}`,
      comments_url: `${api}/issues/${i.number}/comments`,
      events_url: `${api}/issues/${i.number}/events`,
      html_url: html,
      timeline_url: `${api}/issues/${i.number}/timeline`,
      id: 100_000 + i.number,
      number: i.number,
      title: i.title,
      body: i.body,
      user: this.user(i.author),
      labels: i.labels.map((name, n) => ({ ...clone(FIXTURES.label), id: 7000 + n, name, url: `${api}/labels/${encodeURIComponent(name)}` })),
      state: i.state,
      state_reason: i.stateReason,
      assignee: i.assignees[0] ? this.user(i.assignees[0]) : null,
      assignees: i.assignees.map((a) => this.user(a)),
      comments: i.comments.length,
      created_at: i.createdAt,
      updated_at: i.updatedAt,
      closed_at: i.closedAt,
    };
    if (i.pullRequest) out.pull_request = { url: `${api}/pulls/${i.number}`, html_url: html.replace('/issues/', '/pull/') };
    return out;
  }

  private commentJson(repo: FakeRepo, issue: FakeIssue, c: FakeIssue['comments'][number]): Json {
    const api = `${this.baseUrl()}/api/v3/repos/${repo.owner}/${repo.name}`;
    return {
      url: `${api}/issues/comments/${c.id}`,
      html_url: `${this.baseUrl()}/${repo.owner}/${repo.name}/issues/${issue.number}#issuecomment-${c.id}`,
      issue_url: `${api}/issues/${issue.number}`,
      id: c.id,
      node_id: FIXTURES.issue.node_id,
      user: this.user(c.author),
      created_at: c.createdAt,
      updated_at: c.createdAt,
      author_association: 'CONTRIBUTOR',
      body: c.body,
      reactions: clone(FIXTURES.issue.reactions),
      performed_via_github_app: null,
    };
  }
}

function key(owner: string, name: string): string {
  return `${owner}/${name}`.toLowerCase();
}
