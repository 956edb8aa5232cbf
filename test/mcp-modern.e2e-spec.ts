import { toolCall } from './factories/json-rpc.factory.js';
import { FixtureTools, FixtureToolsModule } from './fixtures/fixture-tools.module.js';
import { MODERN, modernRpc, parseSse } from './helpers/modern-rpc.js';
import { startTestApp, uniqueLogin, type TestApp } from './helpers/test-app.js';
import { pollUntil } from './helpers/wait.js';

/**
 * Issue 8 items 2 and 3: MCP 2026-07-28 on POST /mcp next to the 2025 revisions, with the exact
 * statuses and codes of the spec (transports/streamable-http, basic/versioning, server/discover,
 * utilities/caching), and streaming in both eras.
 */

const SERVER_INFO_KEY = 'io.modelcontextprotocol/serverInfo';

describe('MCP 2026-07-28 on /mcp', () => {
  let t: TestApp;
  let token: string;
  const call = (method: string, params: Record<string, unknown> = {}, opts: Parameters<typeof modernRpc>[4] = {}) =>
    modernRpc(t.mcpUrl, token, method, params, opts);

  beforeAll(async () => {
    t = await startTestApp({}, { modules: [FixtureToolsModule] });
    token = await t.token(uniqueLogin('modern'));
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('results', () => {
    it('server/discover: the modern versions, capabilities, resultType, cache fields and serverInfo', async () => {
      const res = await call('server/discover');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(res.body.result).toMatchObject({
        supportedVersions: [MODERN],
        capabilities: { tools: {}, resources: {}, prompts: {} },
        resultType: 'complete',
        cacheScope: 'private',
        _meta: { [SERVER_INFO_KEY]: { name: 'secure-mcp-server' } },
      });
      expect(res.body.result.ttlMs).toBeGreaterThanOrEqual(0);
    });

    it.each(['tools/list', 'prompts/list', 'resources/list', 'resources/templates/list'])(
      '%s: resultType complete, ttlMs and cacheScope private (lists vary with the caller), serverInfo',
      async (method) => {
        const res = await call(method);
        expect(res.status).toBe(200);
        expect(res.body.result).toMatchObject({ resultType: 'complete', cacheScope: 'private', _meta: { [SERVER_INFO_KEY]: { name: 'secure-mcp-server' } } });
        expect(Number.isInteger(res.body.result.ttlMs)).toBe(true);
      },
    );

    it('tools/list shows only what the token allows, as in the 2025 era', async () => {
      const writer = await t.token(uniqueLogin('modern-writer'), ['notes:write']);
      const names = (await modernRpc(t.mcpUrl, writer, 'tools/list')).body.result.tools.map((x: { name: string }) => x.name).sort();
      expect(names).toEqual(['notes.create', 'notes.delete', 'notes.update']);
    });

    it('tools/call: a complete result with serverInfo; a tool error stays a result', async () => {
      const created = await call('tools/call', { name: 'notes.create', arguments: { title: 'modern note' } });
      expect(created.status).toBe(200);
      expect(created.body.result).toMatchObject({
        resultType: 'complete',
        structuredContent: { note: { title: 'modern note' } },
        _meta: { [SERVER_INFO_KEY]: {} },
      });
      const bad = await call('tools/call', { name: 'notes.create', arguments: { title: '' } });
      expect(bad.status).toBe(200);
      expect(bad.body.result).toMatchObject({ resultType: 'complete', isError: true });
    });

    it('resources/read of a note that does not exist: -32602 with data.uri (HTTP 200: the handler answered)', async () => {
      const uri = 'note://00000000-0000-4000-8000-000000000000';
      const res = await call('resources/read', { uri });
      expect(res.status).toBe(200);
      expect(res.body.error).toMatchObject({ code: -32602, data: { uri } });
      const unknown = await call('resources/read', { uri: 'nothing://here' });
      expect(unknown.body.error).toMatchObject({ code: -32602, data: { uri: 'nothing://here' } });
    });

    it('resources/read: cache fields on the result', async () => {
      const created = await call('tools/call', { name: 'notes.create', arguments: { title: 'cached' } });
      const uri = `note://${created.body.result.structuredContent.note.id}`;
      const res = await call('resources/read', { uri });
      expect(res.body.result).toMatchObject({ resultType: 'complete', cacheScope: 'private', ttlMs: 0, contents: [{ uri, mimeType: 'text/markdown' }] });
    });
  });

  describe('the request rules (400 / 404 with the spec codes)', () => {
    it('_meta that is not a valid envelope: 400 / -32602', async () => {
      const res = await call('tools/list', {}, { meta: { 'io.modelcontextprotocol/clientCapabilities': 'everything' } });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe(-32602);
    });

    it('MCP-Protocol-Version header different from the _meta version: 400 / -32020', async () => {
      const res = await call('tools/list', {}, { headers: { 'mcp-protocol-version': '2025-11-25' } });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe(-32020);
    });

    it('an unsupported version: 400 / -32022 with data.supported (the versions server/discover lists) and data.requested', async () => {
      const res = await call(
        'tools/list',
        {},
        { meta: { 'io.modelcontextprotocol/protocolVersion': '2099-01-01' }, headers: { 'mcp-protocol-version': '2099-01-01' } },
      );
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: -32022, data: { requested: '2099-01-01' } });
      // The conformance suite (server-stateless, sep-2575-server-unsupported-version-error): every listed
      // version is one server/discover lists, and discover lists the modern ones (2025 is negotiated by initialize).
      expect(res.body.error.data.supported).toEqual([MODERN]);
    });

    it.each<[string, Record<string, string | undefined>]>([
      ['no MCP-Protocol-Version', { 'mcp-protocol-version': undefined }],
      ['no Mcp-Method', { 'mcp-method': undefined }],
      ['another Mcp-Method', { 'mcp-method': 'tools/list' }],
      ['no Mcp-Name', { 'mcp-name': undefined }],
      ['another Mcp-Name', { 'mcp-name': 'notes.delete' }],
      ['a malformed base64 Mcp-Name', { 'mcp-name': '=?base64?not base64!?=' }],
      ['a base64 Mcp-Name of another tool', { 'mcp-name': `=?base64?${Buffer.from('notes.get').toString('base64')}?=` }],
    ])('tools/call with %s: 400 / -32020, and the tool does not run', async (_what, headers) => {
      const before = (await call('tools/call', { name: 'notes.list', arguments: { limit: 50 } })).body.result.structuredContent.notes.length;
      const res = await call('tools/call', { name: 'notes.create', arguments: { title: 'must not exist' } }, { headers });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe(-32020);
      const after = (await call('tools/call', { name: 'notes.list', arguments: { limit: 50 } })).body.result.structuredContent.notes.length;
      expect(after).toBe(before);
    });

    it('Mcp-Name in the base64 form: accepted', async () => {
      const res = await call(
        'tools/call',
        { name: 'notes.list', arguments: {} },
        { headers: { 'mcp-name': `=?base64?${Buffer.from('notes.list').toString('base64')}?=` } },
      );
      expect(res.status).toBe(200);
      expect(res.body.result.isError).toBeFalsy();
    });

    it.each(['initialize', 'ping', 'logging/setLevel', 'resources/subscribe', 'no/such-method'])(
      '%s (not a 2026-07-28 method): 404 / -32601',
      async (method) => {
        const params = method === 'logging/setLevel' ? { level: 'info' } : method === 'resources/subscribe' ? { uri: 'note://x' } : {};
        const res = await call(method, params);
        expect(res.status).toBe(404);
        expect(res.body.error.code).toBe(-32601);
      },
    );

    it('Accept allowing neither JSON nor SSE: 406', async () => {
      const res = await call('tools/list', {}, { accept: 'text/html' });
      expect(res.status).toBe(406);
    });

    it('a 2026-07-28 batch: 400 / -32600', async () => {
      const res = await fetch(t.mcpUrl, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json', 'mcp-protocol-version': MODERN },
        body: JSON.stringify([{ jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: { 'io.modelcontextprotocol/protocolVersion': MODERN } } }]),
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: number } }).error.code).toBe(-32600);
    });

    it('a notification: 202, nothing runs', async () => {
      const res = await fetch(t.mcpUrl, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json', 'mcp-protocol-version': MODERN },
        body: JSON.stringify({
          jsonrpc: '2.0',
          method: 'notifications/cancelled',
          params: { requestId: 1, _meta: { 'io.modelcontextprotocol/protocolVersion': MODERN } },
        }),
      });
      expect(res.status).toBe(202);
    });
  });

  describe('Mcp-Param-* headers (x-mcp-header)', () => {
    it('the tool declares them in its input schema', async () => {
      const tool = (await call('tools/list')).body.result.tools.find((x: { name: string }) => x.name === 'test.region');
      expect(tool.inputSchema.properties.region['x-mcp-header']).toBe('Region');
    });

    it.each<[string, Record<string, unknown>, Record<string, string>, number]>([
      ['matching header', { region: 'us-west1' }, { 'mcp-param-region': 'us-west1' }, 200],
      ['base64 header for a non-ASCII value', { region: 'Zürich' }, { 'mcp-param-region': `=?base64?${Buffer.from('Zürich').toString('base64')}?=` }, 200],
      ['integer compared numerically', { region: 'eu', limit: 42 }, { 'mcp-param-region': 'eu', 'mcp-param-limit': '42.0' }, 200],
      ['missing header', { region: 'us-west1' }, {}, 400],
      ['different value', { region: 'us-west1' }, { 'mcp-param-region': 'eu-north1' }, 400],
      ['malformed base64', { region: 'us-west1' }, { 'mcp-param-region': '=?base64?***?=' }, 400],
      ['integer that differs', { region: 'eu', limit: 42 }, { 'mcp-param-region': 'eu', 'mcp-param-limit': '43' }, 400],
    ])('%s: %#', async (_what, args, headers, status) => {
      const res = await call('tools/call', { name: 'test.region', arguments: args }, { headers });
      expect(res.status).toBe(status);
      if (status === 400) expect(res.body.error.code).toBe(-32020);
      else expect(res.body.result.content[0].text).toBe(`region ${String(args.region)}`);
    });
  });

  describe('streaming (item 3)', () => {
    it('a handler that reports progress answers with an SSE stream scoped to the request: progress, then the result', async () => {
      const res = await call('tools/call', { name: 'test.progress', arguments: { steps: 3 }, _meta: { progressToken: 'p-1' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(res.headers.get('x-accel-buffering')).toBe('no');
      const progress = res.events.filter((e) => e.method === 'notifications/progress');
      expect(progress.map((e) => [e.params.progressToken, e.params.progress, e.params.total])).toEqual([
        ['p-1', 1, 3],
        ['p-1', 2, 3],
        ['p-1', 3, 3],
      ]);
      // No logLevel in the request: no log messages (2026-07-28 logging is opt-in per request).
      expect(res.events.filter((e) => e.method === 'notifications/message')).toEqual([]);
      expect(res.events.at(-1)).toMatchObject({ id: 1, result: { resultType: 'complete', content: [{ text: 'done in 3 steps' }] } });
    });

    it('with logLevel in _meta, log messages come too; without a progressToken nothing streams', async () => {
      const logged = await call('tools/call', { name: 'test.progress', arguments: { steps: 2 } }, { meta: { 'io.modelcontextprotocol/logLevel': 'info' } });
      expect(logged.events.filter((e) => e.method === 'notifications/message').map((e) => e.params.data)).toEqual(['step 1 of 2', 'step 2 of 2']);
      const quiet = await call('tools/call', { name: 'test.progress', arguments: { steps: 2 } });
      expect(quiet.headers.get('content-type')).toMatch(/^application\/json/);
      expect(quiet.body.result.content[0].text).toBe('done in 2 steps');
    });

    it('a client that accepts only JSON gets JSON, notifications dropped', async () => {
      const res = await call('tools/call', { name: 'test.progress', arguments: { steps: 2 }, _meta: { progressToken: 'p-2' } }, { accept: 'application/json' });
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(res.body.result.content[0].text).toBe('done in 2 steps');
    });

    it('closing the stream cancels the handler', async () => {
      const tag = `closed-${Date.now()}`;
      const controller = new AbortController();
      const pending = call('tools/call', { name: 'test.sleep', arguments: { ms: 20_000, tag } }, { signal: controller.signal }).catch((e: Error) => e);
      await new Promise((r) => setTimeout(r, 200));
      controller.abort();
      expect(await pending).toBeInstanceOf(Error);
      expect(
        await pollUntil(
          async () => FixtureTools.aborted.includes(tag),
          (seen) => seen,
          3000,
        ),
      ).toBe(true);
    });
  });
});

describe('2025 clients on the same endpoint, statelessly', () => {
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    a = await startTestApp({}, { modules: [FixtureToolsModule] });
    // A second instance of the same deployment (same PUBLIC_URL, so the same token audience).
    b = await startTestApp({ PUBLIC_URL: a.baseUrl }, { modules: [FixtureToolsModule] });
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
  });

  it('initialize on one instance, then calls on another: each answers alone (no session)', async () => {
    const login = uniqueLogin('legacy-two');
    const auth = { authorization: `Bearer ${await a.token(login)}` };
    const init = await a.rpc(
      { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'old', version: '1' } } },
      auth,
    );
    expect(init.status).toBe(200);
    expect(init.headers.get('mcp-session-id')).toBeNull();
    expect(init.body.result).toMatchObject({ protocolVersion: '2025-06-18', serverInfo: { name: 'secure-mcp-server' }, capabilities: { tools: {} } });
    expect(init.body.result.resultType).toBeUndefined();
    const unknownVersion = await a.rpc(
      { jsonrpc: '2.0', id: 2, method: 'initialize', params: { protocolVersion: '1999-01-01', capabilities: {}, clientInfo: { name: 'old', version: '1' } } },
      auth,
    );
    expect(unknownVersion.body.result.protocolVersion).toBe('2025-11-25');
    const res = await fetch(`http://localhost:${b.config.port}/mcp`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-06-18' },
      body: JSON.stringify(toolCall('notes.list')),
    });
    expect(res.status).toBe(200);
    const list = (await res.json()) as { result: { structuredContent: unknown; resultType?: string } };
    expect(list.result.structuredContent).toEqual({ notes: [] });
    expect(list.result.resultType).toBeUndefined();
  });

  it('progress for a 2025 request streams too (SSE), when it asked with a progressToken', async () => {
    const auth = { authorization: `Bearer ${await a.token(uniqueLogin('legacy-progress'))}`, 'mcp-protocol-version': '2025-11-25' };
    const res = await fetch(a.mcpUrl, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 9,
        method: 'tools/call',
        params: { name: 'test.progress', arguments: { steps: 2 }, _meta: { progressToken: 7 } },
      }),
    });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = parseSse(await res.text());
    expect(events.filter((e) => e.method === 'notifications/progress').map((e) => e.params.progress)).toEqual([1, 2]);
    // A 2025 request has no per-request log level: its log messages are sent.
    expect(events.filter((e) => e.method === 'notifications/message')).toHaveLength(2);
    expect(events.at(-1)).toMatchObject({ id: 9, result: { content: [{ text: 'done in 2 steps' }] } });
  });

  it.each(['GET', 'DELETE'])('%s: 405', async (method) => {
    const res = await fetch(a.mcpUrl, { method, headers: { authorization: `Bearer ${await a.token(uniqueLogin('legacy-405'))}` } });
    expect(res.status).toBe(405);
  });
});
