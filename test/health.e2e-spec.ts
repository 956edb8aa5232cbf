import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { toolCall } from './factories/json-rpc.factory.js';
import { startTestApp, uniqueLogin, type TestApp } from './helpers/test-app.js';
import { TcpProxy } from './helpers/tcp-proxy.js';
import { pollUntil } from './helpers/wait.js';

async function getJson(url: string): Promise<{ status: number; headers: Headers; body: any }> {
  const res = await fetch(url);
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

function databaseUrl(): string {
  const url = process.env.E2E_DATABASE_URL;
  if (!url) throw new Error('E2E_DATABASE_URL is not set (the e2e global setup provides it)');
  return url;
}

describe('health probes and shutdown', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('/healthz answers 200 without a token and is not cached', async () => {
    const res = await getJson(`${t.baseUrl}/healthz`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('/readyz answers 200 without a token when the database is up', async () => {
    const res = await getJson(`${t.baseUrl}/readyz`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ok', info: { database: { status: 'up' } } });
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  describe('when the database becomes unreachable', () => {
    let proxy: TcpProxy;
    let app: TestApp;
    let token: string;
    const ready = () => getJson(`${app.baseUrl}/readyz`);

    beforeAll(async () => {
      const target = new URL(databaseUrl());
      proxy = await TcpProxy.start({ host: target.hostname, port: Number(target.port || 5432) });
      app = await startTestApp({ DATABASE_URL: proxy.rewrite(databaseUrl()) });
      token = await app.token(uniqueLogin('outage'));
    });
    afterAll(async () => {
      proxy?.resume();
      await app?.close();
      await proxy?.close();
    });

    it('/readyz goes 503 while it is down and back to 200 when it returns; /healthz stays 200', async () => {
      expect(proxy.connectionsForwarded).toBeGreaterThan(0); // the app really talks through the proxy
      expect((await ready()).status).toBe(200);

      await proxy.pause();
      const down = await pollUntil(ready, (r) => r.status === 503, 5000);
      expect(down.status).toBe(503);
      expect(down.body).toMatchObject({ status: 'error', error: { database: { status: 'down' } } });
      expect((await getJson(`${app.baseUrl}/healthz`)).status).toBe(200);

      // A tool call during the outage gets an answer (a tool error carrying the request id), not a hang or a 500.
      const during = await app.rpc(toolCall('notes.list', {}), { authorization: `Bearer ${token}`, 'x-request-id': 'during-outage' });
      expect(during.status).toBe(200);
      expect(during.body.result.isError).toBe(true);
      expect(during.body.result.content[0].text).toContain('during-outage');

      proxy.resume();
      const up = await pollUntil(ready, (r) => r.status === 200, 5000);
      expect(up.status).toBe(200);
      expect(up.body).toMatchObject({ status: 'ok', info: { database: { status: 'up' } } });

      const after = await app.rpc(toolCall('notes.create', { title: 'after the outage' }), { authorization: `Bearer ${token}` });
      expect(after.status).toBe(200);
      expect(after.body.result.isError).toBeFalsy();
      expect(after.body.result.structuredContent.note.title).toBe('after the outage');
    });
  });

  describe('graceful shutdown', () => {
    it('flushes every buffered audit event before the pool closes', async () => {
      const app = await startTestApp({ AUDIT_FLUSH_INTERVAL_MS: '60000' });
      const db = new pg.Client({ connectionString: databaseUrl() });
      await db.connect();
      try {
        const login = uniqueLogin('shutdown');
        const userId = await app.userId(login);
        const token = await app.token(login);
        const readOnly = await app.token(login, ['notes:read']);
        const tag = randomUUID().slice(0, 8);
        const expected: string[] = [];
        for (let i = 0; i < 5; i++) {
          const requestId = `shutdown-${tag}-${i}`;
          expected.push(requestId);
          const res = await app.rpc(toolCall('notes.create', { title: `before shutdown ${i}` }), {
            authorization: `Bearer ${token}`,
            'x-request-id': requestId,
          });
          expect(res.body.result.isError).toBeFalsy();
        }
        const deniedId = `shutdown-${tag}-denied`;
        expected.push(deniedId);
        expect((await app.rpc(toolCall('notes.create', { title: 'no' }), { authorization: `Bearer ${readOnly}`, 'x-request-id': deniedId })).status).toBe(403);

        const query = `SELECT request_id, outcome FROM audit_events WHERE user_id = $1 ORDER BY request_id`;
        // Still buffered (the flush interval is a minute): what lands below was written by the shutdown.
        expect((await db.query(query, [userId])).rows).toEqual([]);

        await app.close();

        const { rows } = await db.query(query, [userId]);
        expect(rows).toEqual(expected.sort().map((request_id) => ({ request_id, outcome: request_id.endsWith('denied') ? 'denied' : 'ok' })));
      } finally {
        await db.end();
      }
    });
  });
});
