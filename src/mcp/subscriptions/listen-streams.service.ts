import type { IncomingMessage, ServerResponse } from 'node:http';
import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { createMcpHandler, Server, type JSONRPCRequest, type McpHttpHandler } from '@modelcontextprotocol/server';
import { RequestAuthenticatorService, type AuthenticatedCaller } from '../../auth/request-authenticator.service.js';
import { RequestContextService } from '../../common/context/request-context.service.js';
import { AppConfig } from '../../config/app-config.js';
import { TrafficGate } from '../../health/traffic-gate.service.js';
import { McpRegistryService } from '../mcp-registry.service.js';
import { SERVER_INFO } from '../mcp-servers.service.js';
import { LISTEN_CAPABILITIES } from './listen-capabilities.js';
import { ResourceChanges } from './resource-changes.service.js';

/** How often every open stream's credential is checked again (revocation reaches every instance within a second). */
const RECHECK_INTERVAL_MS = 1000;
/** An SSE comment this often keeps proxies and clients from closing a quiet stream (transports/streamable-http). */
const KEEP_ALIVE_MS = 15_000;
/** The SDK's code for a refused subscription ("Subscription limit reached"). */
const LIMIT_CODE = -32603;
const INVALID_PARAMS = -32602;

/** A JSON-RPC answer instead of a stream. */
export interface ListenRefusal {
  status: number;
  json: string;
}

interface OpenStream {
  userKey: string;
  handler: McpHttpHandler;
  /** Whether the credential the stream was opened with is still good (not revoked, not expired). */
  stillAuthorized: () => Promise<boolean>;
  checking: boolean;
}

/**
 * `subscriptions/listen` on 2026-07-28 (basic/patterns/subscriptions): each request becomes a
 * long-lived SSE stream served by the SDK's listen router (`createMcpHandler`, used for this one
 * method): acknowledgement first, the subscription id on every message, only the notification types
 * asked for, keep-alive comments, and the graceful-close result when the server ends it. Ours:
 * - only the caller's own resources: each stream subscribes to its user's changes (ResourceChanges),
 *   and a URI is honoured only if it names a resource the caller's scopes can read; whether a note
 *   id exists (or is someone else's) is never looked up, so the answer cannot tell;
 * - bounds: streams per user, streams per instance, URIs per stream (MCP_LISTEN_*), with an
 *   in-band JSON-RPC error naming the limit;
 * - the stream's credential is checked again every second: a revoked or expired token (or API key)
 *   ends its streams with the graceful-close result; so do shutdown (drain) and the client
 *   closing the connection (which needs no result).
 */
@Injectable()
export class ListenStreams implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ListenStreams.name);
  private readonly streams = new Set<OpenStream>();
  private readonly perUser = new Map<string, number>();
  private sweeper?: NodeJS.Timeout;
  private closing = false;

  constructor(
    private readonly config: AppConfig,
    private readonly changes: ResourceChanges,
    private readonly registry: McpRegistryService,
    private readonly authenticator: RequestAuthenticatorService,
    private readonly context: RequestContextService,
    private readonly gate: TrafficGate,
  ) {}

  onModuleInit(): void {
    this.gate.onDrain(() => this.closeAll());
  }

  onApplicationShutdown(): void {
    this.closeAll();
  }

  /** Open streams on this instance. */
  get openCount(): number {
    return this.streams.size;
  }

  /**
   * Serves one `subscriptions/listen` request whose envelope, headers and scopes the endpoint already
   * checked. Resolves once the stream is open (undefined) or with the JSON-RPC error to send instead.
   */
  async serve(
    req: IncomingMessage,
    res: ServerResponse,
    message: JSONRPCRequest,
    caller: AuthenticatedCaller,
    headers: Record<string, string | number>,
  ): Promise<ListenRefusal | undefined> {
    const { maxPerUser, maxStreams, maxUris } = this.config.mcpListen;
    const userKey = caller.userId ?? `client:${caller.clientId}`;
    const filter = (message.params as { notifications?: { resourceSubscriptions?: unknown } } | undefined)?.notifications;
    const uris = filter?.resourceSubscriptions;
    if (Array.isArray(uris) && uris.length > maxUris) {
      return refusal(message, 200, INVALID_PARAMS, `Invalid params: at most ${maxUris} resourceSubscriptions per subscriptions/listen (got ${uris.length})`);
    }
    if (this.closing) return refusal(message, 503, LIMIT_CODE, 'Server is shutting down: open the subscription on another instance');
    if (this.streams.size >= maxStreams) {
      return refusal(message, 200, LIMIT_CODE, `Subscription limit reached: this server holds its maximum of ${maxStreams} open streams; try again later`);
    }
    if ((this.perUser.get(userKey) ?? 0) >= maxPerUser) {
      return refusal(message, 200, LIMIT_CODE, `Subscription limit reached: at most ${maxPerUser} open subscriptions/listen streams per user; close one first`);
    }
    // Anything but a list of strings is left to the SDK's filter validation (-32602).
    const body = Array.isArray(uris) && uris.every((u) => typeof u === 'string') ? this.narrowed(message, uris) : message;
    const abort = new AbortController();
    const handler = createMcpHandler(() => new Server(SERVER_INFO, { capabilities: LISTEN_CAPABILITIES }), {
      legacy: 'reject',
      bus: this.changes.busFor(userKey),
      maxSubscriptions: 1,
      keepAliveMs: KEEP_ALIVE_MS,
      onerror: (e) => this.logger.debug(`listen: ${e.message}`),
    });
    const response = await handler.fetch(
      new Request(this.config.resourceUrl, { method: 'POST', headers: forwarded(req), body: JSON.stringify(body), signal: abort.signal }),
      { parsedBody: body },
    );
    if (!response.body || !(response.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
      await handler.close();
      return { status: response.status, json: await response.text() };
    }
    const stream: OpenStream = { userKey, handler, stillAuthorized: this.recheck(req), checking: false };
    this.open(stream);
    res.writeHead(response.status, {
      ...headers,
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
    });
    res.flushHeaders();
    // The client went away: the SDK tears the subscription down (no result: nobody to read it).
    res.once('close', () => abort.abort());
    void this.pump(response.body, res).finally(() => this.closed(stream));
    return undefined;
  }

  /** Ends every stream with the graceful-close result (shutdown). */
  closeAll(): void {
    this.closing = true;
    for (const stream of this.streams) void stream.handler.close();
  }

  /** Keeps only URIs of resources the caller may read (the others cannot be delivered: not acknowledged). */
  private narrowed(message: JSONRPCRequest, uris: string[]): JSONRPCRequest {
    const granted = this.context.scopes();
    const readable = [...new Set(uris)].filter((uri) => {
      const match = this.registry.matchResource(uri);
      return match !== undefined && match.resource.scopes.every((s) => granted.has(s));
    });
    const params = message.params as Record<string, unknown> & { notifications: Record<string, unknown> };
    const notifications: Record<string, unknown> = { ...params.notifications, resourceSubscriptions: readable };
    if (readable.length === 0) delete notifications.resourceSubscriptions;
    return { ...message, params: { ...params, notifications } };
  }

  /** Checks the request's credential again, as /mcp would check it now. */
  private recheck(req: IncomingMessage): () => Promise<boolean> {
    const credentials = { authorization: req.headers.authorization, 'x-api-key': req.headers['x-api-key'] };
    const requestId = `listen-recheck`;
    return () =>
      this.context.run(requestId, () =>
        this.authenticator.authenticate(credentials, '/mcp', 'POST').then(
          () => true,
          () => false,
        ),
      );
  }

  private open(stream: OpenStream): void {
    this.streams.add(stream);
    this.perUser.set(stream.userKey, (this.perUser.get(stream.userKey) ?? 0) + 1);
    if (!this.sweeper) {
      this.sweeper = setInterval(() => this.sweep(), RECHECK_INTERVAL_MS);
      this.sweeper.unref();
    }
  }

  private closed(stream: OpenStream): void {
    if (!this.streams.delete(stream)) return;
    const left = (this.perUser.get(stream.userKey) ?? 1) - 1;
    if (left > 0) this.perUser.set(stream.userKey, left);
    else this.perUser.delete(stream.userKey);
    if (this.streams.size === 0) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }

  /** Revoked or expired credentials end their streams (gracefully: the client learns it was the server). */
  private sweep(): void {
    for (const stream of this.streams) {
      if (stream.checking) continue;
      stream.checking = true;
      void stream
        .stillAuthorized()
        .then((ok) => {
          if (!ok) return stream.handler.close();
        })
        .catch((e: Error) => this.logger.warn(`listen: credential check failed: ${e.message}`))
        .finally(() => (stream.checking = false));
    }
  }

  /** Copies the SDK's stream to the HTTP response until either side ends. */
  private async pump(body: ReadableStream<Uint8Array>, res: ServerResponse): Promise<void> {
    const reader = body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done || res.destroyed) break;
        res.write(value);
      }
    } catch (e) {
      this.logger.debug(`listen stream ended: ${(e as Error).message}`);
    } finally {
      reader.releaseLock();
      if (!res.writableEnded) res.end();
    }
  }
}

/** The headers the SDK's entry checks again (version, method), from the request as it came. */
function forwarded(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = { 'content-type': 'application/json' };
  for (const name of ['accept', 'mcp-protocol-version', 'mcp-method', 'mcp-name']) {
    const value = req.headers[name];
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

function refusal(message: JSONRPCRequest, status: number, code: number, text: string): ListenRefusal {
  return { status, json: JSON.stringify({ jsonrpc: '2.0', id: message.id, error: { code, message: text } }) };
}
