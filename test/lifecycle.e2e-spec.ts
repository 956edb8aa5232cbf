import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import pg from 'pg';
import { MIGRATIONS } from '../migrations/index.js';
import { toolCall } from './factories/json-rpc.factory.js';
import { cliEnv, runCli } from './helpers/cli.js';
import { freshDatabase } from './helpers/fresh-database.js';
import { spawnServer, type ServerProcess } from './helpers/server-process.js';
import { TcpProxy } from './helpers/tcp-proxy.js';
import { startTestApp } from './helpers/test-app.js';
import { pollUntil } from './helpers/wait.js';

interface Got {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** GET with a fresh connection; status 0 when the connection is refused. */
async function get(url: string): Promise<Got> {
  try {
    const res = await fetch(url, { headers: { connection: 'close' } });
    return { status: res.status, headers: Object.fromEntries(res.headers), text: await res.text() };
  } catch {
    return { status: 0, headers: {}, text: '' };
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The status, with the server's last output when it is not the expected one (to see why). */
const statusOf = (got: Got, server: ServerProcess, expected: number) =>
  got.status === expected ? got.status : `${got.status}\n${server.output().slice(-4000)}`;

describe('process life cycle', () => {
  const servers: ServerProcess[] = [];
  const spawn = async (env: Record<string, string>) => {
    const server = await spawnServer(env);
    servers.push(server);
    return server;
  };
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.kill()));
  });

  describe('start-up without the database (issue 7 item 14)', () => {
    it('listens at once (/healthz 200, /readyz 503 without host or port, other routes 503), then connects, migrates and serves', async () => {
      const db = await freshDatabase();
      const proxy = await TcpProxy.start(TcpProxy.targetOf(db.url), { refusing: true });
      try {
        const server = await spawn({
          DATABASE_URL: proxy.rewrite(db.url),
          MIGRATIONS_RUN: 'true',
          KEY_ENCRYPTION_SECRET: randomBytes(32).toString('base64url'),
        });
        const live = await pollUntil(
          () => get(`${server.baseUrl}/healthz`),
          (r) => r.status !== 0,
          30_000,
          100,
        );
        expect(statusOf(live, server, 200)).toBe(200);

        const ready = await get(`${server.baseUrl}/readyz`);
        expect(ready.status).toBe(503);
        // Item 17: nothing about where the database is.
        for (const secret of [String(proxy.port), '127.0.0.1', 'ECONNREFUSED', 'connect']) expect(ready.text).not.toContain(secret);
        const route = await get(`${server.baseUrl}/.well-known/oauth-authorization-server`);
        expect(route.status).toBe(503);
        expect(route.headers['retry-after']).toBe('5');
        expect(JSON.parse(route.text)).toMatchObject({ error: 'temporarily_unavailable' });

        await sleep(2000); // it keeps trying instead of exiting
        expect(server.child.exitCode).toBeNull();
        expect((await get(`${server.baseUrl}/readyz`)).status).toBe(503);

        await proxy.accept();
        const up = await pollUntil(
          () => get(`${server.baseUrl}/readyz`),
          (r) => r.status === 200,
          30_000,
          200,
        );
        expect(statusOf(up, server, 200)).toBe(200);
        expect((await get(`${server.baseUrl}/.well-known/oauth-authorization-server`)).status).toBe(200);
        const jwks = JSON.parse((await get(`${server.baseUrl}/.well-known/jwks.json`)).text) as { keys: unknown[] };
        expect(jwks.keys.length).toBe(1);

        const client = new pg.Client({ connectionString: db.url });
        await client.connect();
        try {
          const { rows } = await client.query<{ name: string }>('SELECT name FROM migrations ORDER BY id');
          expect(rows.map((r) => r.name)).toEqual(MIGRATIONS.map((m) => m.name));
        } finally {
          await client.end();
        }
        // The warnings while waiting carried the details the probe did not.
        expect(server.output()).toContain('Database not available yet');

        server.child.kill('SIGTERM');
        expect((await server.exited).code).toBe(0);
      } finally {
        await proxy.close();
        await db.drop();
      }
    });

    it('gives up after DB_CONNECT_TIMEOUT_MS with exit code 1 and a message naming it', async () => {
      const proxy = await TcpProxy.start({ host: '127.0.0.1', port: 1 }, { refusing: true });
      try {
        const server = await spawn({ DATABASE_URL: proxy.rewrite('postgres://postgres@127.0.0.1:5432/postgres'), DB_CONNECT_TIMEOUT_MS: '5000' });
        // It listens before it tries the database, and exits about five seconds later.
        const live = await pollUntil(
          () => get(`${server.baseUrl}/healthz`),
          (r) => r.status !== 0 || server.child.exitCode !== null,
          30_000,
          50,
        );
        expect(statusOf(live, server, 200)).toBe(200);
        const exit = await server.exited;
        expect(exit.code).toBe(1);
        expect(server.output()).toMatch(/No usable database within DB_CONNECT_TIMEOUT_MS=5000/);
      } finally {
        await proxy.close();
      }
    });
  });

  describe('a KEY_ENCRYPTION_SECRET that does not match the stored keys (issue 7 item 19)', () => {
    it('exits with code 1 and one error saying so, without a crypto stack trace', async () => {
      // The run's database holds keys sealed with the run's secret (the first app to start creates them).
      await (await startTestApp()).close();
      const server = await spawn({ KEY_ENCRYPTION_SECRET: randomBytes(32).toString('base64url') });
      const exit = await server.exited;
      expect(exit.code).toBe(1);
      const errors = server.logs().filter((l) => Number(l.level) >= 50);
      expect(errors).toHaveLength(1);
      expect(errors[0].msg).toMatch(
        /^KEY_ENCRYPTION_SECRET does not match the secret the stored signing keys were encrypted with: .* cannot decrypt \d+ of \d+ key\(s\)/,
      );
      expect(server.output()).not.toMatch(/Unsupported state|unable to authenticate|\n\s+at /);
    });
  });

  describe('PORT=0 without PUBLIC_URL', () => {
    it('picks a free port, and the banner, the issuer and the resource all name that port', async () => {
      const server = await spawn({ PORT: '0', PUBLIC_URL: '' });
      const bound = await pollUntil(
        async () => /bound to 127\.0\.0\.1:(\d+)/.exec(server.output())?.[1],
        (p) => p !== undefined,
        30_000,
        100,
      );
      const port = Number(bound);
      expect(port).toBeGreaterThan(0);
      expect(server.output()).toContain(`listening on http://localhost:${port} `);
      expect(server.output()).not.toContain('localhost:0');
      const ready = await pollUntil(
        () => get(`http://127.0.0.1:${port}/readyz`),
        (r) => r.status === 200,
        30_000,
        100,
      );
      expect(statusOf(ready, server, 200)).toBe(200);
      const metadata = await get(`http://127.0.0.1:${port}/.well-known/oauth-protected-resource/mcp`);
      expect(JSON.parse(metadata.text)).toMatchObject({ resource: `http://localhost:${port}/mcp`, authorization_servers: [`http://localhost:${port}`] });
    });
  });

  describe('SIGTERM under keep-alive load (issue 7 item 12)', () => {
    it('zero failed requests: in-flight requests finish, responses say Connection: close, /readyz is 503, exit within SHUTDOWN_TIMEOUT_MS', async () => {
      const server = await spawn({ SHUTDOWN_TIMEOUT_MS: '4000' });
      const ready = await pollUntil(
        () => get(`${server.baseUrl}/readyz`),
        (r) => r.status === 200,
        30_000,
        100,
      );
      expect(statusOf(ready, server, 200)).toBe(200);
      const minted = await runCli('token', ['--user', `drain-${randomBytes(4).toString('hex')}`], {
        ...cliEnv({ config: { port: server.port, publicUrl: server.env.PUBLIC_URL } } as never),
        DATA_DIR: server.env.DATA_DIR,
      });
      expect(minted.stderr).toContain('Token for');
      const token = minted.stdout.trim();

      // Six keep-alive connections, each sending requests back to back (tool calls and metadata reads).
      const agent = new Agent({ keepAlive: true, maxSockets: 6 });
      const failures: string[] = [];
      let ok = 0;
      let closing = 0;
      let stopped = false;
      const one = (i: number) =>
        new Promise<void>((resolve, reject) => {
          const body = i % 2 ? JSON.stringify(toolCall('notes.create', { title: `under load ${i}` })) : undefined;
          const req = request(
            `${server.baseUrl}${body ? '/mcp' : '/.well-known/oauth-protected-resource/mcp'}`,
            {
              agent,
              method: body ? 'POST' : 'GET',
              headers: body ? { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' } : {},
            },
            (res) => {
              res.resume();
              res.on('end', () => {
                if ((res.statusCode ?? 0) >= 500 || (body && res.statusCode !== 200)) failures.push(`status ${res.statusCode}`);
                else ok++;
                if (res.headers.connection === 'close') closing++;
                resolve();
              });
            },
          );
          req.on('error', reject);
          req.end(body);
        });
      const workers = Array.from({ length: 6 }, async (_, w) => {
        for (let i = w; !stopped; i += 6) {
          try {
            await one(i);
          } catch (e) {
            // A new connection after the server stopped listening is refused: nothing was sent.
            if ((e as { code?: string }).code !== 'ECONNREFUSED') failures.push(String((e as { code?: string }).code ?? e));
            return;
          }
        }
      });

      // A request in flight across the signal (headers and half the body before, the rest after), and
      // a /readyz request whose headers complete only after the signal, each on its own connection.
      const raw = async (first: string) => {
        const socket = connect(server.port, '127.0.0.1');
        let received = '';
        socket.setEncoding('utf8').on('data', (d: string) => (received += d));
        const closed = new Promise<string>((resolve) => socket.once('close', () => resolve(received)));
        await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
        socket.write(first);
        return { socket, closed };
      };
      const body = JSON.stringify(toolCall('notes.create', { title: 'in flight at SIGTERM' }));
      const slow = await raw(
        `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\n` +
          `Accept: application/json, text/event-stream\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, 20)}`,
      );
      const probe = await raw(`GET /readyz HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\n`);

      await sleep(1500);
      const signalled = performance.now();
      server.child.kill('SIGTERM');
      await sleep(300);
      slow.socket.write(body.slice(20));
      probe.socket.write('\r\n');

      const exit = await server.exited;
      stopped = true;
      await Promise.all(workers);
      const [slowReply, probeReply] = await Promise.all([slow.closed, probe.closed]);
      agent.destroy();

      expect(exit.code).toBe(0);
      expect(exit.at - signalled).toBeLessThan(4000 + 500);
      expect(failures).toEqual([]);
      expect(ok).toBeGreaterThan(20);
      expect(closing).toBeGreaterThan(0);
      // The call in flight was answered in full; the late /readyz got 503; both said Connection: close.
      expect(slowReply).toMatch(/^HTTP\/1\.1 200 /);
      expect(slowReply).toMatch(/\r\nconnection: close\r\n/i);
      expect(slowReply).toContain('in flight at SIGTERM');
      expect(probeReply).toMatch(/^HTTP\/1\.1 503 /);
      expect(probeReply).toMatch(/\r\nconnection: close\r\n/i);
      const logs = server.logs().map((l) => String(l.msg));
      expect(logs.some((m) => m.startsWith('SIGTERM received'))).toBe(true);
      expect(logs.some((m) => m.startsWith('Drained in'))).toBe(true);
      expect(logs.some((m) => m.startsWith('Shut down in'))).toBe(true);
    });
  });
});
