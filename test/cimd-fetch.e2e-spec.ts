import { createServer, type Server, type ServerResponse } from 'node:http';
import { DocumentServer } from './helpers/document-server.js';
import { expectErrorPage, get } from './helpers/oauth-http.js';
import { authorizeUrl, pkcePair } from './helpers/oauth-flow.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';

/**
 * SECURITY 37 (issue 7 item 8): the client metadata document fetch has a total deadline (a host that
 * drips one byte every few seconds cannot hold /authorize), a size cap, and follows no redirect.
 */
describe('client metadata document fetch: total deadline, size cap, no redirects', () => {
  let t: TestApp;
  let docs: DocumentServer;
  let drip: Server;
  let dripPort = 0;
  const open = new Set<ServerResponse>();

  beforeAll(async () => {
    t = await startTestApp({ CIMD_ALLOW_LOOPBACK: 'true' });
    docs = new DocumentServer();
    await docs.start();
    // Answers 200 at once, then one byte of the document every 2 s for 30 s: never idle for long.
    drip = createServer((req, res) => {
      open.add(res);
      res.writeHead(200, { 'content-type': 'application/json' });
      const body = `{"client_id":"http://127.0.0.1:${dripPort}${req.url}","redirect_uris":["https://app.example/cb"]}`.padEnd(15, ' ');
      let i = 0;
      const timer = setInterval(() => {
        if (i >= body.length || res.destroyed) {
          clearInterval(timer);
          return void res.end();
        }
        res.write(body[i++]);
      }, 2000);
      res.on('close', () => {
        clearInterval(timer);
        open.delete(res);
      });
    });
    await new Promise<void>((r) => drip.listen(0, '127.0.0.1', r));
    dripPort = (drip.address() as { port: number }).port;
  });
  afterAll(async () => {
    for (const res of open) res.destroy();
    drip?.closeAllConnections();
    await new Promise<void>((r) => (drip ? drip.close(() => r()) : r()));
    await docs?.stop();
    await t?.close();
  });

  const authorizeWith = (clientId: string) =>
    get(
      authorizeUrl(t, {
        response_type: 'code',
        client_id: clientId,
        redirect_uri: 'https://app.example/cb',
        code_challenge: pkcePair().challenge,
        code_challenge_method: 'S256',
        state: 's',
        resource: t.mcpUrl,
      }),
    );

  it('a host that sends one byte every 2 s: the 400 page within the 5 s total, not after the last byte', async () => {
    const started = Date.now();
    const res = await authorizeWith(`http://127.0.0.1:${dripPort}/slow-client.json`);
    const elapsed = Date.now() - started;
    expectErrorPage(res, 400);
    expect(res.text).toMatch(/within 5 s/);
    expect(elapsed).toBeGreaterThanOrEqual(4500);
    expect(elapsed).toBeLessThan(7000);
  });

  it('a document that redirects (here to another loopback server): refused, and the target is never contacted', async () => {
    const target = new DocumentServer();
    await target.start();
    try {
      const targetUrl = target.serveJson('/moved.json', { client_id: 'x', redirect_uris: ['https://app.example/cb'] });
      docs.documents.set('/redirecting.json', { status: 302, body: '', contentType: 'text/plain', headers: { location: targetUrl } });
      const res = await authorizeWith(`${docs.url}/redirecting.json`);
      expectErrorPage(res, 400);
      expect(res.text).toMatch(/redirects are not followed/);
      expect(target.connections).toBe(0);
    } finally {
      await target.stop();
    }
  });

  it('a document whose body exceeds 5 KB without declaring its length: refused', async () => {
    const path = '/huge.json';
    docs.documents.set(path, {
      body: JSON.stringify({ client_id: `${docs.url}${path}`, redirect_uris: ['https://app.example/cb'], pad: 'x'.repeat(64 * 1024) }),
    });
    const res = await authorizeWith(`${docs.url}${path}`);
    expectErrorPage(res, 400);
    expect(res.text).toMatch(/larger than 5120 bytes/);
  });
});
