import { AppConfig } from '../config/app-config.js';
import { DomainError } from '../common/errors/domain-error.js';
import { RepoAllowList } from './repo-allow-list.js';

const listFor = (repos: string) => new RepoAllowList(AppConfig.from({ GITHUB_CLIENT_ID: 'id', GITHUB_CLIENT_SECRET: 's', GITHUB_REPOS: repos }));

describe('RepoAllowList', () => {
  it('allows everything when GITHUB_REPOS is empty', () => {
    const list = listFor('');
    expect(list.restricted).toBe(false);
    expect(list.allows({ owner: 'any', repo: 'thing' })).toBe(true);
    expect(list.searchQualifiers()).toEqual([]);
  });

  it('matches exact names and owner wildcards, case-insensitively, and nothing else', () => {
    const list = listFor('acme/api,Labs/*');
    expect(list.allows({ owner: 'ACME', repo: 'Api' })).toBe(true);
    expect(list.allows({ owner: 'labs', repo: 'anything' })).toBe(true);
    expect(list.allows({ owner: 'acme', repo: 'api2' })).toBe(false);
    expect(list.allows({ owner: 'acme', repo: 'ap' })).toBe(false);
    expect(list.allows({ owner: 'acme-evil', repo: 'api' })).toBe(false);
    expect(list.allows({ owner: 'labs2', repo: 'x' })).toBe(false);
    expect(list.searchQualifiers()).toEqual(['repo:acme/api', 'user:labs']);
  });

  it('refuses with a tool error that names the setting', () => {
    let error: unknown;
    try {
      listFor('acme/api').check({ owner: 'other', repo: 'repo' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: 'forbidden', message: expect.stringContaining('other/repo is not in GITHUB_REPOS') });
  });
});
