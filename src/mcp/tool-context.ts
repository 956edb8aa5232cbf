import {
  CLIENT_CAPABILITIES_META_KEY,
  type ClientCapabilities,
  type JSONRPCNotification,
  type LoggingLevel,
  type ServerContext,
} from '@modelcontextprotocol/server';

/** The protocol era a request arrived in: 2026-07-28 (stateless, per-request `_meta`) or 2025-11-25 and earlier. */
export type McpEra = 'modern' | 'legacy';

/**
 * Thrown by a ToolContext feature that needs the SDK's request machinery when the call runs on the
 * fast path; the dispatcher then runs the call again through the SDK server (tools ask before they act).
 */
export class NeedsSdkPath extends Error {
  constructor() {
    super('this call needs the SDK request path');
  }
}

/** Where a ToolContext's request-scoped features come from: the SDK's handler context, or the fast path's. */
interface Source {
  /** Holds the request's AbortSignal (the fast path's creates it only when a tool reads it). */
  aborts: { readonly signal: AbortSignal };
  /** The request's `_meta` without the reserved envelope keys (progressToken, ...). */
  meta?: Record<string, unknown>;
  /** The reserved `io.modelcontextprotocol/*` keys of a 2026-07-28 request. */
  envelope?: Record<string, unknown>;
  sdk?: ServerContext;
  /** The fast path's channel for this request's notifications (its HTTP response). */
  notify?: (notification: JSONRPCNotification) => void;
}

/**
 * What a tool, resource or prompt method gets besides its input, for the request being served
 * (README "Adding a tool"). Identity is not here: it comes from RequestContextService.
 */
export class ToolContext {
  private constructor(
    /** The request's protocol era. */
    readonly era: McpEra,
    private readonly source: Source,
  ) {}

  /** For a handler run by the SDK server. */
  static fromSdk(era: McpEra, sdk: ServerContext): ToolContext {
    return new ToolContext(era, {
      aborts: sdk.mcpReq,
      meta: sdk.mcpReq._meta,
      envelope: sdk.mcpReq.envelope,
      sdk,
    });
  }

  /** For a handler on the fast path: a request that asked for no progress and sent no input responses. */
  static fromFastPath(
    era: McpEra,
    control: { readonly signal: AbortSignal },
    envelope: Record<string, unknown> | undefined,
    notify: (n: JSONRPCNotification) => void,
  ): ToolContext {
    return new ToolContext(era, { aborts: control, envelope, notify });
  }

  /** Aborted when the client cancels the request, closes its stream, or the request reaches MCP_REQUEST_TIMEOUT_MS. */
  get signal(): AbortSignal {
    return this.source.aborts.signal;
  }

  /**
   * What the client declared it can do. On 2026-07-28 requests, the capabilities in the request's
   * `_meta` (validated by the SDK); a stateless 2025 request carries none (its `initialize` was
   * another HTTP request, possibly to another instance).
   */
  get clientCapabilities(): ClientCapabilities {
    return (this.source.envelope?.[CLIENT_CAPABILITIES_META_KEY] as ClientCapabilities | undefined) ?? {};
  }

  /**
   * Reports progress (`notifications/progress`) when the caller asked for it with a progressToken;
   * otherwise does nothing. `done` must grow from one call to the next.
   */
  async progress(done: number, total?: number, message?: string): Promise<void> {
    const progressToken = this.source.meta?.progressToken as string | number | undefined;
    if (progressToken === undefined || this.signal.aborted || !this.source.sdk) return;
    await this.source.sdk.mcpReq.notify({
      method: 'notifications/progress',
      params: { progressToken, progress: done, ...(total === undefined ? {} : { total }), ...(message === undefined ? {} : { message }) },
    });
  }

  /**
   * Sends a log message about this request to the client (`notifications/message`), as the SDK rules
   * it: on 2026-07-28 requests only when the request set a `logLevel` that `level` reaches; on 2025
   * requests always (a stateless server keeps no session level).
   */
  async log(level: LoggingLevel, data: unknown): Promise<void> {
    if (this.signal.aborted) return;
    if (!this.source.sdk) {
      // The fast path takes 2026-07-28 requests only when they set no logLevel; a 2025 request gets
      // what the SDK would send it: the message, unfiltered.
      if (this.era === 'legacy') this.source.notify?.({ jsonrpc: '2.0', method: 'notifications/message', params: { level, data } });
      return;
    }
    // MCP logging is deprecated by 2026-07-28 (SEP-2577) but still part of it.

    await this.source.sdk.mcpReq.log(level, data);
  }
}
