import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { RedisThrottlerStorage } from '../src/rate-limit/redis-throttler.storage.js';
import { rpcRequest } from './factories/json-rpc.factory.js';
import { freePort } from './helpers/free-port.js';
import { LogSink } from './helpers/log-sink.js';
import { TcpProxy } from './helpers/tcp-proxy.js';
import { startTestApp, uniqueLogin, type TestApp } from './helpers/test-app.js';

/**
 * Issue 7 item 15: with REDIS_URL set and Redis unreachable (refused, or accepting and never
 * answering), each instance counts rate limits in its own memory, with a rate-limited warning and
 * the rate_limit_fallback_* metrics, and goes back to the shared counters in Redis when it answers.
 */

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function mcp(url: string, token: string): Promise<{ status: number; headers: Headers }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify(rpcRequest('tools/list')),
  });
  await res.text();
  return { status: res.status, headers: res.headers };
}

function expectTooManyRequests(res: { status: number; headers: Headers }): void {
  expect(res.status).toBe(429);
  expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
}

describe('when Redis cannot be reached (issue 7 item 15)', () => {
  let t: TestApp;
  let closedPort: number;
  const logs = new LogSink();

  beforeAll(async () => {
    // A port that refuses connections: a Redis outage from the first request on.
    closedPort = await freePort();
    t = await startTestApp({ REDIS_URL: `redis://127.0.0.1:${closedPort}`, RATE_LIMIT_MCP_PER_MINUTE: '2', LOG_LEVEL: 'log' }, { logStream: logs });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('each instance falls back to its own in-memory limits (never fails open, never a 500), with one warning and a metric', async () => {
    const token = await t.token(uniqueLogin('rl-outage'));
    for (let i = 1; i <= 2; i++) expect({ i, status: (await mcp(t.mcpUrl, token)).status }).toEqual({ i, status: 200 });
    expectTooManyRequests(await mcp(t.mcpUrl, token));
    expectTooManyRequests(await mcp(t.mcpUrl, token));
    const metrics = await (await fetch(`${t.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/^rate_limit_fallback_active 1$/m);
    expect(Number(/^rate_limit_fallback_hits_total (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(4);
    // Rate-limited: one warning for the four requests (and the reconnect errors), not one per request.
    const warnings = logs.entries().filter((e) => e.level === 40 && String(e.msg).includes(`Redis at 127.0.0.1:${closedPort}`));
    expect(warnings.length).toBeGreaterThanOrEqual(1);
    expect(warnings.length).toBeLessThanOrEqual(2);
  });
});

describe('RedisThrottlerStorage: memory while Redis is unreachable, Redis again when it returns', () => {
  const MINUTE = 60_000;
  let proxy: TcpProxy;
  let storage: RedisThrottlerStorage;
  let registry: Registry;
  const prefix = `smcp:test:${randomBytes(4).toString('hex')}:`;

  beforeAll(async () => {
    const redis = new URL(REDIS_URL);
    proxy = await TcpProxy.start({ host: redis.hostname, port: Number(redis.port || 6379) }, { refusing: true });
    registry = new Registry();
    storage = new RedisThrottlerStorage(`redis://127.0.0.1:${proxy.port}`, prefix, registry);
  });
  afterAll(async () => {
    await storage?.close();
    await proxy?.close();
  });

  const gauge = async () => (await registry.getSingleMetric('rate_limit_fallback_active')!.get()).values[0]?.value;

  it('counts in memory while Redis is down, then in Redis once it is back (the shared counter)', async () => {
    // Down from the start: the limit still applies, from memory.
    const down = [];
    for (let i = 0; i < 3; i++) down.push(await storage.increment('k', MINUTE, 2, MINUTE, 'mcp'));
    expect(down.map((r) => r.isBlocked)).toEqual([false, false, true]);
    expect(storage.degraded).toBe(true);
    expect(await gauge()).toBe(1);

    // Redis returns: ioredis reconnects and the counter in Redis is used again.
    await proxy.accept();
    const deadline = Date.now() + 15_000;
    let back = await storage.increment('k2', MINUTE, 100, MINUTE, 'mcp');
    while (storage.degraded && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      back = await storage.increment('k2', MINUTE, 100, MINUTE, 'mcp');
    }
    expect(storage.degraded).toBe(false);
    expect(await gauge()).toBe(0);
    const direct = new Redis(REDIS_URL);
    try {
      expect(Number(await direct.get(`${prefix}mcp:k2`))).toBe(back.totalHits);
    } finally {
      direct.disconnect();
    }

    // Down again mid-run: memory again, promptly (no request waits on a dead connection).
    await proxy.pause();
    const started = Date.now();
    const again = await storage.increment('k3', MINUTE, 1, MINUTE, 'mcp');
    expect(Date.now() - started).toBeLessThan(1500);
    expect(again.totalHits).toBe(1);
    expect((await storage.increment('k3', MINUTE, 1, MINUTE, 'mcp')).isBlocked).toBe(true);
    expect(storage.degraded).toBe(true);
  });

  it('a Redis that accepts connections but never answers (a stopped server) does not hold requests, and memory limits apply', async () => {
    const silent = createServer(() => undefined); // accepts, never replies
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const hung = new RedisThrottlerStorage(`redis://127.0.0.1:${(silent.address() as AddressInfo).port}`, prefix, new Registry());
    try {
      const started = Date.now();
      const results = [];
      for (let i = 0; i < 3; i++) results.push(await hung.increment('h', MINUTE, 2, MINUTE, 'mcp'));
      expect(Date.now() - started).toBeLessThan(2000);
      expect(results.map((r) => r.isBlocked)).toEqual([false, false, true]);
      expect(hung.degraded).toBe(true);
    } finally {
      await hung.close();
      silent.close();
    }
  });
});
