import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { boundedFetch, OutboundFetchError } from './bounded-fetch.js';
import { discoveryUrls } from './issuer-metadata.service.js';

describe('boundedFetch', () => {
  let server: Server;
  let base: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/ok') return res.writeHead(200, { 'content-type': 'application/json' }).end('{"a":1}');
      if (req.url === '/redirect') return res.writeHead(302, { location: 'http://169.254.169.254/latest' }).end();
      if (req.url === '/big') return res.writeHead(200).end('x'.repeat(2000));
      if (req.url === '/chunked-big') {
        res.writeHead(200);
        for (let i = 0; i < 20; i++) res.write('y'.repeat(100));
        return res.end();
      }
      if (req.url === '/slow') return setTimeout(() => res.writeHead(200).end('late'), 2000).unref();
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('returns the body read within the cap', async () => {
    const res = await boundedFetch(`${base}/ok`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ a: 1 });
  });

  it('never follows a redirect', async () => {
    await expect(boundedFetch(`${base}/redirect`)).rejects.toThrow(
      new OutboundFetchError(`${new URL(base).host} answered with a redirect, which is not followed`),
    );
  });

  it('refuses bodies over the cap, declared or streamed', async () => {
    await expect(boundedFetch(`${base}/big`, { maxBytes: 1000 })).rejects.toThrow(/more than 1000 bytes/);
    await expect(boundedFetch(`${base}/chunked-big`, { maxBytes: 1000 })).rejects.toThrow(/more than 1000 bytes/);
    expect((await boundedFetch(`${base}/big`, { maxBytes: 2000 })).status).toBe(200);
  });

  it('gives up at the deadline', async () => {
    const started = Date.now();
    await expect(boundedFetch(`${base}/slow`, { timeoutMs: 200 })).rejects.toThrow(/timed out/);
    expect(Date.now() - started).toBeLessThan(1500);
  });
});

describe('discoveryUrls', () => {
  it('RFC 8414 §3.1 inserts the well-known segment before the path; OpenID Discovery appends it', () => {
    expect(discoveryUrls('https://idp.example.com')).toEqual([
      'https://idp.example.com/.well-known/oauth-authorization-server',
      'https://idp.example.com/.well-known/openid-configuration',
    ]);
    expect(discoveryUrls('https://login.example.com/oauth2/default')).toEqual([
      'https://login.example.com/.well-known/oauth-authorization-server/oauth2/default',
      'https://login.example.com/oauth2/default/.well-known/openid-configuration',
    ]);
    expect(discoveryUrls('https://kc.example.com/realms/corp/')).toEqual([
      'https://kc.example.com/.well-known/oauth-authorization-server/realms/corp',
      'https://kc.example.com/realms/corp/.well-known/openid-configuration',
    ]);
  });
});
