import { jsonOrUndefined } from './http.js';

/**
 * Requests to the authorization server's JSON/form endpoints and the shared assertions on their
 * answers: every OAuth error is JSON with an `error` code, the exact status, never a 500, and
 * never carries a token.
 */

export interface HttpResult {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON, or undefined when it is empty or not JSON. */
  json: any;
  /** The Location header, resolved against the request URL. */
  location?: string;
}

export interface BasicCredentials {
  id: string;
  secret: string;
}

/** RFC 6749 §2.3.1: id and secret are form-urlencoded, then joined with ":" and base64-encoded. */
export function basicHeader(c: BasicCredentials): string {
  const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${enc(c.id)}:${enc(c.secret)}`).toString('base64')}`;
}

async function toResult(res: Response, url: string): Promise<HttpResult> {
  const text = await res.text();
  const json: unknown = jsonOrUndefined(text);
  const location = res.headers.get('location');
  return { status: res.status, headers: res.headers, text, json, location: location ? new URL(location, url).toString() : undefined };
}

/** POST application/x-www-form-urlencoded; `undefined` fields are left out. Never follows redirects. */
export async function postForm(
  url: string,
  fields: Record<string, string | undefined>,
  opts: { basic?: BasicCredentials; headers?: Record<string, string> } = {},
): Promise<HttpResult> {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) body.append(k, v);
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    ...(opts.basic ? { authorization: basicHeader(opts.basic) } : {}),
    ...opts.headers,
  };
  const res = await fetch(url, { method: 'POST', headers, body: body.toString(), redirect: 'manual' });
  return toResult(res, url);
}

/** POST a JSON body (a string is sent as is). */
export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<HttpResult> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    redirect: 'manual',
  });
  return toResult(res, url);
}

/** GET without following redirects. */
export async function get(url: string, headers: Record<string, string> = {}): Promise<HttpResult> {
  const res = await fetch(url, { headers, redirect: 'manual' });
  return toResult(res, url);
}

/**
 * An OAuth error response (RFC 6749 §5.2, RFC 7591 §3.2.2, RFC 7009 §2.2.1, RFC 7662 §2.3): the exact
 * status and `error` code, as JSON, with no token in it. With `basicChallenge`, the 401 must carry a
 * `WWW-Authenticate: Basic ...` challenge (RFC 6749 §5.2).
 */
export function expectOAuthError(res: HttpResult, status: number, error: string, opts: { basicChallenge?: boolean } = {}): void {
  expect(res.status).not.toBe(500);
  // One comparison, so a failure shows status, code and description together.
  expect({ status: res.status, error: res.json?.error }).toEqual({ status, error });
  expect(res.headers.get('content-type') ?? '').toMatch(/^application\/json/);
  expect(typeof res.json).toBe('object');
  if (res.json.error_description !== undefined) expect(typeof res.json.error_description).toBe('string');
  expect(res.json.access_token).toBeUndefined();
  expect(res.json.refresh_token).toBeUndefined();
  expect(res.json.client_secret).toBeUndefined();
  expect(res.location).toBeUndefined();
  if (opts.basicChallenge) expect(res.headers.get('www-authenticate') ?? '').toMatch(/^Basic( |$)/i);
}

/**
 * An error the person must see (OAuth 2.1 §4.1.2.1): an HTML page with the exact status, and no
 * redirect anywhere — so no code, and nothing sent to an unverified redirect URI.
 */
export function expectErrorPage(res: { status: number; headers: Headers; text: string; location?: string }, status: number): void {
  expect(res.status).not.toBe(500);
  expect({ status: res.status, location: res.location ?? res.headers.get('location') ?? undefined }).toEqual({ status, location: undefined });
  expect(res.headers.get('content-type') ?? '').toMatch(/^text\/html/);
  expect(res.text).not.toMatch(/[?&]code=/);
}

/**
 * An error sent back to the client (OAuth 2.1 §4.1.2.1, RFC 9207): 302 to exactly the redirect URI,
 * with `error`, the client's `state` verbatim and `iss`, and no `code`.
 */
export function expectErrorRedirect(
  res: { status: number; location?: string },
  expected: { redirectUri: string; error: string; state?: string | null; iss: string },
): URL {
  expect(res.status).toBe(302);
  expect(res.location).toBeDefined();
  const url = new URL(res.location!);
  expect(`${url.origin}${url.pathname}`).toBe(expected.redirectUri);
  expect(url.searchParams.get('error')).toBe(expected.error);
  expect(url.searchParams.get('iss')).toBe(expected.iss);
  expect(url.searchParams.get('state')).toBe(expected.state ?? null);
  expect(url.searchParams.has('code')).toBe(false);
  expect(url.hash).toBe('');
  return url;
}
