import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { notification, rpcRequest, toolCall } from './factories/json-rpc.factory.js';
import { FixtureToolsModule } from './fixtures/fixture-tools.module.js';
import { LogSink } from './helpers/log-sink.js';
import { modernRpc } from './helpers/modern-rpc.js';
import { startTestApp, uniqueLogin, type TestApp } from './helpers/test-app.js';
import { pollUntil } from './helpers/wait.js';

/**
 * Issue 7 items 2, 3, 4 and 18 (SECURITY 32-34): attacks on /mcp by a signed-in user, each reproduced
 * as it was found, and what must happen instead.
 */

const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

/** Rejects when `promise` has not settled within `ms`, so that a hang fails the test instead of stalling it. */
function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    promise.then(
      (v) => (clearTimeout(timer), resolve(v)),
      (e: unknown) => (clearTimeout(timer), reject(e as Error)),
    );
  });
}

describe('/mcp under hostile input (issue 7)', () => {
  let t: TestApp;
  const sink = new LogSink();

  beforeAll(async () => {
    t = await startTestApp({ LOG_LEVEL: 'log' }, { logStream: sink });
  });
  afterAll(async () => {
    await t?.close();
  });

  async function noteCount(token: string): Promise<number> {
    const res = await t.rpc(toolCall('notes.list', { limit: 50 }), bearer(token));
    return (res.body.result.structuredContent.notes as unknown[]).length;
  }

  describe('batches (item 2)', () => {
    it.each(['2025-06-18', '2025-11-25'])('MCP-Protocol-Version %s: a batch is refused with 400 / -32600 and nothing in it runs', async (version) => {
      const token = await t.token(uniqueLogin('batch-new'));
      const res = await t.rpc([toolCall('notes.create', { title: 'one' }, { id: 1 }), toolCall('notes.create', { title: 'two' }, { id: 2 })], {
        ...bearer(token),
        'mcp-protocol-version': version,
      });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32600 } });
      expect(res.body.error.message).toContain(version);
      expect(await noteCount(token)).toBe(0);
    });

    it('2025-03-26 (no version header): 10 messages are served, 11 are refused with 400 / -32600', async () => {
      const token = await t.token(uniqueLogin('batch-old'));
      const ten = await t.rpc(
        Array.from({ length: 10 }, (_, i) => toolCall('notes.list', { limit: 1 }, { id: i })),
        bearer(token),
      );
      expect(ten.status).toBe(200);
      expect(ten.body.map((r: { id: number }) => r.id)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      const eleven = await t.rpc(
        Array.from({ length: 11 }, (_, i) => toolCall('notes.create', { title: `n${i}` }, { id: i })),
        bearer(token),
      );
      expect(eleven.status).toBe(400);
      expect(eleven.body.error).toMatchObject({ code: -32600, message: expect.stringContaining('at most 10') });
      expect(await noteCount(token)).toBe(0);
    });
  });

  describe('replies that cannot be built (item 2: the crash)', () => {
    let token: string;

    beforeAll(async () => {
      // The attack as found: 56 notes of 20,000 control characters each (6 bytes apiece once JSON-escaped).
      token = await t.token(uniqueLogin('bigreply'));
      const body = '\u0001'.repeat(20_000);
      for (let i = 0; i < 56; i++) {
        const res = await t.rpc(toolCall('notes.create', { title: `control ${i}`, body }), bearer(token));
        expect(res.body.result.isError).toBeFalsy();
      }
    });

    it('one batch of 60 notes.list: refused with 400, and the process stays up and keeps serving', async () => {
      const res = await t.rpc(
        Array.from({ length: 60 }, (_, i) => toolCall('notes.list', { limit: 50 }, { id: i })),
        bearer(token),
      );
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe(-32600);
      expect((await fetch(`${t.baseUrl}/healthz`)).status).toBe(200);
      expect((await t.rpc(toolCall('notes.list', { limit: 1 }), bearer(token))).status).toBe(200);
    });

    it('a result over MCP_MAX_RESULT_BYTES is a tool error that says so, in a batch of 10 as alone', async () => {
      const res = await t.rpc(
        Array.from({ length: 10 }, (_, i) => toolCall('notes.list', { limit: 50 }, { id: i })),
        bearer(token),
      );
      expect(res.status).toBe(200);
      expect(res.body).toHaveLength(10);
      for (const reply of res.body) {
        expect(reply.result.isError).toBe(true);
        expect(reply.result.content[0].text).toMatch(/over this server's limit of 4194304 bytes per result \(MCP_MAX_RESULT_BYTES\)/);
        expect(reply.result.structuredContent).toBeUndefined();
      }
      const one = await t.rpc(toolCall('notes.list', { limit: 50 }), bearer(token));
      expect(one.body.result.isError).toBe(true);
      // A page that fits is served as usual.
      const small = await t.rpc(toolCall('notes.list', { limit: 5 }), bearer(token));
      expect(small.body.result.isError).toBeFalsy();
      expect(small.body.result.structuredContent.notes).toHaveLength(5);
    });

    it('a large structured result is sent once at full size: the text copy is a short preview', async () => {
      const res = await t.rpc(toolCall('notes.list', { limit: 5 }), bearer(token));
      const structured = JSON.stringify(res.body.result.structuredContent);
      const text: string = res.body.result.content[0].text;
      expect(structured.length).toBeGreaterThan(500_000);
      expect(text.length).toBeLessThan(4_000);
      expect(text).toContain('preview');
      expect(structured.startsWith(text.slice(0, 100))).toBe(true);
    });

    it('a small structured result keeps its full JSON text copy (tools spec: SHOULD)', async () => {
      const other = await t.token(uniqueLogin('smallreply'));
      await t.rpc(toolCall('notes.create', { title: 'short' }), bearer(other));
      const res = await t.rpc(toolCall('notes.list', { limit: 5 }), bearer(other));
      expect(JSON.parse(res.body.result.content[0].text)).toEqual(res.body.result.structuredContent);
    });
  });

  describe('metric labels and audit targets (item 4)', () => {
    it('40 calls with 10 KB tool names add no metric label values; their audit targets are shortened', async () => {
      const login = uniqueLogin('labels');
      const token = await t.token(login);
      const names = async () => {
        const text = await (await fetch(`${t.baseUrl}/metrics`)).text();
        return new Set([...text.matchAll(/^mcp_tool_calls_total\{[^}]*name="([^"]*)"/gm)].map((m) => m[1]));
      };
      const before = await names();
      for (let i = 0; i < 40; i++) {
        const name = `${i}-${randomBytes(5_000).toString('hex')}`;
        const res = await t.rpc(toolCall(name), bearer(token));
        expect(res.status).toBe(200);
        expect(res.body.error.code).toBe(-32602);
        expect(res.body.error.message.length).toBeLessThan(200);
      }
      const after = await names();
      expect([...after].filter((n) => !before.has(n))).toEqual(before.has('unknown') ? [] : ['unknown']);
      for (const n of after) expect(n.length).toBeLessThanOrEqual(128);

      const ds = t.app.get(DataSource);
      const userId = await t.userId(login);
      const rows = await pollUntil(
        () => ds.query<{ target: string }[]>(`SELECT target FROM audit_events WHERE user_id = $1 AND outcome = 'not_found'`, [userId]),
        (r) => r.length >= 40,
        3000,
      );
      expect(rows).toHaveLength(40);
      for (const row of rows) expect(row.target.length).toBeLessThanOrEqual(65);
    });
  });

  describe('the access log (item 18)', () => {
    it('every /mcp line carries the status that was actually sent', async () => {
      const token = await t.token(uniqueLogin('access'));
      const statuses: Record<string, number> = {};
      const send = async (body: unknown, headers: Record<string, string>) => {
        const res = await t.rpc(body, headers);
        statuses[res.headers.get('x-request-id')!] = res.status;
      };
      await send(toolCall('notes.list'), bearer(token));
      await send(toolCall('notes.list'), {});
      await send(toolCall('notes.list'), { ...bearer(token), 'mcp-protocol-version': '1999-01-01' });
      await send(notification(), bearer(token));
      await send([toolCall('notes.list', {}, { id: 1 }), toolCall('notes.list', {}, { id: 2 })], { ...bearer(token), 'mcp-protocol-version': '2025-11-25' });
      expect(Object.values(statuses)).toEqual([200, 401, 400, 202, 400]);
      const lines = await pollUntil(
        async () => sink.entries().filter((e) => String((e.req as { id?: string } | undefined)?.id) in statuses),
        (l) => l.length >= 5,
      );
      expect(lines).toHaveLength(5);
      for (const line of lines) {
        const id = (line.req as { id: string }).id;
        expect({ id, status: (line.res as { statusCode: unknown }).statusCode }).toEqual({ id, status: statuses[id] });
        expect(line.req).toMatchObject({ method: 'POST', path: '/mcp' });
      }
    });
  });

  describe('the body policy at the edge', () => {
    const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;

    it('JSON nested 5,000 levels deep: 400 on /mcp, /register and the admin API, never a 500', async () => {
      const token = await t.token(uniqueLogin('deep'));
      const mcp = await t.rpc(`{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"x":${deep(5000)}}}`, bearer(token));
      expect(mcp.status).toBe(400);
      expect(mcp.body.error).toMatchObject({ code: -32600, message: expect.stringContaining('nested deeper than 64') });
      for (const path of ['/register', '/admin/api-keys']) {
        const res = await fetch(`${t.baseUrl}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...bearer(token) },
          body: `{"client_name":${deep(5000)}}`,
        });
        expect({ path, status: res.status }).toEqual({ path, status: 400 });
        expect(await res.json()).toEqual({ error: 'invalid_request', error_description: 'JSON body nested deeper than 64 levels' });
      }
    });

    it('64 levels are fine (control)', async () => {
      const token = await t.token(uniqueLogin('deep-ok'));
      const res = await t.rpc(`{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_x":${deep(62)}}}`, bearer(token));
      expect(res.status).toBe(200);
    });
  });

  // Found by the fuzzer (test/fuzz.fuzz-spec.ts): the SDK answered invalid params of a spec request with -32603.
  describe('invalid params of a spec request: -32602, never -32603 Internal error (JSON-RPC 2.0 §5.1)', () => {
    it('2025: initialize with a numeric clientInfo and no protocolVersion', async () => {
      const token = await t.token(uniqueLogin('bad-init'));
      const res = await t.rpc(rpcRequest('initialize', { clientInfo: 22 }), { ...bearer(token), 'mcp-protocol-version': '2025-11-25' });
      expect(res.body.error).toMatchObject({ code: -32602, message: expect.stringContaining('params.protocolVersion') });
      expect(res.body.error.message).toContain('params.clientInfo');
    });

    it('2026-07-28: resources/read with a numeric uri', async () => {
      const token = await t.token(uniqueLogin('bad-read'));
      const res = await modernRpc(t.mcpUrl, token, 'resources/read', { uri: 7 });
      expect(res.body.error).toMatchObject({ code: -32602, message: expect.stringContaining('params.uri') });
    });

    // Found by the fuzzer (seed 759492071): a name that does not even convert to a string was a 500.
    it('2026-07-28: tools/call whose name is an object with neither toString nor valueOf', async () => {
      const token = await t.token(uniqueLogin('bad-name'));
      const res = await modernRpc(t.mcpUrl, token, 'tools/call', { name: [{ toString: {}, valueOf: {} }], arguments: {} }, { headers: { 'mcp-name': 'x' } });
      expect(res.body.error).toMatchObject({ code: -32602, message: expect.stringContaining('"name"') });
    });

    it('2025: tools/list with a numeric cursor', async () => {
      const token = await t.token(uniqueLogin('bad-list'));
      const res = await t.rpc(rpcRequest('tools/list', { cursor: 5 }), { ...bearer(token), 'mcp-protocol-version': '2025-11-25' });
      expect(res.body.error).toMatchObject({ code: -32602, message: expect.stringContaining('params.cursor') });
    });
  });
});

describe('/mcp rate limit counts every message of a batch (issue 7 item 2)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMIT_MCP_PER_MINUTE: '12' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('a batch of 10 uses 10 of the 12 hits a minute: the next batch of 3 gets 429', async () => {
    const token = await t.token(uniqueLogin('rl-batch'));
    const ten = await t.rpc(
      Array.from({ length: 10 }, (_, i) => toolCall('notes.list', { limit: 1 }, { id: i })),
      bearer(token),
    );
    expect(ten.status).toBe(200);
    const three = await t.rpc(
      Array.from({ length: 3 }, (_, i) => notification('notifications/cancelled', { requestId: i })),
      bearer(token),
    );
    expect(three.status).toBe(429);
    expect(Number(three.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(three.body).toEqual({ error: 'too_many_requests', error_description: expect.stringContaining('Retry-After') });
  });
});

describe('/mcp cancellation is scoped to the caller (issue 7 item 3)', () => {
  let t: TestApp;

  beforeAll(async () => {
    // A fresh instance: its server-side request ids start at 1, where Alice aims.
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it("Alice cancelling request ids 1..8000 never stops Bob's prompts/get calls: every one of them answers", async () => {
    const alice = await t.token(uniqueLogin('alice-cancel'));
    const bob = await t.token(uniqueLogin('bob-prompts'));
    let sweeping = true;
    const cancel = async (from: number) => {
      const batch = Array.from({ length: 10 }, (_, i) => notification('notifications/cancelled', { requestId: from + i, reason: 'mine' }));
      expect((await t.rpc(batch, bearer(alice))).status).toBe(202);
    };
    // One lane sweeps 1..8000; three keep hammering the low ids, where Bob's calls are numbered server-side.
    const lanes = [
      (async () => {
        for (let from = 1; from <= 8000 && sweeping; from += 10) await cancel(from);
      })(),
      ...[0, 1, 2].map(async (lane) => {
        while (sweeping) for (let from = 1 + lane * 10; from <= 300 && sweeping; from += 30) await cancel(from);
      }),
    ];
    try {
      for (let round = 0; round < 5; round++) {
        const calls = Array.from({ length: 20 }, (_, i) =>
          within(10_000, `Bob's prompts/get #${round}.${i}`, t.rpc(rpcRequest('prompts/get', { name: 'notes.summarize-recent' }, { id: i + 1 }), bearer(bob))),
        );
        for (const res of await Promise.all(calls)) {
          expect(res.status).toBe(200);
          expect(res.body.result.messages[0].role).toBe('user');
        }
      }
    } finally {
      sweeping = false;
      await Promise.all(lanes);
    }
  });
});

describe('/mcp deadline and cancellation of slow calls (issue 7 item 3)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ MCP_REQUEST_TIMEOUT_MS: '700' }, { modules: [FixtureToolsModule] });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('a call still running at MCP_REQUEST_TIMEOUT_MS is answered then, with an error saying so', async () => {
    const token = await t.token(uniqueLogin('deadline'));
    const started = Date.now();
    const res = await within(5_000, 'slow call', t.rpc(toolCall('test.sleep', { ms: 30_000 }, { id: 'slow' }), bearer(token)));
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ jsonrpc: '2.0', id: 'slow', error: { code: -32001, message: expect.stringContaining('MCP_REQUEST_TIMEOUT_MS') } });
  });

  it("Alice can cancel her own call; Bob's call with the same id runs to the end", async () => {
    const alice = await t.token(uniqueLogin('alice-own'));
    const bob = await t.token(uniqueLogin('bob-own'));
    const aliceCall = t.rpc(toolCall('test.sleep', { ms: 600 }, { id: 7 }), bearer(alice));
    const bobCall = t.rpc(toolCall('test.sleep', { ms: 300 }, { id: 7 }), bearer(bob));
    await new Promise((r) => setTimeout(r, 100));
    const cancelled = await t.rpc(notification('notifications/cancelled', { requestId: 7, reason: 'changed my mind' }), bearer(alice));
    expect(cancelled.status).toBe(202);
    const [a, b] = await Promise.all([aliceCall, bobCall]);
    expect(a.body).toEqual({ jsonrpc: '2.0', id: 7, error: { code: -32800, message: 'Request cancelled by the client' } });
    expect(b.body.result.content[0].text).toMatch(/^slept 300 ms for bob-own/);
  });
});
