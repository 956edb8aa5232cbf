import { rpcRequest, toolCall } from './factories/json-rpc.factory.js';
import { signInForTokens, refreshWith } from './helpers/oauth-flow.js';
import { postForm, postJson } from './helpers/oauth-http.js';
import { LogSink } from './helpers/log-sink.js';
import { ALL_NOTES_SCOPES, startTestApp, uniqueLogin, type TestApp } from './helpers/test-app.js';

/**
 * Issue 4 item 5: Prometheus /metrics whose counters move with the traffic, /metrics restricted by
 * METRICS_TOKEN, and structured JSON log lines that carry request id, user, client, tool and latency
 * but never a credential, a cookie or a query string.
 */

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the Prometheus text exposition format (enough of it for these checks). */
function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[l[1]] = l[2].replace(/\\(.)/g, (_x, c: string) => (c === 'n' ? '\n' : c));
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return samples;
}

/** The value of the sample with exactly these labels (0 when it was never observed). */
function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = samples.filter(
    (s) => s.name === name && Object.keys(s.labels).length === Object.keys(labels).length && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  if (found.length > 1) throw new Error(`ambiguous sample ${name} ${JSON.stringify(labels)}`);
  return found[0]?.value ?? 0;
}

async function scrape(t: TestApp, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; text: string }> {
  const res = await fetch(`${t.baseUrl}/metrics`, { headers });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

async function metrics(t: TestApp): Promise<Sample[]> {
  const res = await scrape(t);
  expect(res.status).toBe(200);
  return parseMetrics(res.text);
}

describe('/metrics and structured logs', () => {
  let t: TestApp;
  const sink = new LogSink();
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  beforeAll(async () => {
    t = await startTestApp({ LOG_LEVEL: 'log' }, { logStream: sink });
  });
  afterAll(async () => {
    await t.close();
  });

  describe('/metrics', () => {
    it('serves the Prometheus text format (no METRICS_TOKEN, NODE_ENV=test)', async () => {
      const res = await scrape(t);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(res.text).toMatch(/^# HELP http_request_duration_seconds /m);
      expect(res.text).toMatch(/^# TYPE http_request_duration_seconds histogram$/m);
      expect(res.text).toMatch(/^# TYPE mcp_tool_calls_total counter$/m);
      expect(res.text).toMatch(/^# TYPE oauth_token_errors_total counter$/m);
      expect(() => parseMetrics(res.text)).not.toThrow();
    });

    it('the counters move: two ok tool calls, one denied, one token error, /mcp latency by route and status', async () => {
      const reader = await t.token(uniqueLogin('metrics'));
      const noScope = await t.token(uniqueLogin('metrics-noscope'), ['notes:write']);
      const before = await metrics(t);
      const tool = (outcome: string) => ({ kind: 'tool', name: 'notes.list', outcome });
      const mcpOk = { method: 'POST', route: '/mcp', status: '200' };

      expect((await t.rpc(toolCall('notes.list'), bearer(reader))).status).toBe(200);
      expect((await t.rpc(toolCall('notes.list'), bearer(reader))).status).toBe(200);
      expect((await t.rpc(toolCall('notes.list'), bearer(noScope))).status).toBe(403);
      const bad = await postJson(`${t.baseUrl}/token`, { grant_type: 'authorization_code' });
      expect(bad.status).toBe(400);
      const error = bad.json.error as string;
      expect(error).toBe('invalid_request');

      const after = await metrics(t);
      expect(valueOf(after, 'mcp_tool_calls_total', tool('ok')) - valueOf(before, 'mcp_tool_calls_total', tool('ok'))).toBe(2);
      expect(valueOf(after, 'mcp_tool_calls_total', tool('denied')) - valueOf(before, 'mcp_tool_calls_total', tool('denied'))).toBe(1);
      expect(valueOf(after, 'oauth_token_errors_total', { error }) - valueOf(before, 'oauth_token_errors_total', { error })).toBe(1);
      expect(
        valueOf(after, 'http_request_duration_seconds_count', mcpOk) - valueOf(before, 'http_request_duration_seconds_count', mcpOk),
      ).toBeGreaterThanOrEqual(2);
      expect(valueOf(after, 'http_request_duration_seconds_sum', mcpOk)).toBeGreaterThan(0);
      expect(valueOf(after, 'http_request_duration_seconds_bucket', { ...mcpOk, le: '+Inf' })).toBe(
        valueOf(after, 'http_request_duration_seconds_count', mcpOk),
      );
      const mcpDenied = { method: 'POST', route: '/mcp', status: '403' };
      expect(valueOf(after, 'http_request_duration_seconds_count', mcpDenied) - valueOf(before, 'http_request_duration_seconds_count', mcpDenied)).toBe(1);
    });

    it('labels routes by their pattern, never by the raw path (no ids, no query strings)', async () => {
      await fetch(`${t.baseUrl}/.well-known/oauth-authorization-server?secret=abc`);
      await fetch(`${t.baseUrl}/no-such-page-${Date.now()}?secret=abc`);
      const samples = await metrics(t);
      const routes = new Set(samples.filter((s) => s.name === 'http_request_duration_seconds_count').map((s) => s.labels.route));
      expect(routes).toContain('/mcp');
      expect(routes).toContain('/.well-known/oauth-authorization-server');
      for (const route of routes) {
        expect(route).not.toContain('?');
        expect(route).not.toMatch(/no-such-page/);
      }
    });

    it('exports the revocation cache size and age and the database pool', async () => {
      const samples = await metrics(t);
      const names = new Set(samples.map((s) => s.name));
      expect(names).toContain('revocation_cache_entries');
      expect(names).toContain('revocation_cache_age_seconds');
      expect(samples.find((s) => s.name === 'db_pool_connections' && s.labels.state === 'total')).toBeDefined();
      expect(valueOf(samples, 'revocation_cache_entries')).toBeGreaterThanOrEqual(0);
      const age = valueOf(samples, 'revocation_cache_age_seconds');
      expect(Number.isFinite(age)).toBe(true);
      expect(age).toBeGreaterThanOrEqual(0);
      expect(valueOf(samples, 'db_pool_connections', { state: 'total' })).toBeGreaterThanOrEqual(1);
    });
  });

  describe('logs', () => {
    it('a tools/call line carries request id, user, client, tool, outcome and latency', async () => {
      const login = uniqueLogin('logs');
      const token = await t.token(login);
      const userId = await t.userId(login);
      const res = await t.rpc(toolCall('notes.list'), bearer(token));
      expect(res.status).toBe(200);
      const requestId = res.headers.get('x-request-id');
      expect(requestId).toBeTruthy();

      const line = sink.entries().find((e) => e.msg === 'mcp call' && e.requestId === requestId);
      expect(line).toBeDefined();
      expect(line).toMatchObject({ msg: 'mcp call', kind: 'tool', target: 'notes.list', outcome: 'ok', requestId, userId, clientId: 'test-client' });
      expect(typeof line!.latencyMs).toBe('number');
      expect(line!.latencyMs as number).toBeGreaterThanOrEqual(0);

      // The access log line of the same request is tied to it by the same id.
      const access = sink.entries().filter((e) => (e.req as { id?: string } | undefined)?.id === requestId);
      expect(access.length).toBeGreaterThanOrEqual(1);
      expect(access.every((e) => (e.req as { path?: string }).path === '/mcp')).toBe(true);
    });

    it('no line carries a token, "Bearer", a cookie value, a code or a query string', async () => {
      // A dev-user token, a denied call and a query string on /mcp.
      const token = await t.token(uniqueLogin('logs-secret'), ALL_NOTES_SCOPES);
      await t.rpc(toolCall('notes.list'), bearer(token));
      await fetch(`${t.mcpUrl}?secret=abc`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...bearer(token),
          cookie: 'tracking=cookie-value-4f9d2c71',
        },
        body: JSON.stringify(rpcRequest('tools/list')),
      });
      await fetch(`${t.baseUrl}/no-such-page?secret=abc`, { headers: { ...bearer(token), cookie: 'tracking=cookie-value-4f9d2c71' } });
      await fetch(`${t.baseUrl}/.well-known/oauth-authorization-server?secret=abc`);
      // An invalid token and a malformed header are logged as auth failures, without the token.
      await t.rpc(rpcRequest('tools/list'), bearer(`${token.slice(0, -6)}AAAAAA`));
      await t.rpc(rpcRequest('tools/list'), { authorization: `Token ${token}` });

      // The whole OAuth flow: cookies, a code, a verifier, an access and a refresh token.
      const { auth, tokens } = await signInForTokens(t, { scope: 'notes:read offline_access' });
      await t.rpc(toolCall('notes.list'), bearer(tokens.access_token));
      const refreshed = await refreshWith(t, auth.client.client_id, tokens.refresh_token!);
      expect(refreshed.status).toBe(200);
      await postForm(`${t.baseUrl}/token`, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token!, client_id: auth.client.client_id });
      const cookies = auth.browser
        .cookieHeader()
        .split('; ')
        .filter(Boolean)
        .map((c) => c.slice(c.indexOf('=') + 1));
      expect(cookies.length).toBeGreaterThan(0);

      // Let the access log lines of the last requests arrive.
      await new Promise((r) => setTimeout(r, 50));
      const text = sink.text;
      expect(sink.lines.length).toBeGreaterThan(10);
      for (const line of sink.lines) expect(() => JSON.parse(line)).not.toThrow();

      const secrets: [string, string][] = [
        ['the bearer token', token],
        ['the signed-in access token', tokens.access_token],
        ['the refresh token', tokens.refresh_token!],
        ['the rotated refresh token', (refreshed.json as { refresh_token: string }).refresh_token],
        ['the authorization code', auth.code],
        ['the code verifier', auth.verifier],
        ['a cookie sent by the client', 'cookie-value-4f9d2c71'],
        ...cookies.map((c, i): [string, string] => [`browser cookie #${i}`, c]),
      ];
      for (const [what, secret] of secrets) expect({ what, found: text.includes(secret) }).toEqual({ what, found: false });
      // No piece of a token past its (shared) JWT header start, in 16-character windows.
      for (const jwt of [token, tokens.access_token]) {
        for (let i = 20; i + 16 <= jwt.length; i += 8) {
          const piece = jwt.slice(i, i + 16);
          expect({ piece, found: text.includes(piece) }).toEqual({ piece, found: false });
        }
      }
      expect(text).not.toMatch(/bearer/i);
      expect(text).not.toContain('secret=abc');
      expect(text).not.toContain('?secret');
      expect(text).not.toContain('tracking=');
    });
  });
});

describe('/metrics restricted by METRICS_TOKEN', () => {
  const METRICS_TOKEN = 'scrape-me-0123456789abcdef';
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ METRICS_TOKEN });
  });
  afterAll(async () => {
    await t.close();
  });

  it.each<[string, Record<string, string>]>([
    ['no token', {}],
    ['a wrong token', { authorization: 'Bearer scrape-me-0123456789abcdeX' }],
    ['a prefix of the token', { authorization: `Bearer ${METRICS_TOKEN.slice(0, -1)}` }],
    ['the token plus a character', { authorization: `Bearer ${METRICS_TOKEN}x` }],
    ['the token without the Bearer scheme', { authorization: METRICS_TOKEN }],
    ['a user access token', { authorization: 'Bearer eyJhbGciOiJFUzI1NiJ9.e30.sig' }],
  ])('%s: 401 without any metric', async (_name, headers) => {
    const res = await scrape(t, headers);
    expect(res.status).toBe(401);
    expect(res.text).not.toContain('http_request_duration_seconds');
    expect(res.text).not.toContain(METRICS_TOKEN);
  });

  it('a valid user access token is not enough either', async () => {
    const token = await t.token(uniqueLogin('metrics-user'), ['notes:read', 'notes:write']);
    expect((await scrape(t, { authorization: `Bearer ${token}` })).status).toBe(401);
  });

  it('the right token: 200 Prometheus text', async () => {
    const res = await scrape(t, { authorization: `Bearer ${METRICS_TOKEN}` });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(res.text).toMatch(/^# TYPE mcp_tool_calls_total counter$/m);
  });
});
