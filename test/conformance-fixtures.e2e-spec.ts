import { ConformanceModule } from './conformance/conformance.module.js';
import { modernRpc } from './helpers/modern-rpc.js';
import { startTestApp, uniqueLogin, type TestApp } from './helpers/test-app.js';

/**
 * Issue 8 item 5: the conformance fixtures are ordinary providers on the decorator API, guarded by
 * `conformance:test`, and only the conformance entry point loads them (`npm run conformance` runs the
 * official suite against them).
 */
describe('conformance fixtures', () => {
  let t: TestApp;
  let token: string;

  beforeAll(async () => {
    t = await startTestApp({}, { modules: [ConformanceModule] });
    token = await t.token(uniqueLogin('conformance'), ['conformance:test']);
  });
  afterAll(async () => {
    await t?.close();
  });

  const names = (res: { body: { result: { tools: { name: string }[] } } }) => res.body.result.tools.map((x) => x.name);

  it('lists the suite tools to a token with conformance:test, and none of them to one without', async () => {
    expect(names(await modernRpc(t.mcpUrl, token, 'tools/list'))).toEqual(
      expect.arrayContaining(['test_simple_text', 'test_image_content', 'test_error_handling', 'test_tool_with_progress', 'json_schema_2020_12_tool']),
    );
    const other = await t.token(uniqueLogin('conformance-other'), ['notes:read']);
    expect(names(await modernRpc(t.mcpUrl, other, 'tools/list')).filter((n) => n.startsWith('test_'))).toEqual([]);
    const denied = await modernRpc(t.mcpUrl, other, 'tools/call', { name: 'test_simple_text', arguments: {} });
    expect(denied.status).toBe(403);
    expect(denied.headers.get('www-authenticate')).toContain('conformance:test');
  });

  it('keeps the 2020-12 keywords the author declared in .meta(), $schema included', async () => {
    const tools = (await modernRpc(t.mcpUrl, token, 'tools/list')).body.result.tools as { name: string; inputSchema: Record<string, unknown> }[];
    const schema = tools.find((x) => x.name === 'json_schema_2020_12_tool')!.inputSchema;
    expect(schema).toMatchObject({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      $defs: { address: { $anchor: 'addressDef' } },
      additionalProperties: false,
      allOf: [{ anyOf: [{ required: ['phone'] }, { required: ['email'] }] }],
      then: { required: ['phone'] },
    });
    // Schemas that declare no $schema keep the default dialect implicit, as before.
    expect(tools.find((x) => x.name === 'test_simple_text')!.inputSchema.$schema).toBeUndefined();
  });

  it('a thrown domain error is a tool error result; the template resource gets its variable', async () => {
    const error = await modernRpc(t.mcpUrl, token, 'tools/call', { name: 'test_error_handling', arguments: {} });
    expect(error.body.result).toMatchObject({ isError: true, content: [{ type: 'text', text: 'This tool intentionally returns an error for testing' }] });
    const read = await modernRpc(t.mcpUrl, token, 'resources/read', { uri: 'test://template/42/data' });
    expect(JSON.parse(read.body.result.contents[0].text)).toEqual({ id: '42', templateTest: true, data: 'Data for ID: 42' });
  });

  it('an app built without the module (as production is) has none of the fixtures', async () => {
    const plain = await startTestApp();
    try {
      const all = await plain.token(uniqueLogin('conformance-plain'), ['conformance:test', 'notes:read', 'notes:write']);
      expect(names(await modernRpc(plain.mcpUrl, all, 'tools/list')).filter((n) => n.startsWith('test_'))).toEqual([]);
    } finally {
      await plain.close();
    }
  });
});
