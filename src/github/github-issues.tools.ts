import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { RequireScope } from '../auth/require-scope.decorator.js';
import { GITHUB_OWNER, isRepoName } from '../config/github-repos.js';
import { McpTool } from '../mcp/mcp.decorators.js';
import type { ToolContext } from '../mcp/tool-context.js';
import {
  ASSIGNEES_MAX,
  COMMENTS_MAX,
  ISSUE_BODY_MAX,
  ISSUE_TITLE_MAX,
  LABEL_ISSUES_MAX,
  LABEL_NAME_MAX,
  LABELS_MAX,
  PAGE_MAX,
  SEARCH_QUERY_MAX,
  commentShape,
  isCleanText,
  issueShape,
  issueSummaryShape,
} from './github-issue.js';
import { GithubIssuesService, type IssueChanges, type ListQuery, type SearchQuery } from './github-issues.service.js';

/** What github.issues.label uses of the ToolContext the MCP layer hands every tool: progress notifications and the request's abort signal. */
export type CallContext = Pick<ToolContext, 'signal' | 'progress'>;

export const GITHUB_READ = 'github:read';
export const GITHUB_WRITE = 'github:write';
/** What each scope means to a person: shown on the consent page and published in the metadata. */
const READS_GITHUB = { description: 'Read GitHub issues as you, in the repositories your GitHub account can see' };
const WRITES_GITHUB = { description: 'Create, change, comment on and label GitHub issues as you' };

/** Text GitHub stores as given: no NUL, no lone surrogates (they cannot be stored or shown). */
const text = (max: number) =>
  z.string().max(max, `must be at most ${max} characters`).refine(isCleanText, 'must not contain NUL characters or unpaired surrogates');
const owner = z.string().max(100).regex(GITHUB_OWNER, 'must be a GitHub user or organisation name').describe('Repository owner (user or organisation)');
const repo = z.string().max(100).refine(isRepoName, 'must be a GitHub repository name').describe('Repository name');
const repository = { owner, repo };
const issueNumber = z.number().int().min(1).max(2_147_483_647).describe('Issue number');
const label = text(LABEL_NAME_MAX).pipe(z.string().trim().min(1, 'must not be empty'));
const labels = z.array(label).max(LABELS_MAX, `at most ${LABELS_MAX} labels`);
const login = z.string().max(100).regex(GITHUB_OWNER, 'must be a GitHub login');
const assignees = z.array(login).max(ASSIGNEES_MAX, `at most ${ASSIGNEES_MAX} assignees`);
const title = text(ISSUE_TITLE_MAX).pipe(z.string().trim().min(1, 'must not be empty'));
const body = text(ISSUE_BODY_MAX);
const limit = (fallback: number) => z.number().int().min(1).max(PAGE_MAX).default(fallback).describe(`Page size, 1-${PAGE_MAX}`);
const cursor = z.string().max(100).optional().describe('nextCursor from the previous page');
const issueOut = z.object({ issue: issueShape });
const READ = { readOnlyHint: true, openWorldHint: true } as const;
const WRITE = { readOnlyHint: false, destructiveHint: false, openWorldHint: true } as const;

/**
 * GitHub issue tools acting as the signed-in person, with their own GitHub token and permissions.
 * Registered only when GitHub sign-in is configured (see GithubModule).
 */
@Injectable()
export class GithubIssuesTools {
  constructor(private readonly issues: GithubIssuesService) {}

  @McpTool({
    name: 'github.issues.list',
    title: 'List GitHub issues',
    description:
      "Lists a repository's issues as you see them on GitHub (pull requests are included, marked isPullRequest). Pass nextCursor back as cursor for the next page.",
    input: z.strictObject({
      ...repository,
      state: z.enum(['open', 'closed', 'all']).default('open'),
      labels: z
        .array(label.refine((l) => !l.includes(','), 'must not contain a comma'))
        .max(LABELS_MAX)
        .optional()
        .describe('Only issues carrying every one of these labels'),
      assignee: z
        .string()
        .max(100)
        .regex(/^(\*|[A-Za-z0-9][A-Za-z0-9_-]{0,99})$/, 'must be a GitHub login, "none" or "*"')
        .optional()
        .describe('A login, "none" (unassigned) or "*" (assigned to anyone)'),
      sort: z.enum(['created', 'updated', 'comments']).default('created'),
      direction: z.enum(['asc', 'desc']).default('desc'),
      limit: limit(30),
      cursor,
    }),
    output: z.object({ issues: z.array(issueSummaryShape), nextCursor: z.string().optional() }),
    annotations: READ,
  })
  @RequireScope(GITHUB_READ, READS_GITHUB)
  list({ owner, repo, ...query }: { owner: string; repo: string } & ListQuery) {
    return this.issues.list({ owner, repo }, query);
  }

  @McpTool({
    name: 'github.issues.get',
    title: 'Read a GitHub issue',
    description: 'Returns an issue with its body and its latest comments (oldest of them first).',
    input: z.strictObject({
      ...repository,
      number: issueNumber,
      comments: z.number().int().min(0).max(COMMENTS_MAX).default(10).describe(`How many of the latest comments, 0-${COMMENTS_MAX}`),
    }),
    output: z.object({ issue: issueShape, comments: z.array(commentShape) }),
    annotations: READ,
  })
  @RequireScope(GITHUB_READ, READS_GITHUB)
  get(input: { owner: string; repo: string; number: number; comments: number }) {
    return this.issues.get({ owner: input.owner, repo: input.repo }, input.number, input.comments);
  }

  @McpTool({
    name: 'github.issues.search',
    title: 'Search GitHub issues',
    description:
      'Searches issues with GitHub\'s search syntax (words, "phrases", label:bug, author:me, is:closed, ...). Name repositories in "repositories" rather than with repo:/org:/user: qualifiers; the search stays inside the repositories this server allows.',
    input: z.strictObject({
      query: text(SEARCH_QUERY_MAX).pipe(z.string().trim().min(1, 'must not be empty')),
      repositories: z
        .array(
          z
            .string()
            .max(201)
            .refine((s) => {
              const [o, r, ...rest] = s.split('/');
              return rest.length === 0 && GITHUB_OWNER.test(o) && r !== undefined && isRepoName(r);
            }, 'must be owner/name'),
        )
        .max(10)
        .optional()
        .describe('owner/name of each repository to search (default: every allowed repository)'),
      state: z.enum(['open', 'closed']).optional(),
      sort: z.enum(['created', 'updated', 'comments']).optional().describe('Default: best match'),
      order: z.enum(['asc', 'desc']).default('desc'),
      limit: limit(30),
      cursor,
    }),
    output: z.object({ totalCount: z.number().int(), incompleteResults: z.boolean(), issues: z.array(issueSummaryShape), nextCursor: z.string().optional() }),
    annotations: READ,
  })
  @RequireScope(GITHUB_READ, READS_GITHUB)
  search(input: SearchQuery) {
    return this.issues.search(input);
  }

  @McpTool({
    name: 'github.issues.create',
    title: 'Create a GitHub issue',
    description: 'Opens an issue in a repository, as you.',
    input: z.strictObject({ ...repository, title, body: body.optional(), labels: labels.optional(), assignees: assignees.optional() }),
    output: issueOut,
    annotations: { ...WRITE, idempotentHint: false },
  })
  @RequireScope(GITHUB_WRITE, WRITES_GITHUB)
  create({ owner, repo, ...issue }: { owner: string; repo: string; title: string; body?: string; labels?: string[]; assignees?: string[] }) {
    return this.issues.create({ owner, repo }, issue);
  }

  @McpTool({
    name: 'github.issues.update',
    title: 'Update a GitHub issue',
    description: 'Changes the title, body, state, labels or assignees of an issue, as you. Labels and assignees, when given, replace the current ones.',
    input: z.strictObject({
      ...repository,
      number: issueNumber,
      title: title.optional(),
      body: body.optional(),
      state: z.enum(['open', 'closed']).optional(),
      stateReason: z.enum(['completed', 'not_planned', 'reopened']).optional(),
      labels: labels.optional(),
      assignees: assignees.optional(),
    }),
    output: issueOut,
    annotations: { ...WRITE, idempotentHint: true },
  })
  @RequireScope(GITHUB_WRITE, WRITES_GITHUB)
  update({ owner, repo, number, ...changes }: { owner: string; repo: string; number: number } & IssueChanges) {
    return this.issues.update({ owner, repo }, number, changes);
  }

  @McpTool({
    name: 'github.issues.comment',
    title: 'Comment on a GitHub issue',
    description: 'Adds a comment to an issue, as you.',
    input: z.strictObject({ ...repository, number: issueNumber, body: body.pipe(z.string().trim().min(1, 'must not be empty')) }),
    output: z.object({ comment: commentShape }),
    annotations: { ...WRITE, idempotentHint: false },
  })
  @RequireScope(GITHUB_WRITE, WRITES_GITHUB)
  comment(input: { owner: string; repo: string; number: number; body: string }) {
    return this.issues.comment({ owner: input.owner, repo: input.repo }, input.number, input.body);
  }

  @McpTool({
    name: 'github.issues.label',
    title: 'Label GitHub issues',
    description: `Adds labels to up to ${LABEL_ISSUES_MAX} issues of a repository, one issue at a time, and reports each issue's outcome.`,
    input: z.strictObject({
      ...repository,
      issues: z
        .array(issueNumber)
        .min(1)
        .max(LABEL_ISSUES_MAX, `at most ${LABEL_ISSUES_MAX} issues per call`)
        .refine((a) => new Set(a).size === a.length, 'must not repeat an issue')
        .describe('Issue numbers'),
      labels: labels.min(1, 'give at least one label'),
    }),
    output: z.object({
      repository: z.string(),
      labels: z.array(z.string()),
      succeeded: z.number().int(),
      failed: z.number().int(),
      results: z.array(z.object({ number: z.number().int(), ok: z.boolean(), labels: z.array(z.string()).optional(), error: z.string().optional() })),
    }),
    annotations: { ...WRITE, idempotentHint: true },
  })
  @RequireScope(GITHUB_WRITE, WRITES_GITHUB)
  async label(input: { owner: string; repo: string; issues: number[]; labels: string[] }, ctx: CallContext) {
    const results = await this.issues.label({ owner: input.owner, repo: input.repo }, input.issues, input.labels, {
      progress: (done, total, message) => ctx.progress(done, total, message),
      signal: ctx.signal,
    });
    const succeeded = results.filter((r) => r.ok).length;
    return { repository: `${input.owner}/${input.repo}`, labels: input.labels, succeeded, failed: results.length - succeeded, results };
  }
}
