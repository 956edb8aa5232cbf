import type { RestEndpointMethodTypes } from '@octokit/rest';
import { z } from 'zod';

/** GitHub's own limits (REST API docs): titles, bodies and comments, labels per request, search query length. */
export const ISSUE_TITLE_MAX = 256;
export const ISSUE_BODY_MAX = 65_536;
export const LABEL_NAME_MAX = 50;
export const LABELS_MAX = 20;
export const ASSIGNEES_MAX = 10;
export const PAGE_MAX = 100;
export const COMMENTS_MAX = 50;
export const LABEL_ISSUES_MAX = 50;
export const SEARCH_QUERY_MAX = 256;
/** Comment bodies in `github.issues.get` are cut here (the issue body is returned whole). */
export const COMMENT_EXCERPT_MAX = 10_000;

type ApiComment = RestEndpointMethodTypes['issues']['listComments']['response']['data'][number];

/** The fields read from GitHub's issue objects (issues, search items and created/updated issues alike). */
interface ApiIssue {
  repository_url: string;
  number: number;
  title: string;
  state: string;
  state_reason?: string | null;
  user: { login: string } | null;
  labels: (string | { name?: string })[];
  assignees?: { login: string }[] | null;
  comments: number;
  pull_request?: unknown;
  created_at: string;
  updated_at: string;
  closed_at: string | null;
  html_url: string;
  body?: string | null;
  locked?: boolean;
  milestone?: { title: string } | null;
}
type ApiLabel = ApiIssue['labels'][number];

export const issueSummaryShape = z.object({
  repository: z.string().describe('owner/name'),
  number: z.number().int(),
  title: z.string(),
  state: z.string().describe('open or closed'),
  stateReason: z.string().nullable(),
  author: z.string().nullable(),
  labels: z.array(z.string()),
  assignees: z.array(z.string()),
  comments: z.number().int(),
  isPullRequest: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
  closedAt: z.string().nullable(),
  url: z.string().describe('The issue on GitHub (html_url)'),
});
export type IssueSummary = z.infer<typeof issueSummaryShape>;

export const issueShape = issueSummaryShape.extend({
  body: z.string().nullable(),
  locked: z.boolean(),
  milestone: z.string().nullable(),
});
export type Issue = z.infer<typeof issueShape>;

export const commentShape = z.object({
  id: z.number().int(),
  author: z.string().nullable(),
  body: z.string(),
  truncated: z.boolean().describe(`Whether the body was cut at ${COMMENT_EXCERPT_MAX} characters`),
  createdAt: z.string(),
  updatedAt: z.string(),
  url: z.string(),
});
export type Comment = z.infer<typeof commentShape>;

function labelName(label: ApiLabel): string {
  return typeof label === 'string' ? label : (label.name ?? '');
}

/** `https://host/api/v3/repos/acme/widgets` -> `acme/widgets` (GitHub sends the repository only as a URL). */
export function repositoryOf(repositoryUrl: string): string {
  const m = /\/repos\/([^/]+)\/([^/]+)\/?$/.exec(repositoryUrl);
  return m ? `${decodeURIComponent(m[1])}/${decodeURIComponent(m[2])}` : '';
}

export function toSummary(i: ApiIssue): IssueSummary {
  return {
    repository: repositoryOf(i.repository_url),
    number: i.number,
    title: i.title,
    state: i.state,
    stateReason: i.state_reason ?? null,
    author: i.user?.login ?? null,
    labels: i.labels.map(labelName).filter(Boolean),
    assignees: (i.assignees ?? []).map((a) => a.login),
    comments: i.comments,
    isPullRequest: i.pull_request != null,
    createdAt: i.created_at,
    updatedAt: i.updated_at,
    closedAt: i.closed_at,
    url: i.html_url,
  };
}

export function toIssue(i: ApiIssue): Issue {
  return { ...toSummary(i), body: i.body ?? null, locked: i.locked ?? false, milestone: i.milestone?.title ?? null };
}

export function toComment(c: ApiComment): Comment {
  const body = c.body ?? '';
  return {
    id: c.id,
    author: c.user?.login ?? null,
    body: cut(body, COMMENT_EXCERPT_MAX),
    truncated: body.length > COMMENT_EXCERPT_MAX,
    createdAt: c.created_at,
    updatedAt: c.updated_at,
    url: c.html_url,
  };
}

/** The first `max` UTF-16 units of `s`, never ending inside a surrogate pair. */
export function cut(s: string, max: number): string {
  if (s.length <= max) return s;
  const code = s.charCodeAt(max - 1);
  return s.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** No NUL and no unpaired surrogate: text GitHub can store and show as given. */
export function isCleanText(s: string): boolean {
  return !s.includes('\u0000') && !LONE_SURROGATE.test(s);
}
