import { RequestContextService } from '../common/context/request-context.service.js';
import { DomainError } from '../common/errors/domain-error.js';
import { AppConfig } from '../config/app-config.js';
import type { GithubApi, GithubClient } from './github-client.service.js';
import { GithubIssuesService } from './github-issues.service.js';
import { RepoAllowList } from './repo-allow-list.js';

const failure = (status: number, message: string, headers: Record<string, string> = {}) =>
  Object.assign(new Error(message), { status, response: { status, headers, data: { message } } });

/**
 * GithubIssuesService.label with a scripted GitHub: `answers[n]` says how issue n's POST .../labels
 * goes (an error to throw, or a delay), and a client that, like GithubClient, calls again once after a 401.
 */
function setup(opts: { timeoutMs?: number; answers?: Record<number, Error | { delayMs: number }>; repos?: string } = {}) {
  const config = AppConfig.from({
    GITHUB_CLIENT_ID: 'id',
    GITHUB_CLIENT_SECRET: 's',
    GITHUB_REPOS: opts.repos ?? '',
    MCP_REQUEST_TIMEOUT_MS: String(opts.timeoutMs ?? 60_000),
  });
  const posted: number[] = [];
  const answers = { ...opts.answers };
  const api = {
    rest: {
      issues: {
        addLabels: async ({ issue_number, labels }: { issue_number: number; labels: string[] }) => {
          posted.push(issue_number);
          const answer = answers[issue_number];
          if (answer instanceof Error) {
            if ((answer as Error & { status: number }).status === 401) delete answers[issue_number]; // fine after the renewal
            throw answer;
          }
          if (answer) await new Promise((r) => setTimeout(r, answer.delayMs));
          return { data: labels.map((name) => ({ name })) };
        },
      },
    },
  } as unknown as GithubApi;
  let runs = 0;
  const client = {
    run: async <T>(_what: string, call: (a: GithubApi) => Promise<T>): Promise<T> => {
      runs++;
      try {
        return await call(api);
      } catch (e) {
        if ((e as { status?: number }).status !== 401) throw e;
        runs++;
        return call(api);
      }
    },
  } as unknown as GithubClient;
  const context = new RequestContextService();
  const service = new GithubIssuesService(client, new RepoAllowList(config), context, config);
  const label = (issues: number[], extra: Parameters<GithubIssuesService['label']>[3] = {}) =>
    context.run('req', () => service.label({ owner: 'acme', repo: 'api' }, issues, ['bug'], extra));
  return { label, posted, runs: () => runs, context, service };
}

describe('GithubIssuesService.label', () => {
  it('labels each issue in turn, reports progress for each, and one missing issue fails alone', async () => {
    const { label, posted } = setup({ answers: { 2: failure(404, 'Not Found') } });
    const progress: string[] = [];
    const results = await label([1, 2, 3], { progress: (done, total, message) => void progress.push(`${done}/${total} ${message}`) });
    expect(posted).toEqual([1, 2, 3]);
    expect(results).toEqual([
      { number: 1, ok: true, labels: ['bug'] },
      { number: 2, ok: false, error: 'Not found: acme/api#2 does not exist, or your GitHub account cannot access it' },
      { number: 3, ok: true, labels: ['bug'] },
    ]);
    expect(progress).toEqual(['1/3 acme/api#1: labelled', '2/3 acme/api#2: failed', '3/3 acme/api#3: labelled']);
  });

  it('a rate limit stops the rest of the batch, which is reported as not attempted', async () => {
    const reset = Math.floor(Date.now() / 1000) + 300;
    const { label, posted } = setup({
      answers: { 2: failure(403, 'API rate limit exceeded', { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) }) },
    });
    const results = await label([1, 2, 3, 4]);
    expect(posted).toEqual([1, 2]);
    expect(results.map((r) => r.ok)).toEqual([true, false, false, false]);
    expect(results[2].error).toBe(`Not attempted: ${results[1].error}`);
    expect(results[1].error).toContain(new Date(reset * 1000).toISOString());
  });

  it('after a 401 the renewed sign-in continues where the batch stopped, labelling nothing twice', async () => {
    const { label, posted, runs } = setup({ answers: { 2: failure(401, 'Bad credentials') } });
    const results = await label([1, 2, 3]);
    expect(runs()).toBe(2);
    expect(posted).toEqual([1, 2, 2, 3]);
    expect(results.every((r) => r.ok)).toBe(true);
  });

  it('a cancelled request stops before the next issue', async () => {
    const { label, posted } = setup({ answers: { 1: { delayMs: 50 } } });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 10);
    const results = await label([1, 2, 3], { signal: controller.signal });
    expect(posted).toEqual([1]);
    expect(results.slice(1).map((r) => r.error)).toEqual(['Not attempted: the request was cancelled', 'Not attempted: the request was cancelled']);
  });

  it('ends in time to answer within MCP_REQUEST_TIMEOUT_MS, saying which issues are left', async () => {
    const slow = { delayMs: 300 };
    const { label, posted } = setup({ timeoutMs: 1200, answers: { 1: slow, 2: slow, 3: slow, 4: slow, 5: slow } });
    const started = Date.now();
    const results = await label([1, 2, 3, 4, 5]);
    expect(Date.now() - started).toBeLessThan(1200);
    expect(posted.length).toBeLessThan(5);
    expect(results.at(-1)!.error).toMatch(/ran out of time \(MCP_REQUEST_TIMEOUT_MS\); label the rest in another call/);
  });

  it('a repository outside GITHUB_REPOS is refused before GitHub, and named for the audit', async () => {
    const { posted, context, service } = setup({ repos: 'other/*' });
    const { error, audited } = await context.run('req', async () => {
      const err = await service.label({ owner: 'acme', repo: 'api' }, [1], ['bug']).then(
        () => undefined,
        (e: unknown) => e,
      );
      return { error: err, audited: context.current()?.auditResource };
    });
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).message).toContain('acme/api is not in GITHUB_REPOS');
    expect(audited).toBe('acme/api');
    expect(posted).toEqual([]);
  });
});
