import { TestBrowser, hiddenFields } from './helpers/browser.js';
import { runCli, type CliRun } from './helpers/cli.js';
import { FakeGithub, type FakeGithubUser } from './helpers/fake-github.js';
import { freePort } from './helpers/free-port.js';
import { FirstPartyClientsService } from '../src/oauth/clients/first-party-clients.service.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';

const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\n$/;

/**
 * Issue 11 item 2: `npm run admin:login`, a real OAuth client run as a child process against a server
 * configured as in production (GitHub sign-in, DCR_ENABLED=false): the URL it prints is driven
 * through the consent page and GitHub (the fake) like a browser, the browser lands on the CLI's
 * loopback listener, and the token it prints works on /admin.
 */
describe('npm run admin:login', () => {
  const github = new FakeGithub();
  const admin: FakeGithubUser = { id: 8101, login: 'root-operator' };
  let t: TestApp;

  beforeAll(async () => {
    await github.start();
    t = await startTestApp({ ...github.env(), ADMIN_GITHUB_LOGINS: admin.login, DCR_ENABLED: 'false' });
  });
  afterAll(async () => {
    await t?.close();
    await github.stop();
  });

  const env = (): Record<string, string> => ({ PATH: process.env.PATH ?? '' }); // nothing but --url: as on an operator's laptop
  const adminClients = (token: string) => fetch(`${t.baseUrl}/admin/clients?limit=1`, { headers: { authorization: `Bearer ${token}` } });

  /**
   * Runs the CLI; once it prints the URL, `act` plays the person's browser with it and returns where
   * the server finally sent the browser (the CLI's loopback callback), which the browser then opens.
   */
  async function login(
    act: (authorizationUrl: string, browser: TestBrowser) => Promise<string | undefined>,
    args: string[] = [],
  ): Promise<CliRun & { page?: string }> {
    let started: Promise<string | undefined> | undefined;
    let pageText: string | undefined;
    const run = await runCli('admin-login', ['--url', t.baseUrl, '--timeout', '30', ...args], env(), {
      timeoutMs: 40_000,
      onStderr: (_chunk, all) => {
        const url = /^\s+(http:\/\/\S+\/authorize\?\S+)$/m.exec(all)?.[1];
        if (url && !started) {
          const browser = new TestBrowser([t.baseUrl, github.url]);
          started = act(url, browser).then(async (callback) => {
            if (!callback) return undefined;
            pageText = await (await fetch(callback)).text();
            return callback;
          });
        }
      },
    });
    await started;
    return { ...run, page: pageText };
  }

  /** Consent (approve or deny) and GitHub sign-in as `user`; returns the redirect back to the CLI. */
  const asGithubUser =
    (user: FakeGithubUser, decision: 'approve' | 'deny' = 'approve') =>
    async (url: string, browser: TestBrowser): Promise<string | undefined> => {
      github.nextUser = user;
      const consent = await browser.visit(url);
      expect(consent.status).toBe(200);
      expect(consent.text).toContain('npm run admin:login');
      const done = await browser.submit(`${t.baseUrl}/authorize/consent`, { ...hiddenFields(consent.text), decision });
      expect(done.status).toBe(302);
      expect(done.location).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback\?/);
      return done.location;
    };

  it('signs an administrator in through the printed URL and prints only an admin token, which /admin accepts', async () => {
    const run = await login(asGithubUser(admin));
    expect(run.stderr).toMatch(/Open this URL in your browser/);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(JWT);
    expect(run.page).toMatch(/Signed in/);
    const res = await adminClients(run.stdout.trim());
    expect(res.status).toBe(200);
    // The printed URL asked for admin only, with PKCE S256, state and the resource (RFC 8707).
    const url = new URL(/^\s+(http:\/\/\S+\/authorize\?\S+)$/m.exec(run.stderr)![1]);
    expect(url.searchParams.get('client_id')).toBe('secure-mcp-server-admin-cli');
    expect(url.searchParams.get('scope')).toBe('admin');
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('resource')).toBe(t.mcpUrl);
    expect(url.searchParams.get('state')!.length).toBeGreaterThanOrEqual(43);
  });

  it('a person who is not an administrator gets no token and is told why', async () => {
    const run = await login(asGithubUser({ id: 8102, login: 'plain-user' }));
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/Not an administrator: the server refused the admin scope/);
    expect(run.stderr).toMatch(/ADMIN_GITHUB_LOGINS/);
  });

  it('says so when the person clicks Deny', async () => {
    const run = await login(asGithubUser(admin, 'deny'));
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/Sign-in refused: The user denied the request/);
  });

  it('ignores a callback with another state (it keeps waiting), then completes with the real one', async () => {
    const run = await login(async (url, browser) => {
      const redirect = new URL((await asGithubUser(admin)(url, browser))!);
      const forged = new URL(redirect);
      forged.searchParams.set('state', 'not-the-state');
      forged.searchParams.set('code', 'attacker-code');
      const res = await fetch(forged);
      expect(res.status).toBe(400);
      return redirect.toString();
    });
    expect(run.code).toBe(0);
    expect((await adminClients(run.stdout.trim())).status).toBe(200);
  });

  it('refuses an answer whose iss is not the server (RFC 9207 mix-up)', async () => {
    const run = await login(async (url, browser) => {
      const redirect = new URL((await asGithubUser(admin)(url, browser))!);
      redirect.searchParams.set('iss', 'https://evil.example');
      return redirect.toString();
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/came from https:\/\/evil\.example, not http:\/\/localhost:\d+ \(RFC 9207\)/);
  });

  it('times out with a clear message when nobody signs in', async () => {
    const run = await login(async () => undefined, ['--timeout', '1']);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/Timed out after 1 s waiting for the sign-in/);
  });

  // Last: it revokes the CLI's client for the rest of this run's database.
  it('an administrator can revoke the CLI client, and the start-up registration does not bring it back', async () => {
    const first = await login(asGithubUser(admin));
    const token = first.stdout.trim();
    const revoked = await fetch(`${t.baseUrl}/admin/clients/secure-mcp-server-admin-cli/revoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(revoked.status).toBe(200);
    await t.app.get(FirstPartyClientsService).seed(); // what every start (and every instance) runs
    const run = await login(
      async (url, browser) => {
        const page = await browser.visit(url);
        expect(page.status).toBe(400);
        expect(page.text).toContain('has been revoked');
        return undefined;
      },
      ['--timeout', '2'],
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/Timed out/);
  });

  it('says when the server cannot be reached', async () => {
    const port = await freePort();
    const run = await runCli('admin-login', ['--url', `http://127.0.0.1:${port}`], env());
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`Cannot reach the server at http://127.0.0.1:${port} (ECONNREFUSED)`);
  });
});
