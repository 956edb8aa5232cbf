import { DomainError } from '../common/errors/domain-error.js';
import { mapGithubError } from './github-errors.js';

/** An Octokit RequestError as it reaches the mapping: an Error with status and response. */
function failure(status: number, data: unknown, headers: Record<string, string> = {}): Error {
  return Object.assign(new Error(typeof data === 'object' && data && 'message' in data ? String(data.message) : 'failed'), {
    status,
    response: { status, headers, data },
  });
}

const NOW = Date.parse('2025-11-20T12:00:00Z');
const map = (e: unknown) => mapGithubError(e, 'acme/api#7', NOW);

describe('mapGithubError', () => {
  it('401: sign in again', () => {
    expect(map(failure(401, { message: 'Bad credentials' }))).toMatchObject({
      code: 'unauthenticated',
      message: expect.stringMatching(/Sign in to this server again/),
    });
  });

  it('primary rate limit (403, x-ratelimit-remaining 0): the reset time', () => {
    const reset = NOW / 1000 + 754;
    const e = map(failure(403, { message: 'API rate limit exceeded for user ID 1.' }, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) }));
    expect(e).toMatchObject({ code: 'rate_limited', message: 'GitHub rate limit reached. Try again after 2025-11-20T12:12:34.000Z (in 754 s).' });
  });

  it.each([403, 429])('secondary rate limit (%i) with retry-after', (status) => {
    const e = map(failure(status, { message: 'You have exceeded a secondary rate limit.' }, { 'retry-after': '30' }));
    expect(e).toMatchObject({ code: 'rate_limited', message: 'GitHub secondary rate limit reached. Try again after 2025-11-20T12:00:30.000Z (in 30 s).' });
  });

  it('secondary rate limit without headers: at least a minute, as GitHub advises', () => {
    expect(map(failure(403, { message: 'You have exceeded a secondary rate limit.' })).message).toContain('(in 60 s)');
    expect(map(failure(429, { message: 'Too many' })).message).toContain('(in 60 s)');
  });

  it('a GitHub App permission GitHub says is missing, by name', () => {
    const e = map(failure(403, { message: 'Resource not accessible by integration' }, { 'x-accepted-github-permissions': 'issues=write' }));
    expect(e).toMatchObject({ code: 'forbidden', message: expect.stringContaining('does not grant the "issues: write" permission') });
    expect(e.message).toContain('Sign in to this server again to grant it');
  });

  it('an OAuth scope GitHub says is missing, by name; none when one of the accepted scopes is granted', () => {
    const missing = map(failure(403, { message: 'Forbidden' }, { 'x-accepted-oauth-scopes': 'repo', 'x-oauth-scopes': 'read:user' }));
    expect(missing.message).toContain('"repo" permission');
    const granted = map(failure(403, { message: 'Must have push access' }, { 'x-accepted-oauth-scopes': 'repo', 'x-oauth-scopes': 'read:user, repo' }));
    expect(granted).toMatchObject({ code: 'forbidden', message: 'GitHub refused access to acme/api#7: Must have push access' });
  });

  it('SAML single sign-on required: where to authorise', () => {
    const e = map(
      failure(
        403,
        { message: 'Resource protected by organization SAML enforcement.' },
        { 'x-github-sso': 'required; url=https://github.com/orgs/acme/sso?authorization_request=AB' },
      ),
    );
    expect(e.message).toContain('https://github.com/orgs/acme/sso?authorization_request=AB');
  });

  it('404: not found or no access, without saying which', () => {
    expect(map(failure(404, { message: 'Not Found' }))).toMatchObject({
      code: 'not_found',
      message: 'Not found: acme/api#7 does not exist, or your GitHub account cannot access it',
    });
  });

  it("422: GitHub's message and its validation details", () => {
    const e = map(
      failure(422, {
        message: 'Validation Failed',
        errors: [{ resource: 'Label', code: 'invalid', field: 'color' }, { message: 'title is too long' }, 'plain'],
      }),
    );
    expect(e).toMatchObject({
      code: 'invalid_input',
      message: 'GitHub rejected the request for acme/api#7: Validation Failed: Label color invalid; title is too long; plain',
    });
  });

  it('5xx and network failures: unavailable, try later; never an internal error', () => {
    expect(map(failure(502, 'Bad gateway'))).toMatchObject({ code: 'unavailable', message: expect.stringContaining('HTTP 502') });
    expect(map(Object.assign(new Error('connect ECONNREFUSED'), { status: 500 }))).toMatchObject({
      code: 'unavailable',
      message: expect.stringContaining('ECONNREFUSED'),
    });
    expect(map(new TypeError('fetch failed'))).toMatchObject({ code: 'unavailable' });
    expect(map('a string')).toBeInstanceOf(DomainError);
  });

  it('keeps a DomainError as it is, and shortens and cleans what GitHub says', () => {
    const d = new DomainError('forbidden', 'x');
    expect(map(d)).toBe(d);
    const long = map(failure(422, { message: `bad\u0000\n${'y'.repeat(2000)}` }));
    expect(long.message.length).toBeLessThan(600);
    expect(long.message).not.toContain('\u0000');
    expect(long.message).not.toContain('\n');
  });
});
