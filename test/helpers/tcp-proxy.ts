import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A loopback TCP proxy in front of a database, so a test can make the database unreachable for one
 * app without stopping it for the others: pause() cuts every open connection and refuses new ones
 * (accepted and destroyed at once), resume() lets connections through again.
 */
export class TcpProxy {
  private readonly sockets = new Set<Socket>();
  private paused = false;
  private accepted = 0;

  private constructor(
    private readonly server: Server,
    private readonly target: { host: string; port: number },
    readonly port: number,
  ) {}

  /** Listens on 127.0.0.1 (a free port) and forwards to `target`. */
  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const holder: { proxy?: TcpProxy } = {};
    const server = createServer((client) => holder.proxy?.onConnection(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    holder.proxy = new TcpProxy(server, target, (server.address() as { port: number }).port);
    return holder.proxy;
  }

  /** `url` with its host and port replaced by the proxy's. */
  rewrite(url: string): string {
    const u = new URL(url);
    u.hostname = '127.0.0.1';
    u.port = String(this.port);
    return u.toString();
  }

  /** Connections accepted (and forwarded) so far; pause() does not count refused ones. */
  get connectionsForwarded(): number {
    return this.accepted;
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
    await this.pause();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private onConnection(client: Socket): void {
    if (this.paused) {
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
