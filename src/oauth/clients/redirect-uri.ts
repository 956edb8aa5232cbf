import { isStorableText } from '../../common/text.js';
import { isLoopbackHost } from '../../config/app-config.js';

/**
 * OAuth 2.1 §2.3.1 / RFC 8252 §7.3 / MCP security best practices: redirect URIs are https, or http on a
 * loopback host; no fragment, no userinfo. Returns the problem, or undefined when the URI is acceptable.
 */
export function redirectUriProblem(uri: unknown): string | undefined {
  if (typeof uri !== 'string' || uri.length === 0 || uri.length > 2000) return 'must be a non-empty string';
  // SECURITY 36: stored as given, so no NUL or unpaired surrogate; no spaces or controls in a URI (RFC 3986 §2).
  if (!isStorableText(uri) || /[\s\p{Cc}]/u.test(uri)) return 'must not contain spaces, control characters or unpaired surrogates';
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
 * redirect URIs the port may differ (RFC 8252 §7.3). The comparison is on the raw strings (with
 * only the port taken out), so case, dot segments, fragments or extra query never match.
 */
export function redirectUriMatches(registered: readonly string[], requested: string): boolean {
  if (registered.includes(requested)) return true;
  if (requested.includes('#') || redirectUriProblem(requested)) return false;
  const loose = withoutLoopbackPort(requested);
  return loose !== undefined && registered.some((r) => withoutLoopbackPort(r) === loose);
}

/** "http://127.0.0.1:8123/cb" -> "http://127.0.0.1/cb"; undefined for anything but http on a loopback host. */
function withoutLoopbackPort(uri: string): string | undefined {
  const m = /^http:\/\/([^/?#:@]+|\[[^\]]+\])(:\d{1,5})?([/?].*)?$/.exec(uri);
  if (!m || !isLoopbackHost(m[1])) return undefined;
  return `http://${m[1]}${m[3] ?? ''}`;
}
