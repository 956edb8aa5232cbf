import { randomBytes } from 'node:crypto';
import { ApiKeysService } from '../src/auth/api-keys/api-keys.service.js';
import { rpcRequest } from './factories/json-rpc.factory.js';
import { clientMetadata } from './factories/oauth-client.factory.js';
import { freePort } from './helpers/free-port.js';
import { RoundRobinProxy } from './helpers/round-robin-proxy.js';
import { startTestApp, uniqueLogin, type TestApp } from './helpers/test-app.js';

/**
 * Issue 4 item 3: rate limits with @nestjs/throttler. /mcp per credential, the sign-in and OAuth
 * endpoints per client IP (TRUST_PROXY decides which IP), 429 + Retry-After over the limit, and a
 * store shared by every instance when REDIS_URL is set (in memory, per instance, otherwise).
 */

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

interface Reply {
  status: number;
  headers: Headers;
  text: string;
}

async function send(url: string, init: RequestInit = {}): Promise<Reply> {
  const res = await fetch(url, { redirect: 'manual', ...init });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** tools/list on /mcp (cheap, needs only a valid token) with this Authorization header. */
function mcp(url: string, authorization: string, extra: Record<string, string> = {}): Promise<Reply> {
  return send(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization, ...extra },
    body: JSON.stringify(rpcRequest('tools/list')),
  });
}

/** A 429 as RFC 6585 §4 wants it: Retry-After in whole seconds (1..60 for a one-minute window), a JSON body, no stack trace. */
function expectTooManyRequests(res: Reply): void {
  expect(res.status).toBe(429);
  const retryAfter = res.headers.get('retry-after');
  expect(retryAfter).toMatch(/^\d+$/);
  expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
  expect(Number(retryAfter)).toBeLessThanOrEqual(60);
  expect(res.headers.get('content-type') ?? '').toMatch(/^application\/json/);
  expect(() => JSON.parse(res.text)).not.toThrow();
  expect(typeof JSON.parse(res.text)).toBe('object');
  expect(res.text).not.toMatch(/\n\s+at |\bat .+\.[cm]?[jt]s:\d+|ThrottlerException|node_modules|stack/i);
}

/** A random public IPv4 address (TEST-NET ranges) so every test has a bucket of its own. */
function fakeIp(): string {
  const b = randomBytes(2);
  return `203.0.${b[0]}.${(b[1] % 250) + 1}`;
}

const register = (t: TestApp, headers: Record<string, string> = {}) =>
  send(`${t.baseUrl}/register`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(clientMetadata()) });
/** A token request that fails (no client, no grant): still one hit in the per-IP bucket. */
const token = (t: TestApp, headers: Record<string, string> = {}) =>
  send(`${t.baseUrl}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: 'grant_type=authorization_code',
  });
/** /authorize without parameters: an error page, but a hit in the per-IP bucket. */
const authorizeHit = (t: TestApp, headers: Record<string, string> = {}) => send(`${t.baseUrl}/authorize`, { headers });

describe('rate limits on one instance (in-memory store, TRUST_PROXY=true)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMIT_MCP_PER_MINUTE: '5', RATE_LIMIT_AUTH_PER_MINUTE: '3', TRUST_PROXY: 'true' });
  });
  afterAll(async () => {
    await t.close();
  });

  describe('/mcp: per credential', () => {
    it('the 6th request with the same bearer token within a minute: 429 with Retry-After; another user is still served', async () => {
      const alice = await t.token(uniqueLogin('rl-alice'));
      const bob = await t.token(uniqueLogin('rl-bob'));
      for (let i = 1; i <= 5; i++) expect({ i, status: (await mcp(t.mcpUrl, `Bearer ${alice}`)).status }).toEqual({ i, status: 200 });
      const sixth = await mcp(t.mcpUrl, `Bearer ${alice}`);
      expectTooManyRequests(sixth);
      expectTooManyRequests(await mcp(t.mcpUrl, `Bearer ${alice}`));

      // Another credential (another user) has its own budget.
      expect((await mcp(t.mcpUrl, `Bearer ${bob}`)).status).toBe(200);
    });

    it('the per-credential limit is not reset by coming from another IP (X-Forwarded-For)', async () => {
      const carol = await t.token(uniqueLogin('rl-carol'));
      for (let i = 0; i < 5; i++) expect((await mcp(t.mcpUrl, `Bearer ${carol}`, { 'x-forwarded-for': fakeIp() })).status).toBe(200);
      expectTooManyRequests(await mcp(t.mcpUrl, `Bearer ${carol}`, { 'x-forwarded-for': fakeIp() }));
    });

    it("the limit cannot be dodged by respelling the same token's Authorization header (scheme case, extra spaces)", async () => {
      const dave = await t.token(uniqueLogin('rl-dave'));
      const spell = (header: string) => header.replace(dave, '<token>');
      // Every one of these spellings is accepted by the bearer guard (RFC 6750: the scheme is case-insensitive)...
      for (const header of [`Bearer ${dave}`, `bearer ${dave}`, `BEARER ${dave}`, `Bearer  ${dave}`, `Bearer   ${dave}`]) {
        expect({ header: spell(header), status: (await mcp(t.mcpUrl, header)).status }).toEqual({ header: spell(header), status: 200 });
      }
      // ...but they carry one credential, whose five requests are used up.
      for (const header of [`Bearer ${dave}`, `bearer ${dave}`, `Bearer    ${dave}`, `bEaReR ${dave}`]) {
        expect({ header: spell(header), status: (await mcp(t.mcpUrl, header)).status }).toEqual({ header: spell(header), status: 429 });
      }
    });

    it('an API key is one credential whether it is sent as X-API-Key or as a Bearer token', async () => {
      const userId = await t.userId(uniqueLogin('rl-ci'));
      const { key } = await t.app.get(ApiKeysService).create({ name: 'rate-limit e2e', scopes: ['notes:read'], userId, createdBy: null, expiresAt: null });
      const viaHeader = (extra: Record<string, string> = {}) =>
        send(t.mcpUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'x-api-key': key, ...extra },
          body: JSON.stringify(rpcRequest('tools/list')),
        });
      for (let i = 0; i < 3; i++) expect((await viaHeader()).status).toBe(200);
      for (let i = 0; i < 2; i++) expect((await mcp(t.mcpUrl, `Bearer ${key}`)).status).toBe(200);
      expect({ as: 'Bearer', status: (await mcp(t.mcpUrl, `Bearer ${key}`)).status }).toEqual({ as: 'Bearer', status: 429 });
      expect({ as: 'X-API-Key', status: (await viaHeader()).status }).toEqual({ as: 'X-API-Key', status: 429 });
    });
  });

  describe('/register, /token, /authorize: one bucket per client IP', () => {
    it('a burst on /register: 201 three times, then 429 with Retry-After', async () => {
      const ip = fakeIp();
      for (let i = 1; i <= 3; i++) expect({ i, status: (await register(t, { 'x-forwarded-for': ip })).status }).toEqual({ i, status: 201 });
      expectTooManyRequests(await register(t, { 'x-forwarded-for': ip }));
    });

    it('/register, /token and /authorize count in the same bucket', async () => {
      const ip = fakeIp();
      const first = [await register(t, { 'x-forwarded-for': ip }), await token(t, { 'x-forwarded-for': ip }), await authorizeHit(t, { 'x-forwarded-for': ip })];
      expect(first.map((r) => r.status)).toEqual([201, expect.any(Number), expect.any(Number)]);
      for (const r of first) expect(r.status).not.toBe(429);
      expect(first[1].status).toBeLessThan(500);
      expect(first[2].status).toBeLessThan(500);

      // The budget of three is spent: each of the three endpoints now answers 429.
      expectTooManyRequests(await authorizeHit(t, { 'x-forwarded-for': ip }));
      expectTooManyRequests(await token(t, { 'x-forwarded-for': ip }));
      expectTooManyRequests(await register(t, { 'x-forwarded-for': ip }));
    });

    it('the dev sign-in page and /revoke are in that bucket too', async () => {
      const ip = fakeIp();
      const revoke = () =>
        send(`${t.baseUrl}/revoke`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': ip },
          body: 'token=nothing',
        });
      const signIn = () => send(`${t.baseUrl}/auth/dev`, { headers: { 'x-forwarded-for': ip } });
      for (const r of [await signIn(), await revoke(), await register(t, { 'x-forwarded-for': ip })]) {
        expect(r.status).not.toBe(429);
        expect(r.status).toBeLessThan(500);
      }
      expectTooManyRequests(await signIn());
      expectTooManyRequests(await revoke());
    });

    it('TRUST_PROXY=true: distinct X-Forwarded-For client IPs get separate buckets', async () => {
      const limited = fakeIp();
      for (let i = 0; i < 3; i++) await register(t, { 'x-forwarded-for': limited });
      expectTooManyRequests(await register(t, { 'x-forwarded-for': limited }));

      // Other clients behind the same load balancer are not punished for it.
      const other = fakeIp();
      expect((await register(t, { 'x-forwarded-for': other })).status).toBe(201);
      expect((await register(t, { 'x-forwarded-for': `${fakeIp()}, 10.0.0.1` })).status).toBe(201);
    });
  });
});

describe('rate limits with TRUST_PROXY=false', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMIT_MCP_PER_MINUTE: '5', RATE_LIMIT_AUTH_PER_MINUTE: '3', TRUST_PROXY: 'false' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('X-Forwarded-For is ignored: every request counts against the socket address', async () => {
    for (let i = 1; i <= 3; i++) expect({ i, status: (await register(t, { 'x-forwarded-for': fakeIp() })).status }).toEqual({ i, status: 201 });
    expectTooManyRequests(await register(t, { 'x-forwarded-for': fakeIp() }));
    expectTooManyRequests(await register(t));
  });
});

/** Two instances behind a round-robin load balancer, with the same PUBLIC_URL (so tokens work on both). */
async function startPair(env: Record<string, string>): Promise<{ a: TestApp; b: TestApp; proxy: RoundRobinProxy; mcpUrl: string; close: () => Promise<void> }> {
  const port = await freePort();
  const publicUrl = `http://localhost:${port}`;
  const a = await startTestApp({ PUBLIC_URL: publicUrl, ...env });
  const b = await startTestApp({ PUBLIC_URL: publicUrl, ...env });
  const proxy = new RoundRobinProxy(() => [a.config.port, b.config.port]);
  await proxy.start(port);
  return {
    a,
    b,
    proxy,
    mcpUrl: `${publicUrl}/mcp`,
    async close() {
      await proxy.stop();
      await Promise.allSettled([a.close(), b.close()]);
    },
  };
}

describe('two instances share the limit through Redis (REDIS_URL)', () => {
  let pair: Awaited<ReturnType<typeof startPair>>;

  beforeAll(async () => {
    pair = await startPair({ REDIS_URL, RATE_LIMIT_MCP_PER_MINUTE: '4' });
  });
  afterAll(async () => {
    await pair?.close();
  });

  it('two requests on each instance, then the 5th and 6th get 429 whichever instance answers', async () => {
    const token = await pair.a.token(uniqueLogin('rl-shared'));
    const start = pair.proxy.log.length;
    for (let i = 1; i <= 4; i++) expect({ i, status: (await mcp(pair.mcpUrl, `Bearer ${token}`)).status }).toEqual({ i, status: 200 });
    const fifth = await mcp(pair.mcpUrl, `Bearer ${token}`);
    const sixth = await mcp(pair.mcpUrl, `Bearer ${token}`);
    const targets = pair.proxy.log.slice(start).map((l) => l.target);
    // a, b, a, b: two each; then one 429 from each instance.
    expect(targets.slice(0, 4).filter((x) => x === 0)).toHaveLength(2);
    expect(new Set(targets.slice(4, 6))).toEqual(new Set([0, 1]));
    expectTooManyRequests(fifth);
    expectTooManyRequests(sixth);
  });
});

describe('without REDIS_URL each instance counts on its own (in-memory store)', () => {
  let pair: Awaited<ReturnType<typeof startPair>>;

  beforeAll(async () => {
    pair = await startPair({ RATE_LIMIT_MCP_PER_MINUTE: '4' });
  });
  afterAll(async () => {
    await pair?.close();
  });

  it('each instance allows 4 requests of the same token (8 in all), then 429', async () => {
    expect(pair.a.config.redisUrl).toBeUndefined();
    const token = await pair.a.token(uniqueLogin('rl-local'));
    const start = pair.proxy.log.length;
    for (let i = 1; i <= 8; i++) expect({ i, status: (await mcp(pair.mcpUrl, `Bearer ${token}`)).status }).toEqual({ i, status: 200 });
    expect(pair.proxy.log.slice(start).filter((l) => l.target === 0)).toHaveLength(4);
    expectTooManyRequests(await mcp(pair.mcpUrl, `Bearer ${token}`));
    expectTooManyRequests(await mcp(pair.mcpUrl, `Bearer ${token}`));
  });
});
