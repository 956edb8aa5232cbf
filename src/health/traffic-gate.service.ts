import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Server as NetServer, type Socket } from 'node:net';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { DatabaseConnector } from '../database/database-connector.service.js';

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/** Served in every state: liveness, readiness and metrics. */
const PROBES = new Set(['/healthz', '/readyz', '/metrics']);
/** While draining, a keep-alive connection idle this long is closed (a busy one closes after its response). */
const IDLE_GRACE_MS = 250;
const STARTING_BODY = JSON.stringify({
  error: 'temporarily_unavailable',
  error_description: 'The server is starting and is not connected to its database yet; retry shortly',
});

/**
 * Where the server is in its life, applied to every request ahead of the whole request chain (it
 * wraps the server's request listener once it listens):
 * - starting (the database is not connected yet): probes answer, everything else gets 503 with
 *   Retry-After, so no route runs without its database;
 * - ready: everything is served;
 * - draining (after SIGTERM): no new connections; requests on open ones are still served, but
 *   /readyz says 503 and every response, including those of requests already in flight, carries
 *   `Connection: close`, so that keep-alive connections close after their response instead of being
 *   cut; a connection already idle (nothing served, no byte arriving) is closed once it has stayed
 *   idle for IDLE_GRACE_MS (closing it at once races the client's next request on it, which fails).
 */
@Injectable()
export class TrafficGate implements OnModuleInit {
  private draining = false;
  private readonly inFlight = new Set<ServerResponse>();
  /** Open connections: requests being served on each, since when it has been idle, and the bytes it had read then. */
  private readonly sockets = new Map<Socket, { busy: number; idleSince: number; bytesAtIdle: number }>();
  private sweeper?: NodeJS.Timeout;
  private server?: Server;
  private readonly drainListeners: Array<() => void> = [];

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly connector: DatabaseConnector,
  ) {}

  get state(): 'starting' | 'ready' | 'draining' {
    return this.draining ? 'draining' : this.connector.isReady ? 'ready' : 'starting';
  }

  /** Runs `fn` when draining starts: long-lived responses (listen streams) end themselves then, instead of being cut. */
  onDrain(fn: () => void): void {
    this.drainListeners.push(fn);
  }

  /** Requests being served right now. */
  get inFlightCount(): number {
    return this.inFlight.size;
  }

  onModuleInit(): void {
    const server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    // Every request listener (Express, the /mcp edge) is in place once the server listens.
    server?.once('listening', () => this.install(server));
  }

  /**
   * SIGTERM: readiness fails from now on, the server stops accepting connections, and each open one
   * closes after its current response (or once idle). Resolves when every connection is closed, or
   * after `timeoutMs` with the remaining ones cut (true).
   */
  async drain(timeoutMs: number): Promise<boolean> {
    this.draining = true;
    for (const fn of this.drainListeners) fn();
    for (const res of this.inFlight) if (!res.headersSent) res.setHeader('Connection', 'close');
    const server = this.server;
    if (!server?.listening) return false;
    this.sweeper = setInterval(() => this.closeIdle(), IDLE_GRACE_MS / 5);
    this.sweeper.unref();
    try {
      return await new Promise<boolean>((resolve) => {
        const force = setTimeout(() => {
          server.closeAllConnections();
          resolve(true);
        }, timeoutMs);
        force.unref();
        // net.Server's close: stop listening and wait for the connections. (http.Server's close would
        // also drop the idle keep-alive connections at once, racing the clients' next requests.)
        NetServer.prototype.close.call(server, () => {
          clearTimeout(force);
          resolve(false);
        });
      });
    } finally {
      clearInterval(this.sweeper);
    }
  }

  /** Closes connections with no request being served, none arriving (no byte since), for IDLE_GRACE_MS. */
  private closeIdle(): void {
    const now = Date.now();
    for (const [socket, use] of this.sockets) {
      if (use.busy === 0 && socket.bytesRead === use.bytesAtIdle && now - use.idleSince >= IDLE_GRACE_MS) socket.end();
    }
  }

  private install(server: Server): void {
    this.server = server;
    server.on('connection', (socket: Socket) => {
      this.sockets.set(socket, { busy: 0, idleSince: Date.now(), bytesAtIdle: 0 });
      socket.once('close', () => this.sockets.delete(socket));
    });
    const listeners = server.listeners('request') as Listener[];
    server.removeAllListeners('request');
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      if (this.draining) res.setHeader('Connection', 'close');
      else if (!this.connector.isReady && !PROBES.has(pathOf(req.url))) return this.refuseWhileStarting(res);
      const use = this.sockets.get(req.socket);
      if (use) use.busy++;
      this.inFlight.add(res);
      res.once('close', () => {
        this.inFlight.delete(res);
        if (use) {
          use.busy--;
          use.idleSince = Date.now();
          use.bytesAtIdle = req.socket.bytesRead;
        }
      });
      for (const listener of listeners) listener.call(server, req, res);
    });
  }

  private refuseWhileStarting(res: ServerResponse): void {
    res.writeHead(503, {
      'Content-Type': 'application/json',
      'Cache-Control': 'no-store',
      'Retry-After': '5',
      'X-Content-Type-Options': 'nosniff',
      'Content-Length': Buffer.byteLength(STARTING_BODY),
    });
    res.end(STARTING_BODY);
  }
}

function pathOf(url: string | undefined): string {
  if (url === undefined) return '';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}
