import { Injectable } from '@nestjs/common';
import { RequestContextService } from '../common/context/request-context.service.js';
import { AppConfig } from '../config/app-config.js';
import { DomainError } from '../common/errors/domain-error.js';
import { GithubClient, type GithubApi } from './github-client.service.js';
import { isGithubFailure, mapGithubError } from './github-errors.js';
import { repositoryOf, toComment, toIssue, toSummary, type Comment, type Issue, type IssueSummary } from './github-issue.js';
import { decodePageCursor, encodePageCursor, nextPageOf } from './page-cursor.js';
import { RepoAllowList, type RepoRef } from './repo-allow-list.js';

export interface ListQuery {
  state: 'open' | 'closed' | 'all';
  labels?: string[];
  assignee?: string;
  sort: 'created' | 'updated' | 'comments';
  direction: 'asc' | 'desc';
  limit: number;
  cursor?: string;
}

export interface SearchQuery {
  query: string;
  repositories?: string[];
  state?: 'open' | 'closed';
  sort?: 'created' | 'updated' | 'comments';
  order: 'asc' | 'desc';
  limit: number;
  cursor?: string;
}

export interface IssueChanges {
  title?: string;
  body?: string;
  state?: 'open' | 'closed';
  stateReason?: 'completed' | 'not_planned' | 'reopened';
  labels?: string[];
  assignees?: string[];
}

export interface LabelOutcome {
  number: number;
  ok: boolean;
  /** The issue's labels after the change. */
  labels?: string[];
  error?: string;
}

/** Reports how many of a batch's items are done; the MCP layer turns it into progress notifications. */
export type ProgressReporter = (done: number, total: number, message: string) => void | Promise<void>;

export interface BatchOptions {
  progress?: ProgressReporter;
  /** Stops the batch (client cancellation, request deadline); the rest is reported as not attempted. */
  signal?: AbortSignal;
}

/** Qualifiers that would widen a search beyond the allowed repositories; `repositories` names them instead. */
const SCOPE_QUALIFIER = /\b(repo|org|user|owner)\s*:/i;
const TYPE_QUALIFIER = /\b(is|type):(issue|pr|pull-request)\b/i;
/** After these, the rest of a batch would fail the same way: stop and say so. */
const BATCH_STOPPERS = new Set(['unauthenticated', 'rate_limited', 'unavailable']);

/**
 * GitHub issues as the signed-in person. Every method checks GITHUB_REPOS before anything reaches
 * GitHub and names the repository for the call's audit record.
 */
@Injectable()
export class GithubIssuesService {
  /** A batch ends in time to answer within the /mcp request deadline, with every issue's outcome. */
  private readonly batchBudgetMs: number;

  constructor(
    private readonly client: GithubClient,
    private readonly allowList: RepoAllowList,
    private readonly context: RequestContextService,
    config: AppConfig,
  ) {
    this.batchBudgetMs = Math.max(config.mcpRequestTimeoutMs / 2, config.mcpRequestTimeoutMs - 5000);
  }

  async list(ref: RepoRef, q: ListQuery): Promise<{ issues: IssueSummary[]; nextCursor?: string }> {
    const name = this.enter(ref);
    const page = decodePageCursor(q.cursor, 'github.issues.list');
    return this.client.run(name, async (api) => {
      const res = await api.rest.issues.listForRepo({
        ...params(ref),
        state: q.state,
        labels: q.labels?.join(','),
        assignee: q.assignee,
        sort: q.sort,
        direction: q.direction,
        per_page: q.limit,
        page,
      });
      return withCursor({ issues: res.data.map(toSummary) }, nextPageOf(res.headers.link));
    });
  }

  async get(ref: RepoRef, issueNumber: number, commentCount: number): Promise<{ issue: Issue; comments: Comment[] }> {
    const name = this.enter(ref);
    return this.client.run(`${name}#${issueNumber}`, async (api) => {
      const { data } = await api.rest.issues.get({ ...params(ref), issue_number: issueNumber });
      const comments = commentCount > 0 && data.comments > 0 ? await latestComments(api, ref, issueNumber, data.comments, commentCount) : [];
      return { issue: toIssue(data), comments: comments.map(toComment) };
    });
  }

  async search(q: SearchQuery): Promise<{ totalCount: number; incompleteResults: boolean; issues: IssueSummary[]; nextCursor?: string }> {
    const refs = (q.repositories ?? []).map((r) => parseRepository(r));
    this.context.setAuditResource(refs.length ? refs.map((r) => `${r.owner}/${r.repo}`).join(',') : this.allowList.restricted ? 'GITHUB_REPOS' : '*');
    if (SCOPE_QUALIFIER.test(q.query)) {
      throw new DomainError('invalid_input', 'query: leave out repo:, org:, user: and owner: qualifiers; list the repositories in "repositories" instead');
    }
    for (const ref of refs) this.allowList.check(ref);
    const page = decodePageCursor(q.cursor, 'github.issues.search');
    const scope = refs.length ? refs.map((r) => `repo:${r.owner}/${r.repo}`) : this.allowList.searchQualifiers();
    const query = [q.query, TYPE_QUALIFIER.test(q.query) ? '' : 'is:issue', q.state ? `state:${q.state}` : '', ...scope].filter(Boolean).join(' ');
    return this.client.run('the search', async (api) => {
      const res = await api.rest.search.issuesAndPullRequests({ q: query, sort: q.sort, order: q.order, per_page: q.limit, page });
      // Defence in depth: nothing outside GITHUB_REPOS is returned, whatever the query matched.
      const issues = res.data.items.filter((i) => this.allowList.allows(parseRepository(repositoryOf(i.repository_url), true))).map(toSummary);
      return withCursor({ totalCount: res.data.total_count, incompleteResults: res.data.incomplete_results, issues }, nextPageOf(res.headers.link));
    });
  }

  async create(ref: RepoRef, issue: { title: string; body?: string; labels?: string[]; assignees?: string[] }): Promise<{ issue: Issue }> {
    const name = this.enter(ref);
    return this.client.run(name, async (api) => {
      // Not idempotent: never retried automatically.
      const { data } = await api.rest.issues.create({ ...params(ref), ...issue, request: { retries: 0 } });
      return { issue: toIssue(data) };
    });
  }

  async update(ref: RepoRef, issueNumber: number, changes: IssueChanges): Promise<{ issue: Issue }> {
    const name = this.enter(ref);
    if (Object.values(changes).every((v) => v === undefined)) {
      throw new DomainError('invalid_input', 'Nothing to update: give a title, body, state, labels or assignees');
    }
    const { stateReason, ...rest } = changes;
    return this.client.run(`${name}#${issueNumber}`, async (api) => {
      const { data } = await api.rest.issues.update({ ...params(ref), issue_number: issueNumber, ...rest, state_reason: stateReason });
      return { issue: toIssue(data) };
    });
  }

  async comment(ref: RepoRef, issueNumber: number, body: string): Promise<{ comment: Comment }> {
    const name = this.enter(ref);
    return this.client.run(`${name}#${issueNumber}`, async (api) => {
      const { data } = await api.rest.issues.createComment({ ...params(ref), issue_number: issueNumber, body, request: { retries: 0 } });
      return { comment: toComment(data) };
    });
  }

  /**
   * Adds `labels` to each issue in turn (GitHub asks for writes a second apart), reporting progress and
   * each issue's outcome. A missing issue fails alone; a rate limit, a refused sign-in, cancellation or
   * the end of the call's time stops the rest, which is reported as not attempted.
   */
  async label(ref: RepoRef, issueNumbers: number[], labels: string[], opts: BatchOptions = {}): Promise<LabelOutcome[]> {
    const name = this.enter(ref);
    const outcomes = new Map<number, LabelOutcome>();
    const deadline = Date.now() + this.batchBudgetMs;
    await this.client.run(name, async (api) => {
      let stop: string | undefined;
      for (const n of issueNumbers) {
        if (outcomes.has(n)) continue; // done before a renewed sign-in restarted the batch
        if (!stop && opts.signal?.aborted) stop = 'Not attempted: the request was cancelled';
        if (!stop && Date.now() > deadline) stop = 'Not attempted: this call ran out of time (MCP_REQUEST_TIMEOUT_MS); label the rest in another call';
        if (stop) {
          outcomes.set(n, { number: n, ok: false, error: stop });
          continue;
        }
        try {
          const { data } = await api.rest.issues.addLabels({ ...params(ref), issue_number: n, labels });
          outcomes.set(n, { number: n, ok: true, labels: data.map((l) => l.name) });
        } catch (e) {
          if (isGithubFailure(e) && e.status === 401) throw e; // GithubClient renews the sign-in once and calls again
          const error = mapGithubError(e, `${name}#${n}`);
          outcomes.set(n, { number: n, ok: false, error: error.message });
          if (BATCH_STOPPERS.has(error.code)) stop = `Not attempted: ${error.message}`;
        }
        await opts.progress?.(outcomes.size, issueNumbers.length, `${name}#${n}: ${outcomes.get(n)!.ok ? 'labelled' : 'failed'}`);
      }
    });
    return issueNumbers.map((n) => outcomes.get(n)!);
  }

  /** Checks GITHUB_REPOS and names the repository for the audit record, before anything else. */
  private enter(ref: RepoRef): string {
    const name = `${ref.owner}/${ref.repo}`;
    this.context.setAuditResource(name);
    this.allowList.check(ref);
    return name;
  }
}

function params(ref: RepoRef): { owner: string; repo: string } {
  return { owner: ref.owner, repo: ref.repo };
}

function withCursor<T extends object>(result: T, nextPage: number | undefined): T & { nextCursor?: string } {
  return nextPage === undefined ? result : { ...result, nextCursor: encodePageCursor(nextPage) };
}

function parseRepository(fullName: string, lenient = false): RepoRef {
  const [owner = '', repo = ''] = fullName.split('/');
  if (!lenient && (!owner || !repo)) throw new DomainError('invalid_input', `repositories: ${JSON.stringify(fullName)} is not owner/name`);
  return { owner, repo };
}

/** The newest `wanted` comments, oldest first. GitHub lists comments oldest first, so read the last page(s) of 100. */
async function latestComments(api: GithubApi, ref: RepoRef, issueNumber: number, total: number, wanted: number) {
  const perPage = 100;
  const last = Math.max(1, Math.ceil(total / perPage));
  const page = async (p: number) => (await api.rest.issues.listComments({ ...params(ref), issue_number: issueNumber, per_page: perPage, page: p })).data;
  let comments = await page(last);
  if (comments.length < wanted && last > 1) comments = [...(await page(last - 1)), ...comments];
  return comments.slice(-wanted);
}
