/* eslint-disable @typescript-eslint/only-throw-error -- Reply is a response thrown for early exit, deliberately not an Error (no stack capture per request). */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { Injectable, Logger } from '@nestjs/common';
import { ErrorCode, SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/sdk/types.js';
import { RequestAuthenticator } from '../auth/request-authenticator.service.js';
import { requestIdFor } from '../common/context/request-context.middleware.js';
import { RequestContextService } from '../common/context/request-context.service.js';
import { describeError } from '../common/errors/describe-error.js';
import { AppConfig, isOriginAllowed } from '../config/app-config.js';
import { BodyError, readJsonBody } from '../http/body-policy.js';
import { ErrorMapperService } from '../http/error-mapper.service.js';
import { rateLimitKey, TooManyRequestsError } from '../http/rate-limit-policy.js';
import { RequestObserverService } from '../http/request-observer.service.js';
import { securityHeaderValues } from '../http/security-headers.js';
import { RateLimiter } from '../rate-limit/rate-limiter.service.js';
import { acceptsJsonOrSse, batchRefusal, classify, rpcError, type IncomingMessage as RpcMessage } from './json-rpc.js';
import { McpDispatcherService } from './mcp-dispatcher.service.js';
import { McpRegistryService } from './mcp-registry.service.js';
import { McpServerService } from './mcp-server.service.js';

const SUPPORTED_VERSIONS = new Set(SUPPORTED_PROTOCOL_VERSIONS);
const AUDIT_KIND = { 'tools/call': 'tool', 'resources/read': 'resource', 'prompts/get': 'prompt' } as const;
const CORS_ALLOW_HEADERS = 'Authorization, Content-Type, Accept, MCP-Protocol-Version, Mcp-Session-Id, Last-Event-ID, X-API-Key';
const CORS_EXPOSE_HEADERS = 'WWW-Authenticate, Mcp-Session-Id, MCP-Protocol-Version, X-Request-Id';

type Headers = Record<string, string | number>;

/** A response, also thrown to end early; deliberately not an Error (no stack capture per request). */
class Reply {
  constructor(
    readonly status: number,
    readonly body?: unknown,
    readonly headers: Headers = {},
    /** The body already serialized (JSON-RPC responses, size-capped by the dispatcher). */
    readonly json?: string,
  ) {}
}

/**
 * POST/GET/DELETE /mcp: stateless Streamable HTTP with JSON responses (MCP transports, 2025-11-25).
 * An edge route (McpModule registers it with HttpEdgeService): it answers every request itself,
 * through the HTTP edge's services (security headers, body policy, 429 policy, error mapper, request
 * observer), without Express or Nest's guards. Order: Host/Origin (DNS rebinding) → credentials
 * (401) → rate limit (429) → method/version/content type/Accept → body → batch policy → per-message
 * rate limit → per-tool scope (403) → dispatch.
 */
@Injectable()
export class McpHttpEndpoint {
  private readonly logger = new Logger(McpHttpEndpoint.name);
  private readonly baseHeaders: Headers = { ...securityHeaderValues(), 'cache-control': 'no-store' };

  constructor(
    private readonly config: AppConfig,
    private readonly authenticator: RequestAuthenticator,
    private readonly limiter: RateLimiter,
    private readonly registry: McpRegistryService,
    private readonly mcp: McpServerService,
    private readonly dispatcher: McpDispatcherService,
    private readonly context: RequestContextService,
    private readonly errors: ErrorMapperService,
    private readonly observer: RequestObserverService,
  ) {}

  handle(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '/mcp';
    const requestId = requestIdFor(req.headers);
    const startedAt = performance.now();
    this.context.run(requestId, () => {
      const headers: Headers = { ...this.baseHeaders, 'x-request-id': requestId };
      this.serve(req, url, headers)
        .catch((e: unknown) => this.failure(e))
        .then((reply) => {
          this.send(res, reply, headers);
          this.observer.completed({ requestId, method: req.method ?? '', route: '/mcp', path: '/mcp', startedAt }, reply.status);
        })
        .catch((e: unknown) => {
          // Nothing may escape: a failure to answer is logged with the request id and the socket closed.
          this.logger.error(`Could not answer /mcp (request ${requestId}): ${describeError(e)}`);
          res.destroy();
        });
    });
  }

  private async serve(req: IncomingMessage, url: string, headers: Headers): Promise<Reply> {
    this.checkHostAndOrigin(req, headers);
    if (req.method === 'OPTIONS') return new Reply(204, undefined, { allow: 'POST, GET, DELETE, OPTIONS' });
    const caller = await this.authenticator.authenticate(req.headers, url, req.method ?? 'POST');
    const limitKey = rateLimitKey.caller(caller);
    await this.limit(limitKey, 1);
    // A stateless server offers no standalone SSE stream and has no session to delete.
    if (req.method !== 'POST') {
      throw new Reply(405, rpcError(null, ErrorCode.ConnectionClosed, 'Method not allowed: this server is stateless; use POST'), { allow: 'POST' });
    }
    // Transports §Protocol Version Header: unsupported -> 400; absent -> assume 2025-03-26.
    const header = req.headers['mcp-protocol-version'];
    const version = header === undefined ? undefined : String(header);
    if (version !== undefined && !SUPPORTED_VERSIONS.has(version)) {
      throw new Reply(
        400,
        rpcError(
          null,
          ErrorCode.InvalidRequest,
          `Unsupported MCP-Protocol-Version: ${version.slice(0, 40)} (supported: ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')})`,
        ),
      );
    }
    if (!/^application\/([a-z0-9.+-]+\+)?json\s*(;|$)/i.test(req.headers['content-type'] ?? '')) {
      throw new Reply(415, rpcError(null, ErrorCode.InvalidRequest, 'Content-Type must be application/json'));
    }
    // Transports §Sending Messages: the client accepts JSON and/or an SSE stream; neither -> 406.
    if (!acceptsJsonOrSse(req.headers.accept)) {
      throw new Reply(406, rpcError(null, ErrorCode.InvalidRequest, 'Not Acceptable: Accept must allow application/json or text/event-stream'));
    }
    const body = await readJsonBody(req);
    const batch = Array.isArray(body);
    const raw: unknown[] = batch ? body : [body];
    const refusal = batch ? batchRefusal(raw.length, version) : undefined;
    if (refusal) throw new Reply(400, rpcError(null, ErrorCode.InvalidRequest, refusal));
    const messages = raw.map(classify);
    if (messages.some((m) => m === undefined)) {
      throw new Reply(400, rpcError(null, ErrorCode.InvalidRequest, 'Body must be a JSON-RPC 2.0 request, notification or response'));
    }
    // SECURITY 32: every message of a batch counts against the limit (the first was counted above).
    if (raw.length > 1) await this.limit(limitKey, raw.length - 1);
    const valid = messages as RpcMessage[];
    for (const m of valid) {
      if (m.kind !== 'request') continue;
      const required = this.registry.scopesFor(m.message.method, m.message.params);
      if (!this.mcp.allowed(required)) {
        const kind = AUDIT_KIND[m.message.method as keyof typeof AUDIT_KIND];
        const target = m.message.params?.name ?? m.message.params?.uri;
        this.mcp.recordDenied(kind, typeof target === 'string' ? target : m.message.method);
        this.authenticator.requireScopes(caller.scopes, required);
      }
    }
    const extra = { requestInfo: { headers: req.headers } };
    const pending: Promise<string>[] = [];
    for (const m of valid) {
      if (m.kind === 'request') pending.push(this.dispatcher.request(m.message, limitKey, extra));
      else if (m.kind === 'notification') this.dispatcher.notification(m.message, limitKey);
    }
    if (pending.length === 0) return new Reply(202);
    const replies = await Promise.all(pending);
    return new Reply(200, undefined, {}, batch ? `[${replies.join(',')}]` : replies[0]);
  }

  private async limit(key: string, weight: number): Promise<void> {
    const retryAfter = await this.limiter.hit('mcp', key, weight);
    if (retryAfter !== undefined) throw new TooManyRequestsError(retryAfter);
  }

  /** MCP transports §Security: Host and Origin checks against DNS rebinding, before anything else. */
  private checkHostAndOrigin(req: IncomingMessage, headers: Headers): void {
    const host = req.headers.host?.toLowerCase();
    if (!host || (!this.config.allowedHosts.has(host) && !this.config.allowedHosts.has(host.replace(/:\d+$/, '')))) {
      this.logger.warn(`Host not allowed: ${host?.slice(0, 100) ?? '(none)'}`);
      throw new Reply(403, rpcError(null, ErrorCode.ConnectionClosed, `Host not allowed: ${host?.slice(0, 100) ?? '(none)'}`));
    }
    const origin = req.headers.origin;
    if (origin === undefined) return;
    if (!isOriginAllowed(this.config, origin)) {
      this.logger.warn(`Origin not allowed: ${origin.slice(0, 100)}`);
      throw new Reply(403, rpcError(null, ErrorCode.ConnectionClosed, `Origin not allowed: ${origin.slice(0, 100)}`));
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

  /** The edge's error mapping, worded for an MCP client: body problems as JSON-RPC errors, the rest as every route answers. */
  private failure(e: unknown): Reply {
    if (e instanceof Reply) return e;
    if (e instanceof BodyError) {
      return new Reply(e.status, rpcError(null, e.problem === 'malformed' ? ErrorCode.ParseError : ErrorCode.InvalidRequest, e.message));
    }
    const { status, body, headers } = this.errors.toReply(e);
    return new Reply(status, body, headers);
  }

  private send(res: ServerResponse, reply: Reply, headers: Headers): void {
    if (res.headersSent) return;
    Object.assign(headers, reply.headers);
    const json = reply.json ?? (reply.body === undefined ? undefined : JSON.stringify(reply.body));
    if (json === undefined) {
      res.writeHead(reply.status, headers).end();
      return;
    }
    headers['content-type'] = 'application/json; charset=utf-8';
    headers['content-length'] = Buffer.byteLength(json);
    res.writeHead(reply.status, headers).end(json);
  }
}
