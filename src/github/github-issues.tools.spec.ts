import fc from 'fast-check';
import { MetadataKey } from '../common/metadata-keys.js';
import type { McpToolOptions } from '../mcp/mcp.decorators.js';
import type { GithubIssuesService } from './github-issues.service.js';
import { GITHUB_READ, GITHUB_WRITE, GithubIssuesTools } from './github-issues.tools.js';

const proto = GithubIssuesTools.prototype as unknown as Record<string, object>;
const METHODS = ['list', 'get', 'search', 'create', 'update', 'comment', 'label'];
const tool = (method: string) => Reflect.getMetadata(MetadataKey.McpTool, proto[method]) as McpToolOptions;
const scopes = (method: string) => Reflect.getMetadata(MetadataKey.RequiredScopes, proto[method]) as string[];

describe('GithubIssuesTools declarations', () => {
  it('reads need github:read and are read-only; writes need github:write; none is destructive', () => {
    for (const m of METHODS) {
      const t = tool(m);
      const read = ['list', 'get', 'search'].includes(m);
      expect(t.name).toBe(`github.issues.${m}`);
      expect(scopes(m)).toEqual([read ? GITHUB_READ : GITHUB_WRITE]);
      expect(t.annotations?.readOnlyHint).toBe(read);
      expect(t.annotations?.destructiveHint ?? false).toBe(false);
      expect(t.annotations?.openWorldHint).toBe(true);
      expect(t.output).toBeDefined();
    }
  });

  it('label takes 1 to 50 distinct issues and 1 to 20 labels', () => {
    const input = tool('label').input;
    const base = { owner: 'acme', repo: 'api', labels: ['bug'] };
    const issues = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
    expect(input.safeParse({ ...base, issues: issues(50) }).success).toBe(true);
    expect(input.safeParse({ ...base, issues: issues(51) }).success).toBe(false);
    expect(input.safeParse({ ...base, issues: [] }).success).toBe(false);
    expect(input.safeParse({ ...base, issues: [3, 3] }).success).toBe(false);
    expect(input.safeParse({ ...base, issues: [1], labels: Array.from({ length: 21 }, (_, i) => `l${i}`) }).success).toBe(false);
    expect(input.safeParse({ ...base, issues: [1], labels: ['x'.repeat(51)] }).success).toBe(false);
  });

  it('owner and repo accept GitHub names only: no paths, no dot segments, no control characters', () => {
    const input = tool('list').input;
    for (const [owner, repo] of [
      ['acme', 'api'],
      ['Acme-Labs', 'my.repo_1'],
      ['emu_acme', '.github'],
    ]) {
      expect(input.safeParse({ owner, repo }).success).toBe(true);
    }
    for (const [owner, repo] of [
      ['../x', 'api'],
      ['acme', '..'],
      ['acme', '.'],
      ['acme', 'a/b'],
      ['-acme', 'api'],
      ['acme', 'a%2Fb'],
      ['acme', 'a\u0000'],
      ['', 'api'],
      ['acme', 'x'.repeat(101)],
    ]) {
      expect(input.safeParse({ owner, repo }).success).toBe(false);
    }
  });

  it('no input makes any tool schema throw, and whatever passes stays within the limits', () => {
    const anyJson = fc.jsonValue({ maxDepth: 4 });
    const arbitraryArgs = fc.dictionary(
      fc.constantFrom('owner', 'repo', 'number', 'issues', 'labels', 'title', 'body', 'query', 'cursor', 'limit', 'x'),
      anyJson,
    );
    for (const m of METHODS) {
      const input = tool(m).input;
      fc.assert(
        fc.property(arbitraryArgs, (args) => {
          const parsed = input.safeParse(args);
          if (parsed.success) {
            const data = parsed.data;
            expect(typeof data.owner === 'string' || m === 'search').toBe(true);
            for (const v of Object.values(data)) if (typeof v === 'string') expect(v.length).toBeLessThanOrEqual(65_536);
          }
        }),
        { numRuns: 300 },
      );
    }
  });

  it('search refuses queries over 256 characters and at most ten repositories', () => {
    const input = tool('search').input;
    expect(input.safeParse({ query: 'x'.repeat(256) }).success).toBe(true);
    expect(input.safeParse({ query: 'x'.repeat(257) }).success).toBe(false);
    expect(input.safeParse({ query: 'x', repositories: Array.from({ length: 11 }, (_, i) => `a/r${i}`) }).success).toBe(false);
    expect(input.safeParse({ query: 'x', repositories: ['a/b/c'] }).success).toBe(false);
  });
});

describe('github.issues.label and the call context', () => {
  it("forwards the context's progress reporter and abort signal to the batch, and summarises the outcomes", async () => {
    const seen: unknown[] = [];
    const service = {
      label: async (
        _ref: unknown,
        issues: number[],
        _labels: string[],
        opts: { progress?: (d: number, t: number, m: string) => Promise<void>; signal?: AbortSignal },
      ) => {
        seen.push(opts.signal);
        for (const [i] of issues.entries()) await opts.progress?.(i + 1, issues.length, `#${issues[i]}`);
        return issues.map((n) => (n === 2 ? { number: n, ok: false, error: 'Not found' } : { number: n, ok: true, labels: ['bug'] }));
      },
    } as unknown as GithubIssuesService;
    const tools = new GithubIssuesTools(service);
    const reports: string[] = [];
    const controller = new AbortController();
    const out = await tools.label(
      { owner: 'acme', repo: 'api', issues: [1, 2, 3], labels: ['bug'] },
      { signal: controller.signal, progress: async (done, total, message) => void reports.push(`${done}/${total} ${message}`) },
    );
    expect(reports).toEqual(['1/3 #1', '2/3 #2', '3/3 #3']);
    expect(seen).toEqual([controller.signal]);
    expect(out).toMatchObject({ repository: 'acme/api', succeeded: 2, failed: 1 });
  });
});
