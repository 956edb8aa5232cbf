import { connect, createServer, type Server, type Socket } from 'node:net';

export type ProxyTarget = { host: string; port: number } | { path: string };

function listenOn(server: Server, port: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/**
 * A loopback TCP proxy in front of a database, so a test can make the database unreachable for one
 * app without stopping it for the others: pause() cuts every open connection and refuses new ones
 * (accepted and destroyed at once), resume() lets connections through again.
 */
export class TcpProxy {
  private readonly sockets = new Set<Socket>();
  private paused = false;
  private accepted = 0;
  private cut = 0;

  private constructor(
    private readonly server: Server,
    private readonly target: ProxyTarget,
    readonly port: number,
  ) {}

  /**
   * Listens on 127.0.0.1 (a free port) and forwards to `target` (a TCP address, or the Unix socket a
   * postgres URL names with `?host=/dir`: see `targetOf`). With `refusing`, it starts closed, as a
   * database that is not up yet: connections are refused until accept().
   */
  static async start(target: ProxyTarget, opts: { refusing?: boolean } = {}): Promise<TcpProxy> {
    const holder: { proxy?: TcpProxy } = {};
    const server = createServer((client) => holder.proxy?.onConnection(client));
    await listenOn(server, 0);
    holder.proxy = new TcpProxy(server, target, (server.address() as { port: number }).port);
    if (opts.refusing) await holder.proxy.refuse();
    return holder.proxy;
  }

  /** Where a postgres URL points: its TCP host and port, or its Unix socket (`?host=/dir`). */
  static targetOf(url: string): ProxyTarget {
    const u = new URL(url);
    const socketDir = u.searchParams.get('host');
    const port = Number(u.port || 5432);
    return socketDir?.startsWith('/') ? { path: `${socketDir}/.s.PGSQL.${port}` } : { host: u.hostname, port };
  }

  /** `url` with its host and port replaced by the proxy's (and any Unix-socket `host` parameter dropped). */
  rewrite(url: string): string {
    const u = new URL(url);
    u.hostname = '127.0.0.1';
    u.port = String(this.port);
    u.searchParams.delete('host');
    return u.toString();
  }

  /** Stops listening (new connections get ECONNREFUSED, naming host and port) and cuts the open ones. */
  async refuse(): Promise<void> {
    await this.pause();
    if (this.server.listening) await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Listens again on the same port and forwards connections. */
  async accept(): Promise<void> {
    this.paused = false;
    if (!this.server.listening) await listenOn(this.server, this.port);
  }

  /** Connections accepted (and forwarded) so far; pause() does not count refused ones. */
  get connectionsForwarded(): number {
    return this.accepted;
  }

  /** Connection attempts accepted and cut at once while paused (how hard a client retries an outage). */
  get connectionsCut(): number {
    return this.cut;
  }

  /** Cuts every open connection (both sides) and refuses new ones until resume(). */
  async pause(): Promise<void> {
    this.paused = true;
    const closing = [...this.sockets].map((s) => new Promise<void>((resolve) => (s.destroyed ? resolve() : s.once('close', () => resolve()))));
    for (const s of this.sockets) s.destroy();
    await Promise.all(closing);
  }

  resume(): void {
    this.paused = false;
  }

  async close(): Promise<void> {
    await this.refuse();
  }

  private onConnection(client: Socket): void {
    if (this.paused) {
      this.cut++;
      client.destroy();
      return;
    }
    this.accepted++;
    const upstream = connect(this.target);
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      this.sockets.add(a);
      a.on('close', () => {
        this.sockets.delete(a);
        b.destroy();
      });
      a.on('error', () => b.destroy());
      a.pipe(b);
    }
  }
}
