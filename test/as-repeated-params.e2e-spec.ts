import { registerClient, type RegisteredClient } from './factories/oauth-client.factory.js';
import { authorize, exchangeCode, pkcePair } from './helpers/oauth-flow.js';
import { expectErrorPage, expectErrorRedirect, expectOAuthError, get } from './helpers/oauth-http.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';

/** RFC 6749 §3.1: request parameters must not be included more than once. */
describe('authorization server: repeated /authorize parameters', () => {
  let t: TestApp;
  let client: RegisteredClient;
  beforeAll(async () => {
    t = await startTestApp();
    client = await registerClient(t);
  });
  afterAll(async () => {
    await t?.close();
  });

  function url(extra: [string, string][]): string {
    const u = new URL(`${t.baseUrl}/authorize`);
    const { challenge } = pkcePair();
    const base: [string, string][] = [
      ['response_type', 'code'],
      ['client_id', client.client_id],
      ['redirect_uri', client.redirect_uris[0]],
      ['code_challenge', challenge],
      ['code_challenge_method', 'S256'],
    ];
    for (const [k, v] of [...base, ...extra]) u.searchParams.append(k, v);
    return u.toString();
  }

  it.each(['state', 'scope', 'code_challenge_method'])('a repeated %s goes back to the client as invalid_request, with no code', async (param) => {
    const values = param === 'code_challenge_method' ? ['S256'] : ['one', 'two'];
    const extra: [string, string][] = values.map((v) => [param, v]);
    if (param === 'scope') extra.splice(0, 2, ['scope', 'notes:read'], ['scope', 'notes:write']);
    const res = await get(url(extra));
    const back = expectErrorRedirect(res, { redirectUri: client.redirect_uris[0], error: 'invalid_request', iss: t.baseUrl });
    expect(back.searchParams.get('error_description')).toContain(param);
  });

  it('a repeated client_id or redirect_uri is shown as a page, never redirected', async () => {
    expectErrorPage(await get(url([['client_id', client.client_id]])), 400);
    expectErrorPage(await get(url([['redirect_uri', client.redirect_uris[0]]])), 400);
  });
});

/** OAuth 2.1 §4.1.3: redirect_uri at /token is required (and identical) exactly when /authorize had it. */
describe('authorization server: redirect_uri at /token', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('sent at /authorize, missing at /token: invalid_grant and no token', async () => {
    const a = await authorize(t);
    expectOAuthError(await exchangeCode(t, a, { redirect_uri: undefined }), 400, 'invalid_grant');
  });

  it('left out of both (one registered URI): tokens are issued', async () => {
    const a = await authorize(t, { params: { redirect_uri: undefined } });
    const res = await exchangeCode(t, a, { redirect_uri: undefined });
    expect(res.status).toBe(200);
    expect(res.json.access_token).toBeTruthy();
  });

  it('left out at /authorize but sent at /token: must still be the registered URI', async () => {
    const a = await authorize(t, { params: { redirect_uri: undefined } });
    expectOAuthError(await exchangeCode(t, a, { redirect_uri: 'http://127.0.0.1:1/other' }), 400, 'invalid_grant');
  });
});
