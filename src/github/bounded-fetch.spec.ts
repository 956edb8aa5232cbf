import { createServer, type Server } from 'node:http';
import { boundedFetch } from './bounded-fetch.js';

/** Two loopback servers: `same` (the configured API) and `other` (another origin). */
describe('boundedFetch', () => {
  let same: Server;
  let other: Server;
  let sameUrl = '';
  let otherUrl = '';
  const seen: string[] = [];

  async function listen(server: Server): Promise<string> {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  }

  beforeAll(async () => {
    other = createServer((req, res) => {
      seen.push(`other ${req.method} ${req.url}`);
      res.end('other');
    });
    otherUrl = await listen(other);
    same = createServer((req, res) => {
      seen.push(`same ${req.method} ${req.url}`);
      const send = (status: number, headers: Record<string, string>, body?: string) => res.writeHead(status, headers).end(body);
      if (req.url === '/moved') return send(301, { location: '/repositories/1' });
      if (req.url === '/away') return send(302, { location: `${otherUrl}/steal` });
      if (req.url === '/loop') return send(307, { location: '/loop' });
      if (req.url === '/see-other') return send(303, { location: '/repositories/1' });
      if (req.url === '/big') return send(200, { 'content-type': 'application/json' }, 'x'.repeat(5000));
      if (req.url === '/big-declared') return send(200, { 'content-length': '999999' }, 'x');
      if (req.url === '/slow') return void setTimeout(() => send(200, {}, 'late'), 5000);
      if (req.url === '/empty') return send(204, {});
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => send(200, { 'content-type': 'application/json', 'x-test': 'yes' }, JSON.stringify({ url: req.url, method: req.method, body })));
    });
    sameUrl = await listen(same);
  });

  afterAll(async () => {
    same.closeAllConnections();
    other.closeAllConnections();
    await Promise.all([new Promise((r) => same.close(r)), new Promise((r) => other.close(r))]);
  });

  // A generous deadline for the ordinary cases (the machine may be busy); the deadline test uses its own.
  const fetchBounded = boundedFetch({ timeoutMs: 10_000, maxBytes: 1000, maxRedirects: 2 });

  it('answers like fetch: status, headers and body', async () => {
    const res = await fetchBounded(`${sameUrl}/x`, { method: 'POST', body: 'hi' });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-test')).toBe('yes');
    expect(await res.json()).toEqual({ url: '/x', method: 'POST', body: 'hi' });
    expect((await fetchBounded(`${sameUrl}/empty`)).status).toBe(204);
  });

  it('follows redirects within the same origin (a renamed repository), 303 as GET', async () => {
    expect(await (await fetchBounded(`${sameUrl}/moved`)).json()).toMatchObject({ url: '/repositories/1', method: 'GET' });
    expect(await (await fetchBounded(`${sameUrl}/see-other`, { method: 'POST', body: 'b' })).json()).toMatchObject({ method: 'GET', body: '' });
  });

  it('never follows a redirect to another host, and stops redirect loops', async () => {
    seen.length = 0;
    await expect(fetchBounded(`${sameUrl}/away`)).rejects.toThrow(/redirected to another host/);
    expect(seen.some((s) => s.startsWith('other'))).toBe(false);
    await expect(fetchBounded(`${sameUrl}/loop`)).rejects.toThrow(/too many times/);
  });

  it('refuses bodies over the cap, declared or streamed', async () => {
    await expect(fetchBounded(`${sameUrl}/big`)).rejects.toThrow(/larger than 1000 bytes/);
    await expect(fetchBounded(`${sameUrl}/big-declared`)).rejects.toThrow(/larger than 1000 bytes/);
  });

  it('ends a request at the deadline, and honours the caller’s own signal', async () => {
    const started = Date.now();
    await expect(boundedFetch({ timeoutMs: 300, maxBytes: 1000, maxRedirects: 0 })(`${sameUrl}/slow`)).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(4000);
    const controller = new AbortController();
    const pending = fetchBounded(`${sameUrl}/slow`, { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toThrow();
  });
});
