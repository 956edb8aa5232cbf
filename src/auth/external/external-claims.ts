import { PRIVILEGED_SCOPES } from '../scope-registry.service.js';

type Claims = Record<string, unknown>;

const MAX_VALUES = 100;
const MAX_VALUE_LENGTH = 200;

/** The value at a claim name, or a dotted path (`realm_access.roles`); own properties only. */
export function claimAt(claims: Claims, path: string): unknown {
  // A claim whose name itself contains dots (e.g. "https://example.com/roles") is read whole.
  if (Object.hasOwn(claims, path)) return claims[path];
  let current: unknown = claims;
  for (const key of path.split('.')) {
    if (typeof current !== 'object' || current === null || Array.isArray(current) || !Object.hasOwn(current, key)) return undefined;
    current = (current as Claims)[key];
  }
  return current;
}

/** An identifier without control characters (Unicode Cc), 1-255 characters, or undefined. */
export function identifier(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 && value.length <= 255 && !/\p{Cc}/u.test(value) ? value : undefined;
}

/** A claim read as a list of strings: a space-separated string or an array of strings (others dropped). */
export function claimValues(value: unknown): string[] {
  const raw = typeof value === 'string' ? value.split(' ') : Array.isArray(value) ? value : [];
  const out: string[] = [];
  for (const v of raw) {
    if (typeof v === 'string' && v.length > 0 && v.length <= MAX_VALUE_LENGTH && !out.includes(v)) out.push(v);
    if (out.length >= MAX_VALUES) break;
  }
  return out;
}

/**
 * The scopes a company authorization server granted: the configured claim (RFC 9068 `scope` by
 * default), plus `scp` (Entra ID, Okta) and `roles` (app roles). Privileged scopes never come from
 * the token: `admin` is granted only by the configured admin claim (SECURITY 35).
 */
export function grantedScopes(claims: Claims, scopeClaim: string, admin: { claim: string; value: string } | undefined): Set<string> {
  const scopes = new Set([...claimValues(claimAt(claims, scopeClaim)), ...claimValues(claims.scp), ...claimValues(claims.roles)]);
  for (const s of PRIVILEGED_SCOPES) scopes.delete(s);
  if (admin && hasClaimValue(claims, admin.claim, admin.value)) scopes.add('admin');
  return scopes;
}

/** Whether the claim (path) equals the value, or is a list (array or space-separated) that holds it. */
export function hasClaimValue(claims: Claims, path: string, value: string): boolean {
  const v = claimAt(claims, path);
  if (v === value) return true;
  if (typeof v === 'boolean' || typeof v === 'number') return String(v) === value;
  if (Array.isArray(v)) return v.includes(value);
  return typeof v === 'string' && v.split(' ').includes(value);
}

/** The client the token was issued to: `client_id` (RFC 9068), `azp` (OIDC), `cid` (Okta), `appid` (Entra v1). */
export function clientIdOf(claims: Claims): string | undefined {
  for (const k of ['client_id', 'azp', 'cid', 'appid']) {
    const v = identifier(claims[k]);
    if (v) return v;
  }
  return undefined;
}

/**
 * A display login for logs and the admin API; never a key (users are keyed by issuer and subject).
 * It always holds an `@` (an email, or name@issuer-host), so it can never be mistaken for a GitHub
 * login in ADMIN_GITHUB_LOGINS.
 */
export function displayLogin(claims: Claims, subject: string, issuer: string): string {
  let name = subject;
  for (const k of ['preferred_username', 'email', 'username', 'upn']) {
    const v = identifier(claims[k]);
    if (v) {
      name = v;
      break;
    }
  }
  return name.includes('@') ? name : `${name}@${new URL(issuer).host}`;
}

export function displayName(claims: Claims): string | null {
  return identifier(claims.name) ?? null;
}
