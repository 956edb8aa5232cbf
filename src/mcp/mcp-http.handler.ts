/* eslint-disable @typescript-eslint/only-throw-error, @typescript-eslint/prefer-promise-reject-errors, @typescript-eslint/no-base-to-string -- Reply is a response thrown and rejected for early exit, deliberately not an Error (no stack capture per request). */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { HttpException, Injectable, Logger } from '@nestjs/common';
import { ErrorCode, SUPPORTED_PROTOCOL_VERSIONS, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { RequestAuthenticator } from '../auth/request-authenticator.service.js';
import { requestIdFor } from '../common/context/request-context.middleware.js';
import { RequestContextService } from '../common/context/request-context.service.js';
import { HttpErrorWithHeaders } from '../common/errors/http-error-with-headers.exception.js';
import { helmetHeaders } from '../common/security-headers.js';
import { AppConfig, isOriginAllowed } from '../config/app-config.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { RateLimiter } from '../rate-limit/rate-limiter.service.js';
import { classify, rpcError, type IncomingMessage as RpcMessage } from './json-rpc.js';
import { McpRegistry } from './mcp-registry.service.js';
import { McpServerService } from './mcp-server.service.js';

const SUPPORTED_VERSIONS = new Set(SUPPORTED_PROTOCOL_VERSIONS);
const AUDIT_KIND = { 'tools/call': 'tool', 'resources/read': 'resource', 'prompts/get': 'prompt' } as const;
const BODY_LIMIT = 1024 * 1024;
const CORS_ALLOW_HEADERS = 'Authorization, Content-Type, Accept, MCP-Protocol-Version, Mcp-Session-Id, Last-Event-ID, X-API-Key';
const CORS_EXPOSE_HEADERS = 'WWW-Authenticate, Mcp-Session-Id, MCP-Protocol-Version, X-Request-Id';

type Headers = Record<string, string | number>;

/** A response, also thrown to end early; deliberately not an Error (no stack capture per request). */
class Reply {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Headers = {},
  ) {}
}

/**
 * POST/GET/DELETE /mcp: stateless Streamable HTTP with JSON responses (MCP transports, 2025-11-25).
 * It runs on the HTTP server directly, in front of Express, because it is the hot path: the same
 * services as the rest of the app (authenticator, rate limiter, context, registry, the one SDK
 * Server) without a per-request middleware chain. Order: Host/Origin (DNS rebinding) → credentials
 * (401) → rate limit (429) → method/version/content type → body → per-tool scope (403) → dispatch.
 */
@Injectable()
export class McpHttpHandler {
  private readonly logger = new Logger('Mcp');
  private readonly baseHeaders: Headers = { ...helmetHeaders(), 'cache-control': 'no-store' };

  constructor(
    private readonly config: AppConfig,
    private readonly authenticator: RequestAuthenticator,
    private readonly limiter: RateLimiter,
    private readonly registry: McpRegistry,
    private readonly mcp: McpServerService,
    private readonly context: RequestContextService,
    private readonly metrics: MetricsService,
  ) {}

  static matches(url: string | undefined): boolean {
    return url === '/mcp' || (url !== undefined && url.startsWith('/mcp?'));
  }

  handle(req: IncomingMessage, res: ServerResponse): void {
    const requestId = requestIdFor(req.headers);
    const started = performance.now();
    this.context.run(requestId, () => {
      const headers: Headers = { ...this.baseHeaders, 'x-request-id': requestId };
      void this.serve(req, headers)
        .catch((e: unknown) => this.failure(e))
        .then((reply) => {
          this.send(res, reply, headers);
          const seconds = (performance.now() - started) / 1000;
          this.metrics.httpDuration.observe({ method: req.method ?? '', route: '/mcp', status: String(reply.status) }, seconds);
          // The same access line pino-http writes for every other route.
          this.logger.log({
            msg: 'request completed',
            req: { id: requestId, method: req.method, path: '/mcp' },
            res: { statusCode: reply.status },
            responseTime: Math.round(seconds * 1000),
          });
        });
    });
  }

  private async serve(req: IncomingMessage, headers: Headers): Promise<Reply> {
    this.checkHostAndOrigin(req, headers);
    if (req.method === 'OPTIONS') return new Reply(204, undefined, { allow: 'POST, GET, DELETE, OPTIONS' });
    const caller = await this.authenticator.authenticate(req.headers, req.url ?? '/mcp', req.method ?? 'POST');
    const retryAfter = await this.limiter.hit('mcp', `caller:${caller.userId ?? '-'}|${caller.clientId}`);
    if (retryAfter !== undefined) {
      throw new Reply(
        429,
        { error: 'too_many_requests', error_description: 'Too many requests; retry after the number of seconds in Retry-After' },
        { 'retry-after': retryAfter },
      );
    }
    // A stateless server offers no standalone SSE stream and has no session to delete.
    if (req.method !== 'POST') {
      throw new Reply(405, rpcError(null, ErrorCode.ConnectionClosed, 'Method not allowed: this server is stateless; use POST'), { allow: 'POST' });
    }
    // Transports §Protocol Version Header: unsupported -> 400; absent -> assume 2025-03-26.
    const version = req.headers['mcp-protocol-version'];
    if (version !== undefined && !SUPPORTED_VERSIONS.has(String(version))) {
      throw new Reply(
        400,
        rpcError(null, ErrorCode.InvalidRequest, `Unsupported MCP-Protocol-Version: ${String(version)} (supported: ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')})`),
      );
    }
    if (!/^application\/([a-z0-9.+-]+\+)?json\s*(;|$)/i.test(req.headers['content-type'] ?? '')) {
      throw new Reply(415, rpcError(null, ErrorCode.InvalidRequest, 'Content-Type must be application/json'));
    }
    const body = await this.readJson(req);
    const batch = Array.isArray(body);
    const raw: unknown[] = batch ? body : [body];
    const messages = raw.map(classify);
    if (raw.length === 0 || messages.some((m) => m === undefined)) {
      throw new Reply(400, rpcError(null, ErrorCode.InvalidRequest, 'Body must be a JSON-RPC 2.0 request, notification or response'));
    }
    const valid = messages as RpcMessage[];
    for (const m of valid) {
      if (m.kind !== 'request') continue;
      const required = this.registry.scopesFor(m.message.method, m.message.params);
      if (!this.mcp.allowed(required)) {
        const kind = AUDIT_KIND[m.message.method as keyof typeof AUDIT_KIND];
        this.mcp.recordDenied(kind, String(m.message.params?.name ?? m.message.params?.uri ?? m.message.method));
        this.authenticator.requireScopes(caller.scopes, required);
      }
    }
    const extra = { requestInfo: { headers: req.headers } };
    const pending: Promise<JSONRPCMessage>[] = [];
    for (const m of valid) {
      if (m.kind === 'request') pending.push(this.mcp.fastToolCall(m.message) ?? this.mcp.transport.request(m.message, extra));
      else if (m.kind === 'notification') this.mcp.transport.notify(m.message, extra);
    }
    if (pending.length === 0) return new Reply(202, undefined);
    const replies = await Promise.all(pending);
    return new Reply(200, batch ? replies : replies[0]);
  }

  /** MCP transports §Security: Host and Origin checks against DNS rebinding, before anything else. */
  private checkHostAndOrigin(req: IncomingMessage, headers: Headers): void {
    const host = req.headers.host?.toLowerCase();
    if (!host || (!this.config.allowedHosts.has(host) && !this.config.allowedHosts.has(host.replace(/:\d+$/, '')))) {
      this.logger.warn(`Host not allowed: ${host ?? '(none)'}`);
      throw new Reply(403, rpcError(null, ErrorCode.ConnectionClosed, `Host not allowed: ${host ?? '(none)'}`));
    }
    const origin = req.headers.origin;
    if (origin === undefined) return;
    if (!isOriginAllowed(this.config, origin)) {
      this.logger.warn(`Origin not allowed: ${origin}`);
      throw new Reply(403, rpcError(null, ErrorCode.ConnectionClosed, `Origin not allowed: ${origin}`));
    }
    headers['access-control-allow-origin'] = origin;
    headers.vary = 'Origin';
    headers['access-control-expose-headers'] = CORS_EXPOSE_HEADERS;
    if (req.method === 'OPTIONS') {
      headers['access-control-allow-methods'] = 'POST, GET, DELETE, OPTIONS';
      headers['access-control-allow-headers'] = CORS_ALLOW_HEADERS;
      headers['access-control-max-age'] = '600';
    }
  }

  /** Reads at most 1 MB and parses it; 413 beyond that, JSON-RPC parse error (-32700) for bad JSON. */
  private readJson(req: IncomingMessage): Promise<unknown> {
    const declared = Number(req.headers['content-length']);
    if (declared > BODY_LIMIT) return Promise.reject(new Reply(413, rpcError(null, ErrorCode.InvalidRequest, 'Request body too large')));
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > BODY_LIMIT) {
          req.removeAllListeners('data');
          req.resume();
          reject(new Reply(413, rpcError(null, ErrorCode.InvalidRequest, 'Request body too large')));
        } else chunks.push(chunk);
      });
      req.on('end', () => {
        if (size > BODY_LIMIT) return;
        try {
          resolve(JSON.parse(Buffer.concat(chunks, size).toString('utf8')));
        } catch {
          reject(new Reply(400, rpcError(null, ErrorCode.ParseError, 'Malformed JSON body')));
        }
      });
      req.on('error', () => reject(new Reply(400, rpcError(null, ErrorCode.InvalidRequest, 'Unreadable request body'))));
    });
  }

  private failure(e: unknown): Reply {
    if (e instanceof Reply) return e;
    if (e instanceof HttpException) {
      const body = e.getResponse();
      return new Reply(e.getStatus(), typeof body === 'string' ? { error: body } : body, e instanceof HttpErrorWithHeaders ? e.headers : {});
    }
    const requestId = this.context.requestId;
    this.logger.error(`Unhandled error on /mcp (request ${requestId}): ${(e as Error)?.stack ?? String(e)}`);
    return new Reply(500, { error: 'server_error', error_description: 'Internal server error', request_id: requestId });
  }

  private send(res: ServerResponse, reply: Reply, headers: Headers): void {
    if (res.headersSent) return;
    Object.assign(headers, reply.headers);
    if (reply.body === undefined) {
      res.writeHead(reply.status, headers).end();
      return;
    }
    const json = JSON.stringify(reply.body);
    headers['content-type'] = 'application/json; charset=utf-8';
    headers['content-length'] = Buffer.byteLength(json);
    res.writeHead(reply.status, headers).end(json);
  }
}
