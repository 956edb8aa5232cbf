import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';

/** Serves one request completely (writes the response itself, never throws). */
export type EdgeHandler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * The Node server's request listener: requests to a registered edge route (McpModule registers
 * `/mcp`) are served by that route's handler; every other request goes to Express and Nest. Edge
 * handlers use the same services as the Express chain (security headers, body policy, 429 policy,
 * error mapper, request observer); they skip Express because its per-request setup (prototype
 * swaps, router, middleware layers) doubled the server CPU of a tools/call when /mcp was mounted
 * as Express's first middleware (README "The HTTP edge").
 */
@Injectable()
export class HttpEdgeService implements OnApplicationBootstrap {
  private readonly routes = new Map<string, EdgeHandler>();
  private installed = false;

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  /** Serves `path` (exactly, with any query string) with `handler`, ahead of Express. */
  route(path: string, handler: EdgeHandler): void {
    if (this.routes.has(path)) throw new Error(`Edge route ${path} is registered twice`);
    this.routes.set(path, handler);
  }

  onApplicationBootstrap(): void {
    if (this.installed) return;
    this.installed = true;
    const server = this.adapterHost.httpAdapter.getHttpServer() as Server;
    const express = server.listeners('request') as EdgeHandler[];
    server.removeAllListeners('request');
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const handler = this.routes.size === 0 ? undefined : this.routes.get(pathOf(req.url));
      if (handler) handler(req, res);
      else for (const listener of express) listener.call(server, req, res);
    });
  }
}

function pathOf(url: string | undefined): string {
  if (url === undefined) return '';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}
