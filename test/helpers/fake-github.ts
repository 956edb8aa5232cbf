import { createServer, type IncomingMessage, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';

export interface FakeGithubUser {
  id: number;
  login: string;
  name?: string;
  orgs?: string[];
}

/**
 * A small GitHub on loopback: OAuth authorize (auto-approves as `nextUser`), access_token, /user and
 * org membership. Reached through the same configurable URLs GitHub Enterprise users set.
 */
export class FakeGithub {
  readonly clientId = 'fake-gh-client';
  readonly clientSecret = randomBytes(16).toString('hex');
  nextUser: FakeGithubUser = { id: 1001, login: 'octocat', name: 'The Octocat' };
  /** Every access token issued, for "never passed through" assertions. */
  readonly issuedTokens: string[] = [];
  readonly tokenRequests: Record<string, string>[] = [];
  private readonly codes = new Map<string, FakeGithubUser>();
  private readonly tokens = new Map<string, FakeGithubUser>();
  private server?: Server;
  url = '';

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

  private async handle(req: IncomingMessage, res: import('node:http').ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'GET' && url.pathname === '/login/oauth/authorize') {
      if (url.searchParams.get('client_id') !== this.clientId) return json(400, { error: 'unknown client' });
      const code = randomBytes(10).toString('hex');
      this.codes.set(code, this.nextUser);
      const back = new URL(url.searchParams.get('redirect_uri')!);
      back.searchParams.set('code', code);
      if (url.searchParams.has('state')) back.searchParams.set('state', url.searchParams.get('state')!);
      res.writeHead(302, { location: back.toString() });
      return void res.end();
    }
    if (req.method === 'POST' && url.pathname === '/login/oauth/access_token') {
      const body = new URLSearchParams(await readBody(req));
      this.tokenRequests.push(Object.fromEntries(body));
      const user = this.codes.get(body.get('code') ?? '');
      if (!user || body.get('client_secret') !== this.clientSecret) return json(200, { error: 'bad_verification_code' });
      this.codes.delete(body.get('code')!);
      const token = `gho_${randomBytes(18).toString('hex')}`;
      this.tokens.set(token, user);
      this.issuedTokens.push(token);
      return json(200, { access_token: token, token_type: 'bearer', scope: 'read:user' });
    }
    const user = this.tokens.get((req.headers.authorization ?? '').replace(/^(token|bearer) /i, ''));
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
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let data = '';
    req.on('data', (c: Buffer) => (data += c.toString()));
    req.on('end', () => resolve(data));
  });
}
