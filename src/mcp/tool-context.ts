import {
  acceptedContent,
  CLIENT_CAPABILITIES_META_KEY,
  inputRequired,
  inputResponse,
  type ClientCapabilities,
  type InputRequests,
  type InputRequiredResult,
  type InputResponseView,
  type JSONRPCNotification,
  type LoggingLevel,
  type ServerContext,
  type StandardSchemaV1,
} from '@modelcontextprotocol/server';
import { RequestStateSeal } from './request-state.js';

/**
 * Builders of the input requests a tool returns through `ctx.inputRequired(...)`: `ask.elicit({ message,
 * requestedSchema })` (a form; a zod object works), `ask.elicitUrl(...)`, `ask.createMessage(...)`
 * (sampling), `ask.listRoots()`. The SDK's own builders.
 */
export const ask = {
  elicit: (params: Parameters<typeof inputRequired.elicit>[0]) => inputRequired.elicit(params),
  elicitUrl: (params: Parameters<typeof inputRequired.elicitUrl>[0]) => inputRequired.elicitUrl(params),
  createMessage: (params: Parameters<typeof inputRequired.createMessage>[0]) => inputRequired.createMessage(params),
  listRoots: () => inputRequired.listRoots(),
};

/** The kinds of input a tool can ask the client for, by the client capability each needs. */
export type InputKind = 'elicitation' | 'sampling' | 'roots';

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
  /** Seals the state of an input-required round (SDK path only). */
  seal?: RequestStateSeal;
  /** What the request is to: the tool or prompt name, or the resource URI (requestState is bound to it). */
  target?: string;
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

  /** For a handler run by the SDK server; `target` and `seal` for the methods that may ask for input. */
  static fromSdk(era: McpEra, sdk: ServerContext, seal?: RequestStateSeal, target?: string): ToolContext {
    return new ToolContext(era, {
      aborts: sdk.mcpReq,
      meta: sdk.mcpReq._meta,
      envelope: sdk.mcpReq.envelope,
      sdk,
      seal,
      target,
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
   * Whether this request can ask the client for `kind` of input: a 2026-07-28 request whose client
   * declared the capability. A stateless 2025 request never can (no channel for server-to-client
   * requests), so a tool then does without (notes.delete deletes without asking).
   */
  canAsk(kind: InputKind): boolean {
    return this.era === 'modern' && this.clientCapabilities[kind] !== undefined;
  }

  /**
   * Asks the client for input (2026-07-28 basic/patterns/mrtr): the tool method returns this result;
   * the client fulfils `requests` (built with `ask.*`) and sends the same request again with the
   * answers, which the method then reads with `inputResponse`/`accepted`, and `state` (any JSON) with
   * `state()`. The state is sealed: signed, bound to this caller, client and tool, and expiring.
   * Check `canAsk` first.
   */
  async inputRequired(requests: InputRequests, state?: unknown): Promise<InputRequiredResult> {
    if (this.era === 'legacy') throw new Error('inputRequired() on a 2025 request: check ctx.canAsk(...) first (stateless 2025 HTTP cannot ask the client)');
    const { sdk, seal, target } = this.source;
    if (!sdk || !seal || target === undefined) throw new NeedsSdkPath();
    return inputRequired({ inputRequests: requests, requestState: await seal.mint(target, state, sdk) });
  }

  /**
   * The client's answer to input request `key` of the previous round: `{ kind: 'elicit', action,
   * content? }`, `{ kind: 'sampling', result }`, `{ kind: 'roots', roots }` or `{ kind: 'missing' }`.
   * It comes from the client: treat it as untrusted input.
   */
  inputResponse(key: string): InputResponseView {
    return inputResponse(this.source.sdk?.mcpReq.inputResponses, key);
  }

  /** The accepted content of elicitation `key`, validated by `schema` (a zod object); undefined when declined, cancelled, missing or invalid. */
  accepted<S extends StandardSchemaV1>(key: string, schema: S): StandardSchemaV1.InferOutput<S> | undefined {
    return acceptedContent(this.source.sdk?.mcpReq.inputResponses, key, schema);
  }

  /** The `state` this tool gave `inputRequired` the round before (verified), or undefined on a first round. */
  state<T = unknown>(): T | undefined {
    const payload = this.source.sdk?.mcpReq.requestState();
    return payload === undefined || this.source.target === undefined
      ? undefined
      : ((RequestStateSeal.dataFor(payload, this.source.target) ?? undefined) as T | undefined);
  }

  /** Refuses (-32602) a verified requestState that was minted for another tool, prompt or resource; run before the method. */
  checkStateTarget(): void {
    this.state();
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
