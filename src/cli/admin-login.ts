import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { safeEqual } from '../common/crypto.js';
import { AppConfig } from '../config/app-config.js';
import { ADMIN_CLI_CLIENT_ID, FIRST_PARTY_SCOPE } from '../common/first-party-clients.js';
import { parseCliArgs } from './cli-args.js';
import { note, writeResult } from './cli-output.js';

const USAGE = 'Usage: npm run -s admin:login [-- --url https://mcp.example.com] [--timeout <seconds>]';
const HTTP_TIMEOUT_MS = 10_000;

/** A problem the person can act on: printed as is, exit code 1. */
class LoginError extends Error {}

interface AuthorizationServer {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  code_challenge_methods_supported?: string[];
  authorization_response_iss_parameter_supported?: boolean;
}

/**
 * `npm run admin:login`: an OAuth 2.1 public client for the first admin token. It discovers the
 * server (RFC 9728, RFC 8414), uses the server's own pre-registered client (no dynamic registration,
 * so DCR_ENABLED=false works), listens on a loopback port (RFC 8252 §7.3), prints the URL to open,
 * and exchanges the code with PKCE (S256). Only the access token goes to stdout.
 */
async function main(): Promise<void> {
  const args = parseCliArgs({ url: { type: 'string' }, timeout: { type: 'string', default: '300' }, help: { type: 'boolean', default: false } });
  if (args.help) throw new LoginError(USAGE);
  const timeoutSeconds = Number(args.timeout);
  if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1 || timeoutSeconds > 3600)
    throw new LoginError('--timeout must be a whole number of seconds from 1 to 3600');
  const base = serverUrl(args.url);

  const { resource, as } = await discover(base);
  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(32).toString('base64url');
  const callback = await listenForCallback(state, as.issuer, timeoutSeconds * 1000);
  try {
    const authorize = new URL(as.authorization_endpoint);
    authorize.search = new URLSearchParams({
      response_type: 'code',
      client_id: ADMIN_CLI_CLIENT_ID,
      redirect_uri: callback.redirectUri,
      scope: FIRST_PARTY_SCOPE,
      state,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256', // OAuth 2.1 §4.1.1: PKCE, S256 only
      resource, // RFC 8707: a token for this server's resource only
    }).toString();
    note(`Open this URL in your browser and sign in as an administrator:\n\n  ${authorize.toString()}\n`);
    note(`Waiting for the sign-in on ${callback.redirectUri} (at most ${timeoutSeconds} s; Ctrl-C to stop)...`);
    const code = await callback.code;
    const token = await exchange(as, code, callback.redirectUri, verifier, resource);
    await writeResult(token.access_token);
    note(`Admin token for ${base}, valid ${token.expires_in ?? '?'} s. Use it as: Authorization: Bearer $ADMIN_TOKEN`);
  } finally {
    callback.close();
  }
}

/** --url, else the PUBLIC_URL of the local settings (.env, the environment, or the server running with this DATA_DIR). */
function serverUrl(given: string | undefined): string {
  let url = given;
  if (url === undefined) {
    try {
      url = AppConfig.forLocalServer().config.publicUrl;
    } catch (e) {
      throw new LoginError(`Give the server with --url (its PUBLIC_URL): the local settings are not usable (${(e as Error).message.split('\n')[0]})`);
    }
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new LoginError(`--url ${JSON.stringify(url)} is not an absolute URL such as https://mcp.example.com`);
  }
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/.test(parsed.hostname))) {
    throw new LoginError(`--url must use https (http only for localhost): ${url}`);
  }
  return `${parsed.origin}${parsed.pathname}`.replace(/\/+$/, '').replace(/\/mcp$/, '');
}

/** RFC 9728 protected-resource metadata of `${base}/mcp`, then RFC 8414 metadata of its authorization server. */
async function discover(base: string): Promise<{ resource: string; as: AuthorizationServer }> {
  const { origin, pathname } = new URL(base);
  const path = pathname.replace(/\/$/, '');
  const resourceMeta = await getJson<{ resource?: unknown; authorization_servers?: unknown }>(
    `${origin}/.well-known/oauth-protected-resource${path}/mcp`,
    base,
  );
  const resource = `${base}/mcp`;
  // RFC 9728 §3.3: the metadata must be about the resource it was asked for.
  if (resourceMeta.resource !== resource)
    throw new LoginError(`${base} is not this kind of server: its protected-resource metadata names ${String(resourceMeta.resource)}`);
  const issuers = Array.isArray(resourceMeta.authorization_servers) ? (resourceMeta.authorization_servers as unknown[]) : [];
  if (!issuers.includes(base)) {
    throw new LoginError(
      `${base} accepts tokens of another authorization server (${issuers.map(String).join(', ') || 'none named'}; AUTH_MODE=external): ` +
        'get a token with the admin claim from it, or use an API key',
    );
  }
  // RFC 8414 §3.1: the well-known segment goes before the issuer's path; the server also answers under its path.
  const candidates = [`${origin}/.well-known/oauth-authorization-server${path}`, ...(path ? [`${base}/.well-known/oauth-authorization-server`] : [])];
  let as: AuthorizationServer | undefined;
  for (const [i, url] of candidates.entries()) {
    try {
      as = await getJson<AuthorizationServer>(url, base);
      break;
    } catch (e) {
      if (i === candidates.length - 1) throw e;
    }
  }
  // RFC 8414 §3.3: the issuer in the metadata must be the one it was fetched for.
  if (as!.issuer !== base)
    throw new LoginError(`The authorization server metadata of ${base} names another issuer (${String(as!.issuer)}); refusing to continue`);
  if (!as!.code_challenge_methods_supported?.includes('S256')) throw new LoginError(`${base} does not support PKCE with S256`);
  return { resource, as: as! };
}

async function getJson<T>(url: string, base: string): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(HTTP_TIMEOUT_MS), redirect: 'error', headers: { accept: 'application/json' } });
  } catch (e) {
    const reason = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message;
    throw new LoginError(`Cannot reach the server at ${base} (${reason}). Is it running? Give its PUBLIC_URL with --url (or run with its PORT/PUBLIC_URL).`);
  }
  if (res.status !== 200) throw new LoginError(`${url} answered HTTP ${res.status}: is ${base} a secure-mcp-server (its PUBLIC_URL)?`);
  const body = (await res.json().catch(() => undefined)) as T | undefined;
  if (typeof body !== 'object' || body === null) throw new LoginError(`${url} did not answer JSON`);
  return body;
}

interface Callback {
  redirectUri: string;
  code: Promise<string>;
  close(): void;
}

/**
 * A one-shot loopback listener (RFC 8252 §7.3) for the authorization response. Answers with the right
 * `state` only count (others get 400 and the wait goes on, so a stray request cannot end it); `iss`
 * must be the issuer (RFC 9207 §2.4).
 */
async function listenForCallback(state: string, issuer: string, timeoutMs: number): Promise<Callback> {
  let settle!: { resolve: (code: string) => void; reject: (e: Error) => void };
  const code = new Promise<string>((resolve, reject) => (settle = { resolve, reject }));
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method !== 'GET' || url.pathname !== '/callback') return page(res, 404, 'Not found.');
    const q = url.searchParams;
    if (q.getAll('state').length !== 1 || !safeEqual(q.get('state')!, state))
      return page(res, 400, 'This sign-in answer is not for this login (state does not match).');
    if (q.get('iss') !== issuer) {
      page(res, 400, 'The answer came from an unexpected authorization server.');
      return settle.reject(new LoginError(`The authorization response came from ${q.get('iss') ?? 'an unnamed issuer'}, not ${issuer} (RFC 9207): refused`));
    }
    const error = q.get('error');
    if (error) {
      const description = q.get('error_description') ?? '';
      page(res, 200, `Not signed in: ${description || error}. You can close this tab.`);
      return settle.reject(new LoginError(describeRefusal(error, description)));
    }
    const received = q.get('code');
    if (!received) return page(res, 400, 'The answer carries no code.');
    page(res, 200, 'Signed in. You can close this tab and go back to the terminal.');
    settle.resolve(received);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const timer = setTimeout(
    () =>
      settle.reject(new LoginError(`Timed out after ${timeoutMs / 1000} s waiting for the sign-in; run npm run admin:login again (--timeout to wait longer)`)),
    timeoutMs,
  );
  code.catch(() => undefined).finally(() => clearTimeout(timer));
  return {
    redirectUri: `http://127.0.0.1:${(server.address() as AddressInfo).port}/callback`,
    code,
    close: () => {
      clearTimeout(timer);
      server.closeAllConnections();
      server.close();
    },
  };
}

function describeRefusal(error: string, description: string): string {
  if (error === 'access_denied' && /administrators/i.test(description)) {
    return `Not an administrator: the server refused the admin scope (${description}). An administrator's login must be in ADMIN_GITHUB_LOGINS (or their group in ADMIN_GROUPS).`;
  }
  if (error === 'access_denied') return `Sign-in refused: ${description || 'access_denied'}`;
  return `The authorization server answered ${error}${description ? `: ${description}` : ''}`;
}

function page(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', connection: 'close' });
  res.end(`${text}\n`);
}

async function exchange(
  as: AuthorizationServer,
  code: string,
  redirectUri: string,
  verifier: string,
  resource: string,
): Promise<{ access_token: string; expires_in?: number }> {
  let res: Response;
  try {
    res = await fetch(as.token_endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: redirectUri,
        client_id: ADMIN_CLI_CLIENT_ID,
        code_verifier: verifier,
        resource,
      }),
      signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
      redirect: 'error',
    });
  } catch (e) {
    throw new LoginError(`Cannot reach the token endpoint ${as.token_endpoint}: ${(e as Error).message}`);
  }
  const body = (await res.json().catch(() => ({}))) as {
    access_token?: unknown;
    scope?: unknown;
    expires_in?: number;
    error?: string;
    error_description?: string;
  };
  if (res.status !== 200 || typeof body.access_token !== 'string') {
    throw new LoginError(
      `The token endpoint refused the code: ${body.error ?? `HTTP ${res.status}`}${body.error_description ? ` (${body.error_description})` : ''}`,
    );
  }
  const scopes = typeof body.scope === 'string' ? body.scope.split(' ') : [];
  if (!scopes.includes(FIRST_PARTY_SCOPE)) throw new LoginError('Not an administrator: the token was issued without the admin scope');
  return { access_token: body.access_token, expires_in: body.expires_in };
}

process.once('SIGINT', () => {
  note('Stopped.');
  process.exit(130);
});

main().catch((e: unknown) => {
  note(e instanceof LoginError ? e.message : `admin:login failed: ${(e as Error).message}`);
  process.exit(1);
});
