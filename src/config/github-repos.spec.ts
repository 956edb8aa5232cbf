import fc from 'fast-check';
import { AppConfig } from './app-config.js';
import { EnvironmentError, validateEnvironment } from './environment.js';
import { parseRepoPatterns, repoPatternProblems } from './github-repos.js';

const GITHUB = { GITHUB_CLIENT_ID: 'id', GITHUB_CLIENT_SECRET: 'secret' };

describe('GITHUB_REPOS', () => {
  it('accepts owner/name and owner/* lists, spaces and a trailing comma included', () => {
    for (const value of ['', 'acme/api', 'acme/api, acme-labs/*', ' octo_emu/my.repo-1 ,', 'a/b,c/d,e/*']) expect(repoPatternProblems(value)).toEqual([]);
    expect(parseRepoPatterns(' Acme/API , acme-labs/* ')).toEqual([
      { owner: 'acme', name: 'api' },
      { owner: 'acme-labs', name: '*' },
    ]);
  });

  it.each(['acme', 'acme/', '/api', 'acme/api/x', '*/api', '-acme/api', 'acme/..', 'acme/.', 'ac me/api', 'acme/a?b', 'acme/*x', 'acme/ap\u0000i'])(
    'refuses %j, naming the entry and the expected form',
    (entry) => {
      const problems = repoPatternProblems(`ok/fine,${entry}`);
      expect(problems).toHaveLength(1);
      expect(problems[0]).toContain(JSON.stringify(entry.trim()));
      expect(problems[0]).toContain('owner/name or owner/*');
    },
  );

  it('is validated at boot with the other settings', () => {
    let error: unknown;
    try {
      validateEnvironment({ ...GITHUB, GITHUB_REPOS: 'acme', PORT: 'x' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EnvironmentError);
    expect([...new Set((error as EnvironmentError).problems.map((p) => p.split(':')[0]))].sort()).toEqual(['GITHUB_REPOS', 'PORT']);
  });

  it('never throws on any input, and what it accepts parses to lower-case owner/name pairs', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (value) => {
        const problems = repoPatternProblems(value);
        if (problems.length === 0) {
          for (const p of parseRepoPatterns(value)) {
            expect(p.owner).toMatch(/^[a-z0-9][a-z0-9_-]*$/);
            expect(p.name === '*' || /^[a-z0-9._-]+$/.test(p.name)).toBe(true);
          }
        }
      }),
    );
  });
});

describe('GitHub OAuth scopes (one place: AppConfig)', () => {
  it('asks for read:user and repo by default', () => {
    expect(AppConfig.from(GITHUB).github).toMatchObject({ signInScopes: ['read:user', 'repo'], toolsScope: 'repo', repos: [] });
  });

  it('asks for public_repo with GITHUB_TOOLS_PUBLIC_ONLY, and read:org with an organisation allow-list', () => {
    const config = AppConfig.from({ ...GITHUB, GITHUB_TOOLS_PUBLIC_ONLY: 'true', ALLOWED_GITHUB_ORG: 'acme' });
    expect(config.github).toMatchObject({ signInScopes: ['read:user', 'read:org', 'public_repo'], toolsScope: 'public_repo' });
  });

  it('enables the GitHub tools only with GitHub sign-in (not with the dev sign-in, nor with an external authorization server)', () => {
    expect(AppConfig.from(GITHUB).githubTools).toBe(true);
    expect(AppConfig.from({ GITHUB_REPOS: 'acme/*' }).githubTools).toBe(false);
    const external = { AUTH_MODE: 'external', EXTERNAL_ISSUER: 'http://127.0.0.1:8080' };
    expect(AppConfig.from(external).githubTools).toBe(false);
    // An external authorization server signs people in: a GitHub app there is refused at boot.
    expect(() => AppConfig.from({ ...GITHUB, ...external })).toThrow(/GITHUB_CLIENT_ID: has no effect with AUTH_MODE=external/);
  });
});
