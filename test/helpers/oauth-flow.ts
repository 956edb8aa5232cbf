import { createHash, randomBytes } from 'node:crypto';
import { rpcRequest } from '../factories/json-rpc.factory.js';
import { registerClient, type RegisteredClient } from '../factories/oauth-client.factory.js';
import { TestBrowser, hiddenFields } from './browser.js';
import { postForm, type BasicCredentials, type HttpResult } from './oauth-http.js';
import { uniqueLogin, type TestApp } from './test-app.js';
import { pollUntil } from './wait.js';

/** RFC 7636: a fresh code verifier (43 characters) and its S256 challenge, made by the test. */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** The authorization endpoint URL with these query parameters (`undefined` ones left out). */
export function authorizeUrl(t: TestApp, params: Record<string, string | undefined>): string {
  const url = new URL(`${t.baseUrl}/authorize`);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.append(k, v);
  return url.toString();
}

export interface AuthorizeOptions {
  /** Registered (public, loopback redirect) when absent. */
  client?: RegisteredClient;
  clientOverrides?: Record<string, unknown>;
  /** Defaults to the client's first registered redirect URI. */
  redirectUri?: string;
  /** Left out of the request when undefined. */
  scope?: string;
  /** Defaults to the MCP resource URL; `null` leaves the parameter out. */
  resource?: string | null;
  /** Defaults to a random value. */
  state?: string;
  /** The dev sign-in user name (ignored with the fake GitHub). */
  login?: string;
  /** A browser that already has cookies (a signed-in person); a new one otherwise. */
  browser?: TestBrowser;
  /** Further origins the browser follows redirects to (the fake GitHub). */
  followOrigins?: string[];
  /** Replaces or removes (`undefined`) any query parameter. */
  params?: Record<string, string | undefined>;
}

export interface ConsentStep {
  t: TestApp;
  browser: TestBrowser;
  client: RegisteredClient;
  redirectUri: string;
  /** The state sent (undefined when the request had none). */
  state: string | undefined;
  verifier: string;
  challenge: string;
  url: string;
  /** The consent page response. */
  page: { status: number; url: string; text: string; headers: Headers; location?: string };
  /** Its hidden form fields (request_id, csrf_token). */
  fields: Record<string, string>;
}

export interface Authorization extends ConsentStep {
  code: string;
  /** The final redirect back to the client. */
  callback: URL;
  login: string;
  /** The response that carried the final redirect (its Set-Cookie, for instance). */
  final: { status: number; headers: Headers; location?: string };
}

/** Starts an authorization in a (new) browser and expects the consent page. */
export async function openConsent(t: TestApp, opts: AuthorizeOptions = {}): Promise<ConsentStep> {
  const client = opts.client ?? (await registerClient(t, opts.clientOverrides));
  const browser = opts.browser ?? new TestBrowser([t.baseUrl, ...(opts.followOrigins ?? [])]);
  const redirectUri = opts.redirectUri ?? client.redirect_uris[0];
  const state = opts.params && 'state' in opts.params ? opts.params.state : (opts.state ?? randomBytes(12).toString('base64url'));
  const { verifier, challenge } = pkcePair();
  const params: Record<string, string | undefined> = {
    response_type: 'code',
    client_id: client.client_id,
    redirect_uri: redirectUri,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state,
    scope: opts.scope,
    resource: opts.resource === null ? undefined : (opts.resource ?? t.mcpUrl),
    ...opts.params,
  };
  const url = authorizeUrl(t, params);
  const page = await browser.visit(url);
  if (page.status !== 200) throw new Error(`expected the consent page, got ${page.status} ${page.location ?? ''} ${page.text.slice(0, 300)}`);
  const fields = hiddenFields(page.text);
  expect(fields.request_id).toBeTruthy();
  expect(fields.csrf_token).toBeTruthy();
  return { t, browser, client, redirectUri, state, verifier, challenge, url, page, fields };
}

/**
 * Approves the consent and signs in (dev sign-in page, or the fake GitHub when the browser follows
 * it); expects the redirect back to the client with code, the same state and iss (RFC 9207).
 */
export async function approveAndSignIn(step: ConsentStep, login = uniqueLogin('as')): Promise<Authorization> {
  const { t, browser } = step;
  let done = await browser.submit(`${t.baseUrl}/authorize/consent`, { ...step.fields, decision: 'approve' });
  if (done.status === 200 && new URL(done.url).pathname === '/auth/dev') {
    done = await browser.submit(`${t.baseUrl}/auth/dev`, { ...hiddenFields(done.text), login });
  }
  if (done.status !== 302 || !done.location) throw new Error(`expected the redirect to the client, got ${done.status} ${done.text.slice(0, 300)}`);
  const callback = new URL(done.location);
  const expectedBase = new URL(step.redirectUri);
  expect(`${callback.origin}${callback.pathname}`).toBe(`${expectedBase.origin}${expectedBase.pathname}`);
  expect(callback.searchParams.get('error')).toBeNull();
  // OAuth 2.1 §4.1.2: state exactly as sent, and none when none was sent.
  expect(callback.searchParams.getAll('state')).toEqual(step.state === undefined ? [] : [step.state]);
  expect(callback.searchParams.get('iss')).toBe(t.baseUrl);
  const code = callback.searchParams.get('code');
  expect(code).toBeTruthy();
  return { ...step, code: code!, callback, login, final: { status: done.status, headers: done.headers, location: done.location } };
}

/** The whole front channel: register (if needed), consent, sign in; returns the code and its verifier. */
export async function authorize(t: TestApp, opts: AuthorizeOptions = {}): Promise<Authorization> {
  return approveAndSignIn(await openConsent(t, opts), opts.login);
}

export interface TokenSet {
  access_token: string;
  token_type: string;
  expires_in: number;
  scope: string;
  refresh_token?: string;
}

/** POST /token with grant_type=authorization_code for `a`; each field can be overridden or removed (`undefined`). */
export function exchangeCode(t: TestApp, a: Authorization, overrides: Record<string, string | undefined> = {}, basic?: BasicCredentials): Promise<HttpResult> {
  return postForm(
    `${t.baseUrl}/token`,
    {
      grant_type: 'authorization_code',
      code: a.code,
      code_verifier: a.verifier,
      redirect_uri: a.redirectUri,
      client_id: basic ? undefined : a.client.client_id,
      resource: t.mcpUrl,
      ...overrides,
    },
    { basic },
  );
}

/** Authorization plus a successful code exchange. */
export async function signInForTokens(t: TestApp, opts: AuthorizeOptions = {}): Promise<{ auth: Authorization; tokens: TokenSet }> {
  const auth = await authorize(t, opts);
  const res = await exchangeCode(t, auth);
  if (res.status !== 200) throw new Error(`code exchange failed: ${res.status} ${res.text}`);
  return { auth, tokens: res.json as TokenSet };
}

/** POST /token with grant_type=refresh_token as the public client `clientId`. */
export function refreshWith(t: TestApp, clientId: string, refreshToken: string, extra: Record<string, string | undefined> = {}): Promise<HttpResult> {
  return postForm(`${t.baseUrl}/token`, { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: clientId, ...extra });
}

/** The HTTP status of tools/list on /mcp with this access token. */
export async function mcpStatus(t: TestApp, accessToken: string): Promise<number> {
  return (await t.rpc(rpcRequest('tools/list'), { authorization: `Bearer ${accessToken}` })).status;
}

/** Polls /mcp until the token gets `expected` (revocation reaches every instance within about a second). */
export function waitForMcpStatus(t: TestApp, accessToken: string, expected: number, timeoutMs = 1500): Promise<number> {
  return pollUntil(
    () => mcpStatus(t, accessToken),
    (s) => s === expected,
    timeoutMs,
    100,
  );
}
