import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './helpers/cli.js';
import { freePort } from './helpers/free-port.js';
import { spawnServer, type ServerProcess } from './helpers/server-process.js';
import { TcpProxy } from './helpers/tcp-proxy.js';
import { uniqueLogin } from './helpers/test-app.js';
import { pollUntil } from './helpers/wait.js';

const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\n$/;

/**
 * Issue 11 item 5: `npm run token` acts for the server that is running (its PORT and PUBLIC_URL, found
 * through the shared DATA_DIR), says which settings to give when it cannot, and prints nothing but the
 * token on stdout, even when the database makes it wait (the "Invalid character in header content"
 * reports: Nest's warnings went to stdout, into `$(...)`).
 */
describe('npm run token finds the running server', () => {
  let server: ServerProcess;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'mcp-token-settings-'));
    // As `npm start` on a port other than 3000, with no PUBLIC_URL: the server is http://localhost:<port>.
    server = await spawnServer({ DATA_DIR: dataDir, PUBLIC_URL: '' });
    const ready = await pollUntil(
      () =>
        fetch(`${server.baseUrl}/readyz`).then(
          (r) => r.status,
          () => 0,
        ),
      (s) => s === 200,
      60_000,
      200,
    );
    expect(ready).toBe(200);
  });
  afterAll(async () => {
    await server?.kill();
  });

  /** The CLI's environment as a person's shell has it: the same database, secret and DATA_DIR, no PORT or PUBLIC_URL. */
  const env = (extra: Record<string, string> = {}): Record<string, string> => ({
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'test',
    DATABASE_URL: process.env.E2E_DATABASE_URL!,
    KEY_ENCRYPTION_SECRET: process.env.E2E_KEY_SECRET!,
    DATA_DIR: dataDir,
    MIGRATIONS_RUN: 'false',
    LOG_LEVEL: 'silent',
    ...extra,
  });
  const notesList = (token: string) =>
    fetch(`http://localhost:${server.port}/mcp`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'notes.list', arguments: {} } }),
    });

  it('without PORT or PUBLIC_URL, mints the token for the server running with the same DATA_DIR', async () => {
    const run = await runCli('token', ['--user', uniqueLogin('port')], env());
    expect(run.stderr).toContain(`Using PUBLIC_URL=http://localhost:${server.port}`);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(JWT);
    expect((await notesList(run.stdout.trim())).status).toBe(200);
  });

  it('with a PORT where no server answers, still prints the token but names PORT and PUBLIC_URL in a warning', async () => {
    const elsewhere = await freePort();
    const run = await runCli('token', ['--user', uniqueLogin('port')], env({ PORT: String(elsewhere) }));
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(JWT);
    expect(run.stderr).toContain(`no server answers at http://localhost:${elsewhere}`);
    expect(run.stderr).toMatch(/PORT or PUBLIC_URL/);
    expect(run.stderr).toContain(`is http://localhost:${server.port}, but PORT/PUBLIC_URL here say http://localhost:${elsewhere}`);
    // Control: that token is indeed refused by the running server (wrong iss/aud), which is why the warning matters.
    expect((await notesList(run.stdout.trim())).status).toBe(401);
  });

  it('refuses, printing nothing on stdout, when the server at PUBLIC_URL has another issuer', async () => {
    // The same server reached by another name: its metadata says http://localhost:<port>, not this URL.
    const run = await runCli('token', ['--user', uniqueLogin('port')], env({ PUBLIC_URL: `http://127.0.0.1:${server.port}` }));
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`its issuer is http://localhost:${server.port}`);
    expect(run.stderr).toMatch(/PORT or PUBLIC_URL/);
  });

  it('prints only the token on stdout while the database makes it wait (warnings go to stderr)', async () => {
    const proxy = await TcpProxy.start(TcpProxy.targetOf(process.env.E2E_DATABASE_URL!), { refusing: true });
    try {
      let warned = false;
      const running = runCli('token', ['--user', uniqueLogin('pipe')], env({ DATABASE_URL: proxy.rewrite(process.env.E2E_DATABASE_URL!), LOG_LEVEL: 'warn' }), {
        onStderr: (_chunk, all) => {
          if (!warned && all.includes('Database not available yet')) {
            warned = true;
            void proxy.accept();
          }
        },
      });
      const run = await running;
      expect(warned).toBe(true);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(JWT);
      expect((await notesList(run.stdout.trim())).status).toBe(200);
    } finally {
      await proxy.close();
    }
  });
});
