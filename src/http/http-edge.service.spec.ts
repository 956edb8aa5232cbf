import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HttpAdapterHost } from '@nestjs/core';
import { HttpEdgeService } from './http-edge.service.js';

describe('HttpEdgeService', () => {
  let server: Server;
  let base: string;
  let edge: HttpEdgeService;

  beforeEach(async () => {
    // Stands in for Express: the listener Nest attached to the server.
    server = createServer((_req, res) => res.end('express'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    edge = new HttpEdgeService({ httpAdapter: { getHttpServer: () => server } } as unknown as HttpAdapterHost);
  });
  afterEach(async () => {
    await new Promise((r) => server.close(r));
  });

  it('serves a registered path (with or without a query) itself and everything else through the previous listener', async () => {
    edge.route('/mcp', (_req, res) => res.end('edge'));
    edge.onApplicationBootstrap();
    edge.onApplicationBootstrap();
    const text = async (path: string) => (await fetch(`${base}${path}`)).text();
    expect(await text('/mcp')).toBe('edge');
    expect(await text('/mcp?x=1')).toBe('edge');
    for (const path of ['/mcp/', '/mcpx', '/MCP', '/other', '/']) expect({ path, body: await text(path) }).toEqual({ path, body: 'express' });
    expect(server.listenerCount('request')).toBe(1);
  });

  it('refuses the same path twice', () => {
    edge.route('/mcp', () => undefined);
    expect(() => edge.route('/mcp', () => undefined)).toThrow('registered twice');
  });
});
