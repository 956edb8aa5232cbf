import { Client, StreamableHTTPClientTransport, type Progress } from '@modelcontextprotocol/client';
import { FixtureToolsModule } from './fixtures/fixture-tools.module.js';
import { startTestApp, uniqueLogin, type TestApp } from './helpers/test-app.js';

/** Issue 8 item 7 (with a token; the sign-in from the bare URL is in the OAuth e2e): the official SDK v2 client. */
describe('the SDK v2 client', () => {
  let t: TestApp;
  const clients: Client[] = [];

  beforeAll(async () => {
    t = await startTestApp({}, { modules: [FixtureToolsModule] });
  });
  afterAll(async () => {
    await Promise.allSettled(clients.map((c) => c.close()));
    await t?.close();
  });

  async function connect(mode: 'auto' | { pin: string }, token: string): Promise<Client> {
    const client = new Client({ name: 'e2e-v2', version: '1.0.0' }, { versionNegotiation: { mode } });
    await client.connect(new StreamableHTTPClientTransport(new URL(t.mcpUrl), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
    clients.push(client);
    return client;
  }

  it('pinned to 2026-07-28: connects in the modern era and uses the notes tools, the template and the prompt', async () => {
    const client = await connect({ pin: '2026-07-28' }, await t.token(uniqueLogin('v2-pinned')));
    expect(client.getProtocolEra()).toBe('modern');
    expect(client.getServerVersion()).toMatchObject({ name: 'secure-mcp-server' });
    const { tools } = await client.listTools();
    expect(tools.map((x) => x.name)).toEqual(expect.arrayContaining(['notes.create', 'notes.list', 'notes.search']));
    const created = await client.callTool({ name: 'notes.create', arguments: { title: 'From v2', body: 'pinned' } });
    const note = (created.structuredContent as { note: { id: string } }).note;
    const listed = await client.callTool({ name: 'notes.list', arguments: {} });
    expect((listed.structuredContent as { notes: { id: string }[] }).notes.map((n) => n.id)).toEqual([note.id]);
    const read = await client.readResource({ uri: `note://${note.id}` });
    expect(read.contents[0]).toMatchObject({ uri: `note://${note.id}`, text: '# From v2\n\npinned' });
    const prompt = await client.getPrompt({ name: 'notes.summarize-recent', arguments: { count: '1' } });
    expect(JSON.stringify(prompt.messages)).toContain('From v2');
  });

  it('progress reaches the v2 client in the modern era', async () => {
    const client = await connect({ pin: '2026-07-28' }, await t.token(uniqueLogin('v2-progress')));
    const seen: Progress[] = [];
    const result = await client.callTool({ name: 'test.progress', arguments: { steps: 3 } }, { onprogress: (p) => seen.push(p) });
    expect(seen.map((p) => p.progress)).toEqual([1, 2, 3]);
    expect(result.content).toEqual([{ type: 'text', text: 'done in 3 steps' }]);
  });

  it('in auto mode it gets the modern era', async () => {
    const client = await connect('auto', await t.token(uniqueLogin('v2-auto')));
    expect(client.getProtocolEra()).toBe('modern');
    expect((await client.listTools()).tools.length).toBeGreaterThan(0);
  });
});
