import { FakeGithub } from './helpers/fake-github.js';
import { exchangeCode, mcpStatus, openConsent, refreshWith, waitForMcpStatus, type TokenSet } from './helpers/oauth-flow.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';

/** ALLOWED_GITHUB_LOGINS / ALLOWED_GITHUB_ORG: when set, a person must match one of them. */
describe('GitHub sign-in allow-lists', () => {
  const github = new FakeGithub();
  let t: TestApp;

  beforeAll(async () => {
    await github.start();
    t = await startTestApp({ ...github.env(), ALLOWED_GITHUB_LOGINS: 'VIP-Person', ALLOWED_GITHUB_ORG: 'acme' });
  });
  afterAll(async () => {
    await t?.close();
    await github.stop();
  });

  async function signInAs(user: { id: number; login: string; orgs?: string[] }) {
    github.nextUser = user;
    const step = await openConsent(t, { followOrigins: [github.url] });
    return step.browser.submit(`${t.baseUrl}/authorize/consent`, { ...step.fields, decision: 'approve' });
  }

  async function tokensAs(user: { id: number; login: string; orgs?: string[] }): Promise<{ tokens: TokenSet; clientId: string }> {
    github.nextUser = user;
    const step = await openConsent(t, { followOrigins: [github.url] });
    const res = await step.browser.submit(`${t.baseUrl}/authorize/consent`, { ...step.fields, decision: 'approve' });
    const back = new URL(res.location!);
    const exchanged = await exchangeCode(t, { ...step, code: back.searchParams.get('code')!, callback: back, login: user.login, final: res });
    expect(exchanged.status).toBe(200);
    return { tokens: exchanged.json as TokenSet, clientId: step.client.client_id };
  }

  it.each([
    ['a listed login (case-insensitive)', { id: 7001, login: 'vip-person' }],
    ['an active member of the organisation', { id: 7002, login: 'member', orgs: ['acme'] }],
  ])('%s is signed in and the client gets a code', async (_name, user) => {
    const res = await signInAs(user);
    expect(res.status).toBe(302);
    expect(new URL(res.location!).searchParams.get('code')).toBeTruthy();
  });

  it('anyone else gets a clear 403 page and no code, and no account is created', async () => {
    const res = await signInAs({ id: 7003, login: 'stranger', orgs: ['other-org'] });
    expect(res.status).toBe(403);
    expect(res.location).toBeUndefined();
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.text).toContain('stranger');
    expect(res.text).toContain('not allowed');
    expect(res.text).not.toMatch(/[?&]code=/);
    // After the reason, the browser goes back to the client with access_denied and iss (RFC 9207).
    expect(res.text).toMatch(/<meta http-equiv="refresh" content="\d+;url=http:\/\/127\.0\.0\.1:\d+\/callback\?error=access_denied&amp;[^"]*iss=/);
    const { DataSource } = await import('typeorm');
    const rows = await t.app.get(DataSource).query(`SELECT 1 FROM users WHERE github_id = 7003`);
    expect(rows).toHaveLength(0);
  });

  it('checks the organisation again at every refresh: a person who left it loses access', async () => {
    const member = { id: 7004, login: 'leaving-member', orgs: ['acme'] };
    const { tokens, clientId } = await tokensAs(member);
    const ok = await refreshWith(t, clientId, tokens.refresh_token!);
    expect(ok.status).toBe(200);
    const next = ok.json as TokenSet;
    expect(await mcpStatus(t, next.access_token)).toBe(200);
    member.orgs = [];
    const refused = await refreshWith(t, clientId, next.refresh_token!);
    expect(refused.status).toBe(400);
    expect(refused.json).toMatchObject({ error: 'invalid_grant' });
    expect(await waitForMcpStatus(t, next.access_token, 401)).toBe(401);
  });
});
