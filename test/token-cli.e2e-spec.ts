import { cliEnv, runCli } from './helpers/cli.js';
import { startTestApp, uniqueLogin, type TestApp } from './helpers/test-app.js';

/** Issue 11 item 2: the development token CLI honours ADMIN_GITHUB_LOGINS and refuses disabled users. */
describe('npm run token (development token CLI)', () => {
  const root = uniqueLogin('root');
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ ADMIN_GITHUB_LOGINS: root });
  });
  afterAll(async () => {
    await t?.close();
  });

  const env = () => cliEnv(t, { ADMIN_GITHUB_LOGINS: root });
  const adminUsers = (token: string) => fetch(`${t.baseUrl}/admin/users?limit=1`, { headers: { authorization: `Bearer ${token}` } });

  it('refuses the admin scope for a user outside ADMIN_GITHUB_LOGINS, printing no token', async () => {
    const run = await runCli('token', ['--user', uniqueLogin('mallory'), '--scope', 'admin notes:read'], env());
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/--scope admin: only for users listed in ADMIN_GITHUB_LOGINS/);
  });

  it('mints an admin token for an administrator, which the server accepts on /admin', async () => {
    const run = await runCli('token', ['--user', root, '--scope', 'admin'], env());
    expect(run.stderr).toContain(root);
    expect(run.code).toBe(0);
    const res = await adminUsers(run.stdout.trim());
    expect(res.status).toBe(200);
  });

  it('refuses a disabled user', async () => {
    const login = uniqueLogin('disabled');
    const userId = await t.userId(login);
    const rootToken = await t.token(root, ['admin']);
    const disabled = await fetch(`${t.baseUrl}/admin/users/${userId}/disable`, { method: 'POST', headers: { authorization: `Bearer ${rootToken}` } });
    expect(disabled.status).toBe(200);
    const run = await runCli('token', ['--user', login], env());
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/is disabled/);
  });
});
