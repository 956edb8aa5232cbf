import { createServer, request, type Server } from 'node:http';

/** A load balancer for tests: each request goes to the next instance in turn, Host header untouched. */
export class RoundRobinProxy {
  private server?: Server;
  private next = 0;
  readonly log: { path: string; target: number }[] = [];
  port = 0;

  constructor(private readonly targets: () => number[]) {}

  async start(port = 0): Promise<number> {
    this.server = createServer((req, res) => {
      const ports = this.targets();
      const index = this.next++ % ports.length;
      this.log.push({ path: (req.url ?? '').split('?')[0], target: index });
      const upstream = request({ host: '127.0.0.1', port: ports[index], method: req.method, path: req.url, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      upstream.on('error', () => {
        res.writeHead(502);
        res.end();
      });
      req.pipe(upstream);
    });
    await new Promise<void>((r) => this.server!.listen(port, '127.0.0.1', r));
    this.port = (this.server.address() as { port: number }).port;
    return this.port;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}
