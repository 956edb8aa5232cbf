/* eslint-disable @typescript-eslint/only-throw-error -- Reply is a response thrown for early exit, deliberately not an Error (no stack capture per request). */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { Injectable, Logger } from '@nestjs/common';
import {
  isJsonContentType,
  isJSONRPCNotification,
  isJSONRPCRequest,
  ProtocolErrorCode,
  UnsupportedProtocolVersionError,
  type InboundModernRoute,
  type JSONRPCRequest,
} from '@modelcontextprotocol/server';
import { RequestAuthenticatorService, type AuthenticatedCaller } from '../auth/request-authenticator.service.js';
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
import { classifyRequest, isPlainLegacyRequest } from './era.js';
import { acceptsJsonOrSse, batchRefusal, rpcError } from './json-rpc.js';
import { McpDispatcherService, type DispatchedReply } from './mcp-dispatcher.service.js';
import { McpExchange, type Headers } from './mcp-exchange.js';
import { McpHandlersService } from './mcp-handlers.service.js';
import { HEADER_MISMATCH, paramHeaderMismatch, standardHeaderMismatch } from './mcp-headers.js';
import { McpRegistryService } from './mcp-registry.service.js';
import { ALL_VERSIONS, LEGACY_VERSIONS, MODERN_VERSIONS } from './mcp-servers.service.js';
import { ListenStreams } from './subscriptions/listen-streams.service.js';

const AUDIT_KIND = { 'tools/call': 'tool', 'resources/read': 'resource', 'prompts/get': 'prompt' } as const;
const CORS_ALLOW_HEADERS = 'Authorization, Content-Type, Accept, MCP-Protocol-Version, Mcp-Method, Mcp-Name, Mcp-Session-Id, Last-Event-ID, X-API-Key';
const CORS_EXPOSE_HEADERS = 'WWW-Authenticate, Mcp-Session-Id, MCP-Protocol-Version, X-Request-Id';
const PARAM_HEADER = /^mcp-param-[!#$%&'*+\-.^_`|~0-9a-z]+$/;

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

/** The answer went out as an SSE stream, already written and ended. */
const STREAMED = new Reply(200);

/**
 * POST /mcp, Streamable HTTP for both MCP eras, statelessly: 2026-07-28 (per-request `_meta`) and the
 * 2025 revisions (initialize, then any instance answers any request). An edge route (McpModule
 * registers it with HttpEdgeService): it answers every request itself, through the HTTP edge's
 * services (security headers, body policy, 429 policy, error mapper, request observer).
 * Order: Host/Origin (DNS rebinding) → credentials (401) → rate limit (429) → method (405) → content
 * type (415) → Accept (406) → body → era classification (SDK) → era rules → per-message rate limit
 * → per-tool scope (403) → dispatch.
 */
@Injectable()
export class McpHttpEndpoint {
  private readonly logger = new Logger(McpHttpEndpoint.name);
  private readonly baseHeaders: Headers = { ...securityHeaderValues(), 'cache-control': 'no-store' };

  constructor(
    private readonly config: AppConfig,
    private readonly authenticator: RequestAuthenticatorService,
    private readonly limiter: RateLimiter,
    private readonly registry: McpRegistryService,
    private readonly handlers: McpHandlersService,
    private readonly dispatcher: McpDispatcherService,
    private readonly context: RequestContextService,
    private readonly errors: ErrorMapperService,
    private readonly observer: RequestObserverService,
    private readonly listen: ListenStreams,
  ) {}

  handle(req: IncomingMessage, res: ServerResponse): void {
    const requestId = requestIdFor(req.headers);
    const startedAt = performance.now();
    this.context.run(requestId, () => {
      const headers: Headers = { ...this.baseHeaders, 'x-request-id': requestId };
      this.serve(req, res, headers)
        .catch((e: unknown) => this.failure(e))
        .then((reply) => {
          if (reply !== STREAMED) this.send(res, reply, headers);
          this.observer.completed({ requestId, method: req.method ?? '', route: '/mcp', path: '/mcp', startedAt }, reply.status);
        })
        .catch((e: unknown) => {
          // Nothing may escape: a failure to answer is logged with the request id and the socket closed.
          this.logger.error(`Could not answer /mcp (request ${requestId}): ${describeError(e)}`);
          res.destroy();
        });
    });
  }

  private async serve(req: IncomingMessage, res: ServerResponse, headers: Headers): Promise<Reply> {
    this.checkHostAndOrigin(req, headers);
    if (req.method === 'OPTIONS') return new Reply(204, undefined, { allow: 'POST, GET, DELETE, OPTIONS' });
    const caller = await this.authenticator.authenticate(req.headers, req.url ?? '/mcp', req.method ?? 'POST');
    const limitKey = rateLimitKey.caller(caller);
    const retryAfter = await this.limiter.hit('mcp', limitKey);
    if (retryAfter !== undefined) throw new TooManyRequestsError(retryAfter);
    // Stateless in both eras: no standalone SSE stream (GET), no session to delete (DELETE).
    if (req.method !== 'POST') {
      throw new Reply(405, rpcError(null, -32000, 'Method not allowed: this server is stateless; use POST'), { allow: 'POST' });
    }
    if (!isJsonContentType(req.headers['content-type']))
      throw new Reply(415, rpcError(null, -32000, 'Unsupported Media Type: Content-Type must be application/json'));
    // Transports §Sending Messages: the client accepts JSON and/or an SSE stream; neither -> 406.
    if (!acceptsJsonOrSse(req.headers.accept)) {
      throw new Reply(406, rpcError(null, -32000, 'Not Acceptable: Accept must allow application/json or text/event-stream'));
    }
    const body = await readJsonBody(req);
    const version = header(req, 'mcp-protocol-version');
    const exchange = new McpExchange(res, headers, sseAccepted(req));
    // The hot 2025 request (no envelope claim, no modern version header) is legacy by the SDK
    // classifier's first rule; everything else goes through the classifier (see era.ts).
    if (isPlainLegacyRequest(body, version)) return this.serveLegacy(body, version, caller, limitKey, exchange, body as JSONRPCRequest);
    const outcome = classifyRequest({
      httpMethod: 'POST',
      protocolVersionHeader: version,
      mcpMethodHeader: header(req, 'mcp-method'),
      mcpNameHeader: header(req, 'mcp-name'),
      body,
    });
    if (outcome.kind === 'reject') {
      throw new Reply(outcome.httpStatus, rpcErrorWithData(echoId(body), outcome.code, outcome.message, outcome.data));
    }
    if (outcome.kind === 'modern') return this.serveModern(outcome, req, res, headers, caller, limitKey, exchange);
    return this.serveLegacy(body, version, caller, limitKey, exchange);
  }

  /** 2026-07-28: one request or notification per POST, versioned by its `_meta` (the SDK validated the envelope). */
  private async serveModern(
    route: InboundModernRoute,
    req: IncomingMessage,
    res: ServerResponse,
    headers: Headers,
    caller: AuthenticatedCaller,
    limitKey: string,
    exchange: McpExchange,
  ): Promise<Reply> {
    const requested = route.classification.revision;
    const id = route.messageKind === 'request' ? route.message.id : null;
    if (requested === undefined || !MODERN_VERSIONS.includes(requested)) {
      // MCP 2026-07-28 basic/versioning: the versions a request of this era can retry with, which are
      // the ones server/discover lists (the 2025 revisions are negotiated by initialize), as the SDK's handler does.
      const e = new UnsupportedProtocolVersionError({ supported: [...MODERN_VERSIONS], requested: requested ?? 'unknown' });
      throw new Reply(400, rpcErrorWithData(id, e.code, e.message, e.data));
    }
    // No client notification means anything on 2026-07-28 HTTP (closing a stream is the cancellation).
    if (route.messageKind === 'notification') return new Reply(202);
    const message = route.message;
    const mismatch = standardHeaderMismatch(message.method, message.params, req.headers) ?? this.paramHeadersMismatch(message, req);
    if (mismatch) throw new Reply(400, rpcErrorWithData(id, HEADER_MISMATCH, `Bad Request: the request headers and body disagree: ${mismatch}`, undefined));
    this.requireScopes(caller, [message]);
    // basic/patterns/subscriptions: a long-lived stream of its own (ListenStreams), not a dispatched request.
    if (message.method === 'subscriptions/listen') {
      const refused = await this.listen.serve(req, res, message, caller, headers);
      return refused ? new Reply(refused.status, undefined, {}, refused.json) : STREAMED;
    }
    return this.answer(await this.dispatcher.request('modern', message, limitKey, exchange), exchange);
  }

  /**
   * 2025-11-25 and earlier, statelessly: initialize and every other request may reach any instance.
   * `single`: the body, when it is already known to be one valid request.
   */
  private serveLegacy(
    body: unknown,
    version: string | undefined,
    caller: AuthenticatedCaller,
    limitKey: string,
    exchange: McpExchange,
    single?: JSONRPCRequest,
  ): Promise<Reply> {
    // Transports §Protocol Version Header: an unsupported version -> 400; none -> 2025-03-26.
    if (version !== undefined && !LEGACY_VERSIONS.includes(version)) {
      const e = new UnsupportedProtocolVersionError({ supported: [...ALL_VERSIONS], requested: version.slice(0, 40) });
      throw new Reply(400, rpcErrorWithData(null, e.code, e.message, e.data));
    }
    if (single) {
      this.requireScopes(caller, [single]);
      return this.dispatcher.request('legacy', single, limitKey, exchange).then((reply) => this.answer(reply, exchange));
    }
    return this.serveLegacyBody(body, version, caller, limitKey, exchange);
  }

  private async serveLegacyBody(
    body: unknown,
    version: string | undefined,
    caller: AuthenticatedCaller,
    limitKey: string,
    exchange: McpExchange,
  ): Promise<Reply> {
    const batch = Array.isArray(body);
    const messages: unknown[] = batch ? body : [body];
    const refusal = batch ? batchRefusal(messages.length, version) : undefined;
    if (refusal) throw new Reply(400, rpcError(null, ProtocolErrorCode.InvalidRequest, refusal));
    // SECURITY 32: every message of a batch counts against the limit (the first was counted already).
    if (messages.length > 1) await this.limit(limitKey, messages.length - 1);
    const requests = messages.filter((m): m is JSONRPCRequest => isJSONRPCRequest(m));
    this.requireScopes(caller, requests);
    for (const m of messages) if (isJSONRPCNotification(m)) this.dispatcher.notification(m, limitKey);
    // Responses posted by the client answer nothing: a stateless server never asks the client anything.
    if (requests.length === 0) return new Reply(202);
    if (!batch) return this.answer(await this.dispatcher.request('legacy', requests[0], limitKey, exchange), exchange);
    const quiet = { notify: () => undefined, onAbandon: (fn: () => void) => exchange.onAbandon(fn) };
    const replies = await Promise.all(requests.map((r) => this.dispatcher.request('legacy', r, limitKey, quiet)));
    return new Reply(200, undefined, {}, `[${replies.map((r) => r.json).join(',')}]`);
  }

  private answer(reply: DispatchedReply, exchange: McpExchange): Reply {
    if (!exchange.isStreaming) return new Reply(reply.status, undefined, {}, reply.json);
    exchange.end(reply.json);
    return STREAMED;
  }

  /** Transports §Custom Headers from Tool Parameters: a tool's `x-mcp-header` arguments must match their Mcp-Param-* headers. */
  private paramHeadersMismatch(message: JSONRPCRequest, req: IncomingMessage): string | undefined {
    if (message.method !== 'tools/call') return undefined;
    // The name as sent: an object there may not even convert to a string (toString and valueOf not functions).
    const name = message.params?.name;
    const tool = typeof name === 'string' ? this.registry.tools.get(name) : undefined;
    return tool && tool.paramHeaders.length ? paramHeaderMismatch(tool.paramHeaders, message.params?.arguments, req.headers) : undefined;
  }

  /** MCP authorization §2.4 step-up: 403 naming the needed scopes, before anything runs (the whole batch). */
  private requireScopes(caller: AuthenticatedCaller, requests: JSONRPCRequest[]): void {
    const needed = new Set<string>();
    for (const m of requests) {
      const required = this.registry.scopesFor(m.method, m.params);
      if (this.handlers.allowed(required)) continue;
      if (m.method === 'completion/complete') {
        // What the completion is of: a prompt or a resource template (its registered name).
        const completer = this.registry.completerFor(m.params);
        this.handlers.recordDenied((m.params?.ref as { type?: unknown }).type === 'ref/prompt' ? 'prompt' : 'resource', completer?.name ?? m.method);
      } else {
        const kind = AUDIT_KIND[m.method as keyof typeof AUDIT_KIND];
        const target = m.params?.name ?? m.params?.uri;
        this.handlers.recordDenied(kind, typeof target === 'string' ? target : m.method);
      }
      for (const s of required) needed.add(s);
    }
    // RFC 6750 §3.1: one challenge naming every scope the request needs, not only the first refused message's.
    if (needed.size) this.authenticator.requireScopes(caller.scopes, [...needed]);
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
      throw new Reply(403, rpcError(null, -32000, `Host not allowed: ${host?.slice(0, 100) ?? '(none)'}`));
    }
    const origin = req.headers.origin;
    if (origin === undefined) return;
    if (!isOriginAllowed(this.config, origin)) {
      this.logger.warn(`Origin not allowed: ${origin.slice(0, 100)}`);
      throw new Reply(403, rpcError(null, -32000, `Origin not allowed: ${origin.slice(0, 100)}`));
    }
    headers['access-control-allow-origin'] = origin;
    headers.vary = 'Origin';
    headers['access-control-expose-headers'] = CORS_EXPOSE_HEADERS;
    if (req.method === 'OPTIONS') {
      const params = (header(req, 'access-control-request-headers') ?? '')
        .split(',')
        .map((h) => h.trim().toLowerCase())
        .filter((h) => PARAM_HEADER.test(h));
      headers['access-control-allow-methods'] = 'POST, GET, DELETE, OPTIONS';
      headers['access-control-allow-headers'] = [CORS_ALLOW_HEADERS, ...params].join(', ');
      headers['access-control-max-age'] = '600';
    }
  }

  /** The edge's error mapping, worded for an MCP client: body problems as JSON-RPC errors, the rest as every route answers. */
  private failure(e: unknown): Reply {
    if (e instanceof Reply) return e;
    if (e instanceof BodyError) {
      return new Reply(e.status, rpcError(null, e.problem === 'malformed' ? ProtocolErrorCode.ParseError : ProtocolErrorCode.InvalidRequest, e.message));
    }
    const { status, body, headers } = this.errors.toReply(e);
    return new Reply(status, body, headers);
  }

  private send(res: ServerResponse, reply: Reply, headers: Headers): void {
    if (res.headersSent) {
      if (!res.writableEnded) res.end();
      return;
    }
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

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** Whether the client accepts an SSE answer (it asked for progress or logs only if so). */
function sseAccepted(req: IncomingMessage): boolean {
  const accept = header(req, 'accept');
  return accept !== undefined && /text\/event-stream|text\/\*|\*\/\*/i.test(accept);
}

function echoId(body: unknown): string | number | null {
  const id = body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as { id?: unknown }).id : undefined;
  return typeof id === 'string' || typeof id === 'number' ? id : null;
}

function rpcErrorWithData(id: string | number | null, code: number, message: string, data: unknown): Record<string, unknown> {
  return { jsonrpc: '2.0', id, error: { code, message, ...(data === undefined ? {} : { data }) } };
}
