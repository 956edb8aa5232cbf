import { rpcRequest } from './factories/json-rpc.factory.js';
import { startTestApp, uniqueLogin, type TestApp } from './helpers/test-app.js';

/** The signature check of a token is reused for a minute; expiry and revocation never are. */
describe('verified-token cache', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  const list = (token: string) => t.rpc(rpcRequest('tools/list'), { authorization: `Bearer ${token}` });

  it('a token used (and cached) while valid is refused once it expires', async () => {
    const token = await t.token(uniqueLogin('cache'), ['notes:read'], { ttlSeconds: 1 });
    expect((await list(token)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 6500)); // exp + the 5 s clock tolerance
    const res = await list(token);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('a cached token is refused as soon as its token id is revoked', async () => {
    const token = await t.token(uniqueLogin('cache'), ['notes:read']);
    expect((await list(token)).status).toBe(200);
    const jti = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')).jti as string;
    const { RevocationService } = await import('../src/auth/revocation/revocation.service.js');
    await t.app.get(RevocationService).revokeToken(jti);
    expect((await list(token)).status).toBe(401);
  });
});
