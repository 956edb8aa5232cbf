import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { FakeGithubApi, type FakeCaller } from './fake-github-api.js';

export interface FakeGithubUser {
  id: number;
  login: string;
  name?: string;
  orgs?: string[];
}

interface IssuedToken {
  user: FakeGithubUser;
  scopes: string[];
  app: boolean;
  /** Epoch ms; GitHub App user tokens expire. */
  expiresAt?: number;
  expired?: boolean;
}

export interface FakeGithubOptions {
  /**
   * `oauth`: an OAuth app (tokens never expire, carry the scopes asked for).
   * `app`: a GitHub App (user-to-server tokens that expire, with single-use refresh tokens, no scopes).
   */
  mode?: 'oauth' | 'app';
}

/**
 * A small GitHub on loopback: OAuth authorize (auto-approves as `nextUser`), access_token (code and
 * refresh_token grants), /user, org membership, and the issues REST API (`api`). Every token is the
 * signed-in person's own: the API answers as that person. Reached through the same configurable URLs
 * GitHub Enterprise users set.
 */
export class FakeGithub {
  readonly clientId = 'fake-gh-client';
  readonly clientSecret = randomBytes(16).toString('hex');
  nextUser: FakeGithubUser = { id: 1001, login: 'octocat', name: 'The Octocat' };
  /** When set, the scopes granted instead of those asked for (a person who signed in before the tools existed). */
  grantScopes?: string[];
  /** GitHub App user-token lifetime (GitHub: 8 hours). */
  appTokenTtlSeconds = 28_800;
  /** Delay before answering a refresh, to widen race windows in concurrency tests. */
  refreshDelayMs = 0;
  /** Every access and refresh token issued, for "never passed through" assertions. */
  readonly issuedTokens: string[] = [];
  readonly tokenRequests: Record<string, string>[] = [];
  /** Refresh-token grants received (each is one renewal attempt). */
  readonly refreshRequests: { login?: string; accepted: boolean }[] = [];
  /** The scopes each authorize request asked for. */
  readonly requestedScopes: string[] = [];
  readonly api = new FakeGithubApi(() => this.url);
  private readonly codes = new Map<string, { user: FakeGithubUser; scopes: string[] }>();
  private readonly tokens = new Map<string, IssuedToken>();
  private readonly refreshTokens = new Map<string, { user: FakeGithubUser; used: boolean; revoked?: boolean }>();
  private readonly mode: 'oauth' | 'app';
  private server?: Server;
  url = '';

  constructor(options: FakeGithubOptions = {}) {
    this.mode = options.mode ?? 'oauth';
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  env(): Record<string, string> {
    return {
      GITHUB_CLIENT_ID: this.clientId,
      GITHUB_CLIENT_SECRET: this.clientSecret,
      GITHUB_AUTHORIZE_URL: `${this.url}/login/oauth/authorize`,
      GITHUB_TOKEN_URL: `${this.url}/login/oauth/access_token`,
      GITHUB_API_URL: `${this.url}/api/v3`,
    };
  }

  /** The access tokens issued to `login`, oldest first. */
  tokensOf(login: string): string[] {
    return [...this.tokens].filter(([, t]) => t.user.login === login).map(([token]) => token);
  }

  /** GitHub stops accepting `login`'s access tokens (as when an app token's 8 hours are up). */
  expireAccessTokens(login: string): void {
    for (const t of this.tokens.values()) if (t.user.login === login) t.expired = true;
  }

  /** GitHub refuses `login`'s refresh tokens from now on (the person revoked the app, say). */
  revokeRefreshTokens(login: string): void {
    for (const r of this.refreshTokens.values()) if (r.user.login === login) r.revoked = true;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const body = await readBody(req);
    const json = (status: number, data: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(data));
    };
    if (req.method === 'GET' && url.pathname === '/login/oauth/authorize') {
      if (url.searchParams.get('client_id') !== this.clientId) return json(400, { error: 'unknown client' });
      const asked = (url.searchParams.get('scope') ?? '').split(/[\s,]+/).filter(Boolean);
      this.requestedScopes.push(asked.join(' '));
      const code = randomBytes(10).toString('hex');
      this.codes.set(code, { user: this.nextUser, scopes: this.grantScopes ?? asked });
      const back = new URL(url.searchParams.get('redirect_uri')!);
      back.searchParams.set('code', code);
      if (url.searchParams.has('state')) back.searchParams.set('state', url.searchParams.get('state')!);
      res.writeHead(302, { location: back.toString() });
      return void res.end();
    }
    if (req.method === 'POST' && url.pathname === '/login/oauth/access_token') {
      const form = new URLSearchParams(body);
      this.tokenRequests.push(Object.fromEntries(form));
      if (form.get('client_id') !== this.clientId || form.get('client_secret') !== this.clientSecret) {
        return json(200, { error: 'incorrect_client_credentials', error_description: 'The client_id and/or client_secret passed are incorrect.' });
      }
      if (form.get('grant_type') === 'refresh_token') return this.refresh(form.get('refresh_token') ?? '', json);
      const granted = this.codes.get(form.get('code') ?? '');
      if (!granted) return json(200, { error: 'bad_verification_code' });
      this.codes.delete(form.get('code')!);
      return json(200, this.issue(granted.user, granted.scopes));
    }
    const token = (req.headers.authorization ?? '').replace(/^(token|bearer) /i, '') || undefined;
    const issued = token ? this.tokens.get(token) : undefined;
    const live = issued && !issued.expired && (issued.expiresAt === undefined || issued.expiresAt > Date.now()) ? issued : undefined;
    const user = live?.user;
    const caller: FakeCaller | undefined = live && { login: live.user.login, id: live.user.id, scopes: live.scopes, app: live.app };
    if (this.api.handle(req, res, url, caller, token, body)) return;
    if (url.pathname === '/api/v3/user') {
      if (!user) return json(401, { message: 'Bad credentials' });
      return json(200, { id: user.id, login: user.login, name: user.name ?? null });
    }
    const m = /^\/api\/v3\/user\/memberships\/orgs\/([^/]+)$/.exec(url.pathname);
    if (m) {
      if (!user) return json(401, { message: 'Bad credentials' });
      return user.orgs?.includes(decodeURIComponent(m[1])) ? json(200, { state: 'active', role: 'member' }) : json(404, { message: 'Not Found' });
    }
    json(404, { message: 'Not Found' });
  }

  /** The token response of GitHub's OAuth apps, or of GitHub Apps (expiring, with a refresh token). */
  private issue(user: FakeGithubUser, scopes: string[]): Record<string, unknown> {
    const app = this.mode === 'app';
    const token = `${app ? 'ghu' : 'gho'}_${randomBytes(18).toString('hex')}`;
    this.tokens.set(token, { user, scopes: app ? [] : scopes, app, expiresAt: app ? Date.now() + this.appTokenTtlSeconds * 1000 : undefined });
    this.issuedTokens.push(token);
    if (!app) return { access_token: token, token_type: 'bearer', scope: scopes.join(',') };
    const refresh = `ghr_${randomBytes(30).toString('hex')}`;
    this.refreshTokens.set(refresh, { user, used: false });
    this.issuedTokens.push(refresh);
    return {
      access_token: token,
      expires_in: this.appTokenTtlSeconds,
      refresh_token: refresh,
      refresh_token_expires_in: 15_897_600,
      token_type: 'bearer',
      scope: '',
    };
  }

  /** GitHub Apps: a refresh token works once; using it again, or a revoked one, is bad_refresh_token. */
  private async refresh(refreshToken: string, json: (status: number, data: unknown) => void): Promise<void> {
    const entry = this.refreshTokens.get(refreshToken);
    if (this.refreshDelayMs) await new Promise((r) => setTimeout(r, this.refreshDelayMs));
    const accepted = !!entry && !entry.used && !entry.revoked;
    this.refreshRequests.push({ login: entry?.user.login, accepted });
    if (!accepted) {
      return json(200, {
        error: 'bad_refresh_token',
        error_description: 'The refresh token passed is incorrect or expired.',
        error_uri: 'https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/#bad-verification-code',
      });
    }
    entry.used = true;
    // The old access tokens of this person stop working once renewed.
    for (const t of this.tokens.values()) if (t.user.login === entry.user.login) t.expired = true;
    json(200, this.issue(entry.user, []));
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let data = '';
    req.on('data', (c: Buffer) => (data += c.toString()));
    req.on('end', () => resolve(data));
  });
}
