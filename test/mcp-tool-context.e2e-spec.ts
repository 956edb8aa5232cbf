import { Client as V2Client, StreamableHTTPClientTransport as V2Transport, type Progress } from '@modelcontextprotocol/client';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { callerBinding, RequestStateSeal } from '../src/mcp/request-state.js';
import { FixtureToolsModule } from './fixtures/fixture-tools.module.js';
import { withDb } from './helpers/db.js';
import { modernRpc, type ModernReply } from './helpers/modern-rpc.js';
import { startTestApp, uniqueLogin, type TestApp } from './helpers/test-app.js';
import { pollUntil } from './helpers/wait.js';

/**
 * Issue 8 item 4: what tool authors get from the ToolContext, shown by the built-in tools, in both
 * eras: progress from notes.search, resources/list of the caller's notes (paginated), completion.
 */
describe('the ToolContext through the built-in tools', () => {
  let t: TestApp;
  const v2Clients: V2Client[] = [];

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await Promise.allSettled(v2Clients.map((c) => c.close()));
    await t?.close();
  });

  async function v2(token: string): Promise<V2Client> {
    const client = new V2Client({ name: 'e2e-v2', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
    await client.connect(new V2Transport(new URL(t.mcpUrl), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
    v2Clients.push(client);
    return client;
  }

  describe('notes.search reports progress', () => {
    it('2026-07-28 (raw): progress notifications for the progressToken, then the result, on one SSE stream', async () => {
      const token = await t.token(uniqueLogin('search-progress'));
      await modernRpc(t.mcpUrl, token, 'tools/call', { name: 'notes.create', arguments: { title: 'Quarterly plan', body: 'budget and hiring' } });
      const res = await modernRpc(t.mcpUrl, token, 'tools/call', { name: 'notes.search', arguments: { query: 'budget' }, _meta: { progressToken: 's-1' } });
      expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const progress = res.events.filter((e) => e.method === 'notifications/progress').map((e) => e.params);
      expect(progress).toEqual([
        { progressToken: 's-1', progress: 0, total: 1, message: 'Searching your notes' },
        { progressToken: 's-1', progress: 1, total: 1, message: '1 match' },
      ]);
      expect(res.body.result.structuredContent.results.map((r: { title: string }) => r.title)).toEqual(['Quarterly plan']);
      // Without a progressToken: plain JSON, nothing streamed.
      const quiet = await modernRpc(t.mcpUrl, token, 'tools/call', { name: 'notes.search', arguments: { query: 'budget' } });
      expect(quiet.headers.get('content-type')).toMatch(/^application\/json/);
      expect(quiet.body.result.structuredContent.results).toHaveLength(1);
    });

    it('the SDK v2 client pinned to 2026-07-28 gets it through onprogress', async () => {
      const client = await v2(await t.token(uniqueLogin('search-v2')));
      await client.callTool({ name: 'notes.create', arguments: { title: 'Garden', body: 'tomatoes' } });
      const seen: Progress[] = [];
      const result = await client.callTool({ name: 'notes.search', arguments: { query: 'tomatoes' } }, { onprogress: (p) => seen.push(p) });
      expect(seen.map((p) => [p.progress, p.total])).toEqual([
        [0, 1],
        [1, 1],
      ]);
      expect((result.structuredContent as { results: unknown[] }).results).toHaveLength(1);
    });

    it('2025-11-25: the SDK v1 client gets it through onprogress', async () => {
      const client = await t.client(await t.token(uniqueLogin('search-v1')));
      await client.callTool({ name: 'notes.create', arguments: { title: 'Bikes', body: 'new chain' } });
      const seen: number[] = [];
      const result = await client.callTool({ name: 'notes.search', arguments: { query: 'chain' } }, CallToolResultSchema, {
        onprogress: (p) => seen.push(p.progress),
      });
      expect(seen).toEqual([0, 1]);
      expect((result.structuredContent as { results: unknown[] }).results).toHaveLength(1);
    });
  });

  describe("resources/list: the caller's own most recent notes, paginated", () => {
    async function notesOf(login: string, count: number): Promise<{ token: string; ids: string[] }> {
      const token = await t.token(login);
      const ids: string[] = [];
      for (let i = 1; i <= count; i++) {
        const r = await modernRpc(t.mcpUrl, token, 'tools/call', { name: 'notes.create', arguments: { title: `Note ${i}` } });
        ids.push(r.body.result.structuredContent.note.id);
      }
      return { token, ids: ids.reverse() }; // newest first
    }

    it('2026-07-28: 20 per page, newest first, an opaque cursor to the rest; another person sees none of them', async () => {
      const { token, ids } = await notesOf(uniqueLogin('res-list'), 23);
      const first = await modernRpc(t.mcpUrl, token, 'resources/list');
      expect(first.status).toBe(200);
      expect(first.body.result).toMatchObject({ resultType: 'complete', cacheScope: 'private' });
      const page1 = first.body.result.resources;
      expect(page1.map((r: { uri: string }) => r.uri)).toEqual(ids.slice(0, 20).map((id) => `note://${id}`));
      expect(page1[0]).toMatchObject({ name: 'Note 23', title: 'Note 23', mimeType: 'text/markdown' });
      expect(typeof first.body.result.nextCursor).toBe('string');
      const second = await modernRpc(t.mcpUrl, token, 'resources/list', { cursor: first.body.result.nextCursor });
      expect(second.body.result.resources.map((r: { uri: string }) => r.uri)).toEqual(ids.slice(20).map((id) => `note://${id}`));
      expect(second.body.result.nextCursor).toBeUndefined();
      // A listed resource reads.
      const read = await modernRpc(t.mcpUrl, token, 'resources/read', { uri: page1[0].uri });
      expect(read.body.result.contents[0].text).toBe('# Note 23\n\n');

      const other = await t.token(uniqueLogin('res-other'));
      const theirs = await modernRpc(t.mcpUrl, other, 'resources/list');
      expect(theirs.body.result.resources).toEqual([]);
      // Another person's cursor only pages through the caller's own notes.
      const foreign = await modernRpc(t.mcpUrl, other, 'resources/list', { cursor: first.body.result.nextCursor });
      expect(foreign.body.result.resources).toEqual([]);
    });

    it.each([
      ['garbage', 'not a cursor!'],
      ['JSON that is no position', Buffer.from('{"a":1}').toString('base64url')],
      ['a position with a forged inner cursor', Buffer.from('[0,"zzzz"]').toString('base64url')],
      ['a lister that does not exist', Buffer.from('[7]').toString('base64url')],
      ['huge', 'A'.repeat(5000)],
    ])('a bad cursor (%s): -32602 in both eras, never a 500', async (_why, cursor) => {
      const token = await t.token(uniqueLogin('res-bad'));
      const modern = await modernRpc(t.mcpUrl, token, 'resources/list', { cursor });
      expect(modern.status).toBe(200);
      expect(modern.body.error.code).toBe(-32602);
      const legacy = await t.rpc(
        { jsonrpc: '2.0', id: 3, method: 'resources/list', params: { cursor } },
        { authorization: `Bearer ${token}`, 'mcp-protocol-version': '2025-11-25' },
      );
      expect(legacy.status).toBe(200);
      expect(legacy.body.error.code).toBe(-32602);
    });

    it('2025-11-25: the SDK v1 client pages through the same list', async () => {
      const { token, ids } = await notesOf(uniqueLogin('res-v1'), 21);
      const client = await t.client(token);
      const first = await client.listResources();
      expect(first.resources).toHaveLength(20);
      const second = await client.listResources({ cursor: first.nextCursor });
      expect([...first.resources, ...second.resources].map((r) => r.uri)).toEqual(ids.map((id) => `note://${id}`));
      expect(second.nextCursor).toBeUndefined();
    });

    it('without notes:read there is nothing to list', async () => {
      await notesOf(uniqueLogin('res-write-only'), 1);
      const writer = await t.token(uniqueLogin('res-write-only'), ['notes:write']);
      const res = await modernRpc(t.mcpUrl, writer, 'resources/list');
      expect(res.body.result.resources).toEqual([]);
    });
  });

  describe('completion/complete', () => {
    const complete = (token: string, ref: Record<string, unknown>, name: string, value: string) =>
      modernRpc(t.mcpUrl, token, 'completion/complete', { ref, argument: { name, value } });
    const noteRef = { type: 'ref/resource', uri: 'note://{id}' };

    it('the completions capability is declared in both eras', async () => {
      const token = await t.token(uniqueLogin('compl-cap'));
      const discover = await modernRpc(t.mcpUrl, token, 'server/discover');
      expect(discover.body.result.capabilities.completions).toEqual({});
      const client = await t.client(token);
      expect(client.getServerCapabilities()?.completions).toEqual({});
    });

    it("note://{id} completes from the caller's own note titles, never another person's", async () => {
      const alice = await t.token(uniqueLogin('compl-alice'));
      const bob = await t.token(uniqueLogin('compl-bob'));
      const create = async (token: string, title: string) =>
        (await modernRpc(t.mcpUrl, token, 'tools/call', { name: 'notes.create', arguments: { title } })).body.result.structuredContent.note.id as string;
      const plan = await create(alice, 'Alpha plan');
      const review = await create(alice, 'Review of ALPHA');
      await create(alice, 'Beta notes');
      await create(bob, 'Alpha secret of Bob');
      const res = await complete(alice, noteRef, 'id', 'alpha');
      expect(res.status).toBe(200);
      expect(res.body.result).toMatchObject({ resultType: 'complete', completion: { values: [review, plan], total: 2, hasMore: false } });
      // An id prefix completes too; a value with LIKE wildcards matches literally.
      expect((await complete(alice, noteRef, 'id', plan.slice(0, 8))).body.result.completion.values).toEqual([plan]);
      expect((await complete(alice, noteRef, 'id', '%')).body.result.completion.values).toEqual([]);
      // Bob's own completion sees only his note.
      expect((await complete(bob, noteRef, 'id', 'alpha')).body.result.completion.values).toHaveLength(1);
      expect((await complete(bob, noteRef, 'id', 'alpha')).body.result.completion.values).not.toContain(plan);
    });

    it('prompt arguments complete (notes.summarize-recent count)', async () => {
      const token = await t.token(uniqueLogin('compl-prompt'));
      const res = await complete(token, { type: 'ref/prompt', name: 'notes.summarize-recent' }, 'count', '1');
      expect(res.body.result.completion.values).toEqual(['1', '10', '11', '12', '13', '14', '15', '16', '17', '18', '19']);
      // An argument without a completer: no values.
      const none = await complete(token, noteRef, 'other', 'x');
      expect(none.body.result.completion).toEqual({ values: [], total: 0, hasMore: false });
    });

    it('an unknown prompt or template, NUL, a lone surrogate or a huge value: -32602', async () => {
      const token = await t.token(uniqueLogin('compl-bad'));
      for (const [ref, value] of [
        [{ type: 'ref/prompt', name: 'no.such.prompt' }, 'x'],
        [{ type: 'ref/resource', uri: 'nope://{id}' }, 'x'],
        [noteRef, 'a\u0000b'],
        [noteRef, '\ud800'],
        [noteRef, 'x'.repeat(10_000)],
      ] as const) {
        const res = await complete(token, ref, 'id', value);
        expect(res.status).toBe(200);
        expect(res.body.error.code).toBe(-32602);
      }
    });

    it('without notes:read: the 403 step-up naming it', async () => {
      const writer = await t.token(uniqueLogin('compl-writer'), ['notes:write']);
      const res = await complete(writer, noteRef, 'id', 'a');
      expect(res.status).toBe(403);
      expect(res.headers.get('www-authenticate')).toMatch(/insufficient_scope.*notes:read/);
    });

    it('2025-11-25 and the v2 client: the same answers', async () => {
      const token = await t.token(uniqueLogin('compl-clients'));
      const id = (await modernRpc(t.mcpUrl, token, 'tools/call', { name: 'notes.create', arguments: { title: 'Gamma ray' } })).body.result.structuredContent
        .note.id as string;
      const v1 = await t.client(token);
      expect((await v1.complete({ ref: noteRef as never, argument: { name: 'id', value: 'gamma' } })).completion.values).toEqual([id]);
      const client = await v2(token);
      expect(
        (await client.complete({ ref: { type: 'ref/resource', uri: 'note://{id}' }, argument: { name: 'id', value: 'GAMMA' } })).completion.values,
      ).toEqual([id]);
    });
  });
});

/**
 * Issue 8 item 4: input-required rounds (2026-07-28 basic/patterns/mrtr) from the decorator API:
 * notes.delete confirms through elicitation; requestState is sealed and bound to user, client and tool.
 */
describe('ToolContext.inputRequired: notes.delete confirms through elicitation', () => {
  let t: TestApp;
  const v2Clients: V2Client[] = [];
  const ELICIT = { 'io.modelcontextprotocol/clientCapabilities': { elicitation: {} } };

  beforeAll(async () => {
    t = await startTestApp({}, { modules: [FixtureToolsModule] });
  });
  afterAll(async () => {
    await Promise.allSettled(v2Clients.map((c) => c.close()));
    await t?.close();
  });

  async function noteFor(token: string, title = 'Precious'): Promise<string> {
    const r = await modernRpc(t.mcpUrl, token, 'tools/call', { name: 'notes.create', arguments: { title } });
    return r.body.result.structuredContent.note.id as string;
  }
  const exists = async (token: string, id: string) =>
    !(await modernRpc(t.mcpUrl, token, 'tools/call', { name: 'notes.get', arguments: { id } })).body.result.isError;
  const del = (token: string, id: string, extra: Record<string, unknown> = {}, meta: Record<string, unknown> = ELICIT) =>
    modernRpc(t.mcpUrl, token, 'tools/call', { name: 'notes.delete', arguments: { id }, ...extra }, { meta });
  const accept = { confirm: { action: 'accept', content: { confirm: true } } };

  it('asks first (an input-required result with a sealed requestState), then deletes on the retried request with the accepted answer', async () => {
    const token = await t.token(uniqueLogin('del-ask'));
    const id = await noteFor(token, 'Tax return 2025');
    const first = await del(token, id);
    expect(first.status).toBe(200);
    expect(first.body.result).toMatchObject({
      resultType: 'input_required',
      inputRequests: {
        confirm: {
          method: 'elicitation/create',
          params: { message: expect.stringContaining('"Tax return 2025"'), requestedSchema: { type: 'object', properties: { confirm: { type: 'boolean' } } } },
        },
      },
    });
    expect(first.body.result.requestState).toMatch(/^v1\./);
    expect(await exists(token, id)).toBe(true);
    const second = await del(token, id, { inputResponses: accept, requestState: first.body.result.requestState });
    expect(second.body.result).toMatchObject({ resultType: 'complete', structuredContent: { deleted: true, id } });
    expect(await exists(token, id)).toBe(false);
    // Both rounds are audited: the question, then the deletion.
    const outcomes = await pollUntil(
      () =>
        withDb(
          async (db) =>
            (
              await db.query(`SELECT outcome FROM audit_events WHERE request_id = ANY($1) ORDER BY id`, [
                [first.headers.get('x-request-id'), second.headers.get('x-request-id')],
              ])
            ).rows,
        ),
      (rows) => rows.length >= 2,
      10_000,
      100,
    );
    expect(outcomes.map((r: { outcome: string }) => r.outcome)).toEqual(['input_required', 'ok']);
  });

  it.each([
    ['declined', { action: 'decline' }, 'you declined'],
    ['cancelled', { action: 'cancel' }, 'you cancelled'],
    ['accepted without confirming', { action: 'accept', content: { confirm: false } }, 'you did not confirm'],
    ['accepted with content that is not the schema', { action: 'accept', content: { confirm: 'yes' } }, 'you did not confirm'],
  ])('%s: nothing deleted, a clear tool result', async (_why, answer, reason) => {
    const token = await t.token(uniqueLogin('del-no'));
    const id = await noteFor(token);
    const first = await del(token, id);
    const second = await del(token, id, { inputResponses: { confirm: answer }, requestState: first.body.result.requestState });
    expect(second.body.result.isError).toBeFalsy();
    expect(second.body.result.structuredContent).toEqual({ deleted: false, id, message: `Not deleted: ${reason}. The note is unchanged.` });
    expect(second.body.result.content[0].text).toContain(`Not deleted: ${reason}`);
    expect(await exists(token, id)).toBe(true);
  });

  it('an answer without the state of the question, or with the state of a question about another note: asked again, nothing deleted', async () => {
    const token = await t.token(uniqueLogin('del-replay'));
    const id = await noteFor(token);
    const other = await noteFor(token, 'Other');
    const forged = await del(token, id, { inputResponses: accept });
    expect(forged.body.result.resultType).toBe('input_required');
    const aboutOther = (await del(token, other)).body.result.requestState;
    const swapped = await del(token, id, { inputResponses: accept, requestState: aboutOther });
    expect(swapped.body.result.resultType).toBe('input_required');
    expect(await exists(token, id)).toBe(true);
    expect(await exists(token, other)).toBe(true);
  });

  it('a note that does not exist: a tool error, no question', async () => {
    const token = await t.token(uniqueLogin('del-missing'));
    const res = await del(token, '00000000-0000-4000-8000-000000000000');
    expect(res.body.result).toMatchObject({ resultType: 'complete', isError: true });
  });

  it('a client that did not declare elicitation: deleted without asking', async () => {
    const token = await t.token(uniqueLogin('del-plain'));
    const id = await noteFor(token);
    const res = await del(token, id, {}, {});
    expect(res.body.result.structuredContent).toEqual({ deleted: true, id });
    expect(await exists(token, id)).toBe(false);
  });

  it('a stateless 2025 request (even from a client that declared elicitation at initialize): deleted without asking', async () => {
    const token = await t.token(uniqueLogin('del-legacy'));
    const id = await noteFor(token);
    const auth = { authorization: `Bearer ${token}`, 'mcp-protocol-version': '2025-11-25' };
    await t.rpc(
      {
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-11-25', capabilities: { elicitation: {} }, clientInfo: { name: 'old', version: '1' } },
      },
      auth,
    );
    const res = await t.rpc({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'notes.delete', arguments: { id } } }, auth);
    expect(res.body.result.structuredContent).toEqual({ deleted: true, id });
    const v1 = await t.client(token);
    const id2 = await noteFor(token);
    expect((await v1.callTool({ name: 'notes.delete', arguments: { id: id2 } })).structuredContent).toEqual({ deleted: true, id: id2 });
  });

  describe('requestState is sealed: tampered, expired or foreign state gets -32602 and deletes nothing', () => {
    async function refused(res: ModernReply, token: string, id: string) {
      expect(res.status).toBe(200);
      expect(res.body.error).toMatchObject({ code: -32602, message: 'Invalid or expired requestState', data: { reason: 'invalid_request_state' } });
      expect(await exists(token, id)).toBe(true);
    }

    it('tampered', async () => {
      const token = await t.token(uniqueLogin('state-tamper'));
      const id = await noteFor(token);
      const state: string = (await del(token, id)).body.result.requestState;
      const [prefix, body, mac] = state.split('.');
      const payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
      payload.exp += 3600;
      const longer = `${prefix}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${mac}`;
      await refused(await del(token, id, { inputResponses: accept, requestState: longer }), token, id);
      await refused(await del(token, id, { inputResponses: accept, requestState: `${state.slice(0, -3)}AAA` }), token, id);
      await refused(await del(token, id, { inputResponses: accept, requestState: 'not-a-state\u0000' }), token, id);
    });

    it('expired', async () => {
      const login = uniqueLogin('state-expired');
      const token = await t.token(login);
      const id = await noteFor(token);
      // Minted exactly as the server mints, with its secret and this caller's binding, but already expired.
      const caller = callerBinding(await t.userId(login), 'test-client');
      const expired = await new RequestStateSeal(t.config.keyEncryptionSecret!, () => caller, -5).mint('notes.delete', { id }, {
        mcpReq: { method: 'tools/call' },
      } as never);
      await refused(await del(token, id, { inputResponses: accept, requestState: expired }), token, id);
      // The same, unexpired, is accepted: the test above refuses for the expiry alone.
      const fresh = await new RequestStateSeal(t.config.keyEncryptionSecret!, () => caller).mint('notes.delete', { id }, {
        mcpReq: { method: 'tools/call' },
      } as never);
      expect((await del(token, id, { inputResponses: accept, requestState: fresh })).body.result.structuredContent).toEqual({ deleted: true, id });
    });

    it("another user's", async () => {
      const alice = await t.token(uniqueLogin('state-alice'));
      const bob = await t.token(uniqueLogin('state-bob'));
      const id = await noteFor(bob);
      const aliceId = await noteFor(alice);
      const aliceState = (await del(alice, aliceId)).body.result.requestState;
      await refused(await del(bob, id, { inputResponses: accept, requestState: aliceState }), bob, id);
    });

    it("another client's (same person)", async () => {
      const login = uniqueLogin('state-client');
      const token = await t.token(login);
      const otherClient = await t.token(login, undefined, { clientId: 'another-client' });
      const id = await noteFor(token);
      const state = (await del(token, id)).body.result.requestState;
      await refused(await del(otherClient, id, { inputResponses: accept, requestState: state }), token, id);
    });

    it("another tool's", async () => {
      const token = await t.token(uniqueLogin('state-tool'));
      const id = await noteFor(token);
      const state = (await del(token, id)).body.result.requestState;
      const res = await modernRpc(
        t.mcpUrl,
        token,
        'tools/call',
        { name: 'test.ask', arguments: { kind: 'roots' }, inputResponses: {}, requestState: state },
        { meta: ELICIT },
      );
      await refused(res, token, id);
      const update = await modernRpc(t.mcpUrl, token, 'tools/call', { name: 'notes.update', arguments: { id, title: 'Hijacked' }, requestState: state });
      expect(update.body.error).toMatchObject({ code: -32602 });
      expect((await modernRpc(t.mcpUrl, token, 'tools/call', { name: 'notes.get', arguments: { id } })).body.result.structuredContent.note.title).toBe(
        'Precious',
      );
    });
  });

  describe('sampling and roots (a test tool)', () => {
    it('sampling: input-required with sampling/createMessage, then the answer and the sealed state', async () => {
      const token = await t.token(uniqueLogin('ask-sampling'));
      const meta = { 'io.modelcontextprotocol/clientCapabilities': { sampling: {} } };
      const first = await modernRpc(t.mcpUrl, token, 'tools/call', { name: 'test.ask', arguments: { kind: 'sampling', note: 'kept' } }, { meta });
      expect(first.body.result).toMatchObject({
        resultType: 'input_required',
        inputRequests: { q: { method: 'sampling/createMessage', params: { maxTokens: 20 } } },
      });
      const answer = { q: { role: 'assistant', content: { type: 'text', text: 'Hello!' }, model: 'test-model' } };
      const second = await modernRpc(
        t.mcpUrl,
        token,
        'tools/call',
        { name: 'test.ask', arguments: { kind: 'sampling', note: 'kept' }, inputResponses: answer, requestState: first.body.result.requestState },
        { meta },
      );
      expect(second.body.result.content[0].text).toBe('sampled: Hello! (state kept)');
    });

    it('roots: input-required with roots/list, then the roots', async () => {
      const token = await t.token(uniqueLogin('ask-roots'));
      const meta = { 'io.modelcontextprotocol/clientCapabilities': { roots: {} } };
      const first = await modernRpc(t.mcpUrl, token, 'tools/call', { name: 'test.ask', arguments: { kind: 'roots' } }, { meta });
      expect(first.body.result).toMatchObject({ resultType: 'input_required', inputRequests: { q: { method: 'roots/list' } } });
      const second = await modernRpc(
        t.mcpUrl,
        token,
        'tools/call',
        {
          name: 'test.ask',
          arguments: { kind: 'roots' },
          inputResponses: { q: { roots: [{ uri: 'file:///work' }] } },
          requestState: first.body.result.requestState,
        },
        { meta },
      );
      expect(second.body.result.content[0].text).toBe('roots: file:///work (state none)');
    });

    it('a client without the capability is not asked', async () => {
      const token = await t.token(uniqueLogin('ask-none'));
      const res = await modernRpc(t.mcpUrl, token, 'tools/call', { name: 'test.ask', arguments: { kind: 'sampling' } }, { meta: ELICIT });
      expect(res.body.result.content[0].text).toBe('cannot ask for sampling');
    });
  });

  describe('the SDK v2 client pinned to 2026-07-28, with an elicitation handler', () => {
    async function v2WithElicitation(token: string, answer: 'accept' | 'decline', asked: string[]): Promise<V2Client> {
      const client = new V2Client(
        { name: 'e2e-v2-elicit', version: '1.0.0' },
        { versionNegotiation: { mode: { pin: '2026-07-28' } }, capabilities: { elicitation: { form: {} } } },
      );
      client.setRequestHandler('elicitation/create', async (request) => {
        asked.push((request.params as { message: string }).message);
        return answer === 'accept' ? { action: 'accept', content: { confirm: true } } : { action: 'decline' };
      });
      await client.connect(new V2Transport(new URL(t.mcpUrl), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
      v2Clients.push(client);
      return client;
    }

    it('accepting deletes; declining keeps the note', async () => {
      const token = await t.token(uniqueLogin('del-v2'));
      const asked: string[] = [];
      const yes = await v2WithElicitation(token, 'accept', asked);
      const id = await noteFor(token, 'Shopping list');
      const deleted = await yes.callTool({ name: 'notes.delete', arguments: { id } });
      expect(deleted.structuredContent).toEqual({ deleted: true, id });
      expect(asked).toEqual([expect.stringContaining('"Shopping list"')]);
      expect(await exists(token, id)).toBe(false);

      const no = await v2WithElicitation(token, 'decline', asked);
      const kept = await noteFor(token, 'Keep me');
      const declined = await no.callTool({ name: 'notes.delete', arguments: { id: kept } });
      expect(declined.structuredContent).toEqual({ deleted: false, id: kept, message: 'Not deleted: you declined. The note is unchanged.' });
      expect(await exists(token, kept)).toBe(true);
    });
  });
});
