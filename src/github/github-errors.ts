import { DomainError } from '../common/errors/domain-error.js';
import { cut } from './github-issue.js';

const MESSAGE_MAX = 500;
/** GitHub: without retry-after or x-ratelimit-reset on a secondary limit, wait at least a minute. */
const SECONDARY_FALLBACK_SECONDS = 60;

/** The parts of an Octokit RequestError this mapping reads (duck-typed: no dependency on its class). */
interface GithubFailure {
  status: number;
  message: string;
  response?: { headers?: Record<string, string | number | undefined>; data?: unknown };
}

export function isGithubFailure(e: unknown): e is GithubFailure {
  return e instanceof Error && typeof (e as Partial<GithubFailure>).status === 'number';
}

/** Signing in again fixes it: the upstream token was revoked, expired without renewal, or never stored. */
export function signInAgain(reason: string): DomainError {
  return new DomainError('unauthenticated', `${reason}. Sign in to this server again (your MCP client's sign-in) to renew your GitHub access.`);
}

/** The person's GitHub sign-in lacks a permission the tools need; a new sign-in asks for it. */
export function missingPermission(permission: string): DomainError {
  return new DomainError(
    'forbidden',
    `Your GitHub sign-in does not grant the "${permission}" permission this tool needs. Sign in to this server again to grant it.`,
  );
}

/**
 * Maps a failed GitHub call to a tool error the caller can act on (never an internal error):
 * 401 sign in again; 403/429 rate limits with the time to retry; a missing permission by name;
 * 404 "not found or no access" without saying which; 422 with GitHub's own message; 5xx unavailable.
 * `what` names the object (`acme/api#12`), `now` is for tests.
 */
export function mapGithubError(e: unknown, what: string, now = Date.now()): DomainError {
  if (e instanceof DomainError) return e;
  if (!isGithubFailure(e)) return new DomainError('unavailable', `GitHub could not be reached (${short(errorText(e))}); try again later`);
  const headers = e.response?.headers ?? {};
  const header = (name: string) => (headers[name] === undefined ? undefined : String(headers[name]));
  const message = githubMessage(e);
  switch (true) {
    case e.status === 401:
      return signInAgain('GitHub no longer accepts your sign-in (the token was revoked or has expired)');
    case e.status === 403 || e.status === 429: {
      const limited = rateLimit(e.status, message, header, now);
      if (limited) return limited;
      const sso = header('x-github-sso');
      if (sso) {
        const url = /url=(\S+)/.exec(sso)?.[1];
        return new DomainError(
          'forbidden',
          `Your organisation requires single sign-on (SAML) for GitHub access${url ? `: authorise it at ${url}` : ''}, then try again`,
        );
      }
      const appPermission = header('x-accepted-github-permissions');
      if (appPermission) return missingPermission(appPermission.replaceAll('=', ': '));
      const accepted = list(header('x-accepted-oauth-scopes'));
      const granted = list(header('x-oauth-scopes'));
      if (accepted.length && header('x-oauth-scopes') !== undefined && !accepted.some((s) => granted.includes(s)))
        return missingPermission(accepted.join(' or '));
      return new DomainError('forbidden', `GitHub refused access to ${what}: ${message}`);
    }
    // GitHub answers 404 both for what does not exist and for what the person may not see.
    case e.status === 404:
      return new DomainError('not_found', `Not found: ${what} does not exist, or your GitHub account cannot access it`);
    case e.status === 410:
      return new DomainError('not_found', `Gone: ${what} (${message})`);
    case e.status === 422:
      return new DomainError('invalid_input', `GitHub rejected the request for ${what}: ${message}`);
    case e.status >= 400 && e.status < 500:
      return new DomainError('invalid_input', `GitHub refused the request for ${what} (HTTP ${e.status}): ${message}`);
    default:
      return new DomainError(
        'unavailable',
        `GitHub is unavailable right now (${e.status >= 500 && e.response ? `HTTP ${e.status}` : short(e.message)}); try again later`,
      );
  }
}

function rateLimit(status: number, message: string, header: (name: string) => string | undefined, now: number): DomainError | undefined {
  const retryAfter = Number(header('retry-after'));
  const remaining = header('x-ratelimit-remaining');
  const reset = Number(header('x-ratelimit-reset'));
  const secondary = /secondary rate limit|abuse/i.test(message);
  let at: number | undefined;
  if (Number.isFinite(retryAfter) && retryAfter >= 0 && header('retry-after') !== undefined) at = now + retryAfter * 1000;
  else if (remaining === '0' && Number.isFinite(reset) && reset > 0) at = reset * 1000;
  else if (secondary || status === 429) at = now + SECONDARY_FALLBACK_SECONDS * 1000;
  if (at === undefined) return undefined;
  const seconds = Math.max(0, Math.ceil((at - now) / 1000));
  const kind = secondary ? 'secondary rate limit' : 'rate limit';
  return new DomainError('rate_limited', `GitHub ${kind} reached. Try again after ${new Date(at).toISOString()} (in ${seconds} s).`);
}

/** GitHub's message plus its validation details (`Validation Failed: Label color is invalid`), shortened. */
function githubMessage(e: GithubFailure): string {
  const data = e.response?.data as { message?: unknown; errors?: unknown } | undefined;
  if (!data || typeof data !== 'object' || typeof data.message !== 'string') return short(e.message);
  const details = Array.isArray(data.errors)
    ? data.errors
        .map((d: unknown) =>
          typeof d === 'string'
            ? d
            : d && typeof d === 'object'
              ? [d as Record<string, unknown>]
                  .map((x) => (typeof x.message === 'string' ? x.message : [x.resource, x.field, x.code].filter((v) => typeof v === 'string').join(' ')))
                  .join('')
              : '',
        )
        .filter(Boolean)
    : [];
  return short(details.length ? `${data.message}: ${details.join('; ')}` : data.message);
}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function short(text: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what this removes
  const clean = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return clean.length > MESSAGE_MAX ? `${cut(clean, MESSAGE_MAX)}…` : clean;
}
