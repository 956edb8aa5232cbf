import { isLoopbackHost } from '../../config/app-config.js';

/**
 * OAuth 2.1 §2.3.1 / RFC 8252 §7.3 / MCP security best practices: redirect URIs are https, or http on a
 * loopback host; no fragment, no userinfo. Returns the problem, or undefined when the URI is acceptable.
 */
export function redirectUriProblem(uri: unknown): string | undefined {
  if (typeof uri !== 'string' || uri.length === 0 || uri.length > 2000) return 'must be a non-empty string';
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return 'is not an absolute URL';
  }
  if (url.hash || uri.includes('#')) return 'must not contain a fragment';
  if (url.username || url.password) return 'must not contain user information';
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return undefined;
  return 'must use https, or http on a loopback host (localhost, 127.0.0.1, [::1])';
}

/**
 * Exact string match against a registered URI (OAuth 2.1 §4.1.3), except that for loopback
 * redirect URIs the port may differ (RFC 8252 §7.3).
 */
export function redirectUriMatches(registered: readonly string[], requested: string): boolean {
  if (registered.includes(requested)) return true;
  let req: URL;
  try {
    req = new URL(requested);
  } catch {
    return false;
  }
  if (req.protocol !== 'http:' || !isLoopbackHost(req.hostname)) return false;
  const withoutPort = (u: URL) => `${u.protocol}//${u.hostname}${u.pathname}${u.search}`;
  return registered.some((r) => {
    try {
      const reg = new URL(r);
      // Compare the raw host text too, so "LOCALHOST" or a different loopback name does not match.
      return reg.protocol === 'http:' && rawHost(r) === rawHost(requested) && withoutPort(reg) === withoutPort(req);
    } catch {
      return false;
    }
  });
}

function rawHost(uri: string): string {
  return uri.replace(/^[a-z]+:\/\//i, '').split(/[/?#]/)[0].replace(/:\d+$/, '');
}
