import { createServer, type Server } from 'node:http';
import { strictFake } from '../../test/factories/strict-fake.factory.js';
import { RequestContextService } from '../common/context/request-context.service.js';
import { DomainError } from '../common/errors/domain-error.js';
import { AppConfig } from '../config/app-config.js';
import type { UpstreamCredential, UpstreamTokensService } from '../users/upstream-tokens.service.js';
import { GithubTokenService } from './github-token.service.js';

const USER = '00000000-0000-4000-8000-0000000000aa';

function credential(overrides: Partial<UpstreamCredential> = {}): UpstreamCredential {
  return {
    userId: USER,
    accessToken: 'ghu_old',
    scope: '',
    accessExpiresAt: new Date(Date.now() - 1000),
    refreshable: true,
    refreshExpiresAt: new Date(Date.now() + 86_400_000),
    version: 3,
    ...overrides,
  };
}

/** GithubTokenService against a strict fake token store and a loopback token endpoint. */
describe('GithubTokenService', () => {
  let server: Server;
  let tokenUrl = '';
  /** What the token endpoint answers next: a JSON body, or an HTTP status with no JSON. */
  let answer: { status: number; body?: unknown; delayMs?: number };
  const requests: URLSearchParams[] = [];
  const context = new RequestContextService();

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        requests.push(new URLSearchParams(body));
        setTimeout(() => res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body ?? {})), answer.delayMs ?? 0);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    tokenUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}/login/oauth/access_token`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  beforeEach(() => {
    requests.length = 0;
    answer = { status: 200, body: { access_token: 'ghu_new', expires_in: 28800, refresh_token: 'ghr_new', refresh_token_expires_in: 15897600, scope: '' } };
  });

  function service(store: Record<string, (...args: any[]) => unknown>, log: string[]): GithubTokenService {
    const config = AppConfig.from({ GITHUB_CLIENT_ID: 'cid', GITHUB_CLIENT_SECRET: 'csecret', GITHUB_TOKEN_URL: tokenUrl });
    return new GithubTokenService(config, strictFake<UpstreamTokensService>('store', log, store), context);
  }
  const asUser = <T>(fn: () => Promise<T>) =>
    context.run('req', () => {
      context.authenticate({ principal: { userId: USER, login: 'u' }, clientId: 'c', scopes: new Set() });
      return fn();
    });
  async function rejection(p: Promise<unknown>): Promise<DomainError> {
    const e = await p.then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(DomainError);
    return e as DomainError;
  }

  it('returns a token that is not about to expire without renewing it', async () => {
    const log: string[] = [];
    const fresh = credential({ accessExpiresAt: new Date(Date.now() + 3_600_000) });
    const tokens = service({ find: async () => fresh }, log);
    expect(await asUser(() => tokens.current())).toBe(fresh);
    const oauthToken = credential({ accessExpiresAt: null, refreshable: false });
    expect(await asUser(() => service({ find: async () => oauthToken }, log).current())).toBe(oauthToken);
    expect(requests).toHaveLength(0);
  });

  it('says to sign in again when nothing is stored', async () => {
    const e = await rejection(asUser(() => service({ find: async () => undefined }, []).current()));
    expect(e).toMatchObject({ code: 'unauthenticated', message: expect.stringContaining('no GitHub sign-in on record') });
  });

  it('renews an expiring token once for concurrent callers, spending the refresh token once', async () => {
    const log: string[] = [];
    let version = 3;
    answer.delayMs = 100;
    const tokens = service(
      {
        find: async () => (version === 3 ? credential() : credential({ accessToken: 'ghu_new', accessExpiresAt: new Date(Date.now() + 28_800_000), version })),
        claimRefresh: async () => ({ refreshToken: 'ghr_old', refreshExpiresAt: null }),
        saveRefreshed: async (_u: string, _p: string, v: number) => {
          version = v + 1;
          return true;
        },
      },
      log,
    );
    const results = await asUser(() => Promise.all(Array.from({ length: 5 }, () => tokens.current())));
    expect(results.map((r) => r.accessToken)).toEqual(Array(5).fill('ghu_new'));
    expect(requests).toHaveLength(1);
    expect(Object.fromEntries(requests[0])).toEqual({ client_id: 'cid', client_secret: 'csecret', grant_type: 'refresh_token', refresh_token: 'ghr_old' });
    expect(log.filter((l) => l.startsWith('store.claimRefresh'))).toEqual([`store.claimRefresh("${USER}", "github", 3, 30)`]);
    expect(log.filter((l) => l.startsWith('store.saveRefreshed'))).toHaveLength(1);
    // The store (UpstreamTokensService) seals what GitHub returned, for the version that was claimed.
    expect(log.find((l) => l.startsWith('store.saveRefreshed'))).toBe(
      `store.saveRefreshed("${USER}", "github", 3, {"accessToken":"ghu_new","scope":"","expiresInSeconds":28800,"refreshToken":"ghr_new","refreshTokenExpiresInSeconds":15897600})`,
    );
  });

  it('when another instance holds the claim, waits for its renewal and uses it without calling GitHub', async () => {
    const log: string[] = [];
    let reads = 0;
    const tokens = service(
      {
        claimRefresh: async () => undefined,
        find: async () =>
          ++reads < 3 ? credential() : credential({ accessToken: 'ghu_theirs', version: 4, accessExpiresAt: new Date(Date.now() + 28_800_000) }),
      },
      log,
    );
    const got = await asUser(() => tokens.renew(credential()));
    expect(got).toMatchObject({ accessToken: 'ghu_theirs', version: 4 });
    expect(requests).toHaveLength(0);
  });

  it('a refused refresh forgets the token and says to sign in again', async () => {
    const log: string[] = [];
    answer = { status: 200, body: { error: 'bad_refresh_token', error_description: 'The refresh token passed is incorrect or expired.' } };
    const tokens = service({ claimRefresh: async () => ({ refreshToken: 'ghr_old', refreshExpiresAt: null }), forget: async () => undefined }, log);
    const e = await rejection(asUser(() => tokens.renew(credential())));
    expect(e).toMatchObject({ code: 'unauthenticated', message: expect.stringMatching(/GitHub refused to renew your sign-in\. Sign in to this server again/) });
    expect(log.at(-1)).toBe(`store.forget("${USER}", "github", 3)`);
  });

  it('an expired refresh token is not sent to GitHub at all', async () => {
    const log: string[] = [];
    const tokens = service(
      { claimRefresh: async () => ({ refreshToken: 'ghr_old', refreshExpiresAt: new Date(Date.now() - 1) }), forget: async () => undefined },
      log,
    );
    expect(await rejection(asUser(() => tokens.renew(credential())))).toMatchObject({ code: 'unauthenticated' });
    expect(requests).toHaveLength(0);
  });

  it('a failing token endpoint releases the claim (another call may retry) and is reported as unavailable', async () => {
    const log: string[] = [];
    answer = { status: 502 };
    const tokens = service({ claimRefresh: async () => ({ refreshToken: 'ghr_old', refreshExpiresAt: null }), releaseClaim: async () => undefined }, log);
    expect(await rejection(asUser(() => tokens.renew(credential())))).toMatchObject({ code: 'unavailable' });
    expect(log.at(-1)).toBe(`store.releaseClaim("${USER}", "github", 3)`);
  });

  it('a token without a refresh token cannot be renewed: sign in again', async () => {
    expect(await rejection(asUser(() => service({}, []).renew(credential({ refreshable: false }))))).toMatchObject({ code: 'unauthenticated' });
  });
});
