import { Client as V2Client, StreamableHTTPClientTransport as V2Transport, type Progress } from '@modelcontextprotocol/client';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { modernRpc } from './helpers/modern-rpc.js';
import { startTestApp, uniqueLogin, type TestApp } from './helpers/test-app.js';

/**
 * Issue 8 item 4: what tool authors get from the ToolContext, shown by the built-in tools, in both
 * eras: progress from notes.search.
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
});
