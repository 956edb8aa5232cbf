/** A GitHub owner (user or organisation; Enterprise Managed Users have `_suffix` logins). */
export const GITHUB_OWNER = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/;
/** A repository name; `.` and `..` are not names. */
export const GITHUB_REPO_NAME = /^[A-Za-z0-9._-]{1,100}$/;

export function isRepoName(name: string): boolean {
  return GITHUB_REPO_NAME.test(name) && name !== '.' && name !== '..';
}

/** One GITHUB_REPOS entry: `owner/name`, or `owner/*` for every repository of the owner. Compared case-insensitively, as GitHub does. */
export interface RepoPattern {
  owner: string;
  /** `*` for any repository of the owner. */
  name: string;
}

function entries(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** What is wrong with a GITHUB_REPOS value ([] when it is fine). */
export function repoPatternProblems(value: string): string[] {
  return entries(value)
    .filter((entry) => {
      const [owner, name, ...rest] = entry.split('/');
      return rest.length > 0 || !owner || !GITHUB_OWNER.test(owner) || name === undefined || (name !== '*' && !isRepoName(name));
    })
    .map((entry) => `${JSON.stringify(entry)} is not owner/name or owner/* (example: GITHUB_REPOS=acme/api,acme-labs/*)`);
}

/** Parses a GITHUB_REPOS value already checked by repoPatternProblems. */
export function parseRepoPatterns(value: string): RepoPattern[] {
  return entries(value).map((entry) => {
    const [owner, name] = entry.split('/');
    return { owner: owner.toLowerCase(), name: name.toLowerCase() };
  });
}
