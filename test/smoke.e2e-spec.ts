import { startTestApp, uniqueLogin, type TestApp } from './helpers/test-app.js';

describe('smoke', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('lists tools with the SDK client', async () => {
    const client = await t.client(await t.token(uniqueLogin()));
    const { tools } = await client.listTools();
    expect(tools.map((x) => x.name).sort()).toEqual(['notes.create', 'notes.delete', 'notes.get', 'notes.list', 'notes.search', 'notes.update']);
  });
});
