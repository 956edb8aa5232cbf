import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import {
  isCallToolResult,
  LATEST_PROTOCOL_VERSION,
  PROTOCOL_VERSION_META_KEY,
  ProtocolError,
  ProtocolErrorCode,
  Server,
  SUPPORTED_PROTOCOL_VERSIONS,
  type CallToolRequestParams,
  type CallToolResult,
  type InitializeResult,
  type JSONRPCNotification,
  type JSONRPCRequest,
  type Result,
  type ServerContext,
  type ServerOptions,
} from '@modelcontextprotocol/server';
import { RequestContextService } from '../common/context/request-context.service.js';
import { AppConfig } from '../config/app-config.js';
import { resolveKeyEncryptionSecret } from '../keys/key-encryption-secret.js';
import type { RequestControl } from './in-flight-requests.js';
import { callerBinding, RequestStateSeal } from './request-state.js';
import { McpHandlersService } from './mcp-handlers.service.js';
import { McpRegistryService } from './mcp-registry.service.js';
import { RouterTransport } from './router.transport.js';
import { LISTEN_CAPABILITIES } from './subscriptions/listen-capabilities.js';
import type { RoutedReply } from './in-flight-requests.js';
import { NeedsSdkPath, ToolContext, type McpEra } from './tool-context.js';

export const SERVER_INFO = { name: 'secure-mcp-server', version: '0.1.0' };
/** The 2026-07-28 revision and later: stateless, versioned per request (server/discover lists these). */
export const MODERN_VERSIONS: readonly string[] = ['2026-07-28'];
/** The initialize-based revisions, served statelessly (the SDK's list: 2025-11-25 back to 2024-10-07). */
export const LEGACY_VERSIONS: readonly string[] = SUPPORTED_PROTOCOL_VERSIONS;
/** Every version this endpoint serves, newest first: `data.supported` of -32022. */
export const ALL_VERSIONS: readonly string[] = [...MODERN_VERSIONS, ...LEGACY_VERSIONS];

const INSTRUCTIONS = 'Notes and team tools. Every call acts as the signed-in user and sees only their data.';
/** 2026-07-28 server/utilities/caching: lists and discover vary with the caller's scopes, so every hint is private. */
const STABLE = { ttlMs: 300_000, cacheScope: 'private' } as const;
const VOLATILE = { ttlMs: 0, cacheScope: 'private' } as const;
const LOG_LEVEL_KEY = 'io.modelcontextprotocol/logLevel';

/** The low-level Server (lists and calls depend on the caller's scopes, which McpServer cannot express). */

class EraServer extends Server {
  /**
   * Invalid params of a spec request are -32602 (JSON-RPC 2.0 §5.1; the codec's own contract says
   * `invalid` ≡ −32602), but SDK 2.4.0 throws a plain Error for them, which it answers as -32603
   * Internal error (`initialize` with a numeric `clientInfo`, found by the fuzzer). The request is
   * checked the same way first, and refused with -32602 and the issues' paths.
   */
  protected override _wrapHandler(method: string, handler: (request: JSONRPCRequest, ctx: ServerContext) => Promise<Result>) {
    return super._wrapHandler(method, (request: JSONRPCRequest, ctx: ServerContext) => {
      const outcome = this._wireCodec().validateRequest(method, request);
      if (!outcome.ok && outcome.reason === 'invalid') {
        return Promise.reject(new ProtocolError(ProtocolErrorCode.InvalidParams, `Invalid params for ${method}: ${describeIssues(outcome.message)}`));
      }
      return handler(request, ctx);
    });
  }

  /** A tools/call result as this era's codec puts it on the wire: SEP-2106 projection, then the 2026-07-28 stamps (resultType, serverInfo). */
  encodeToolResult(result: CallToolResult, outputSchema: Record<string, unknown> | undefined): Result {
    return this._wireCodec().encodeResult('tools/call', this.projectCallToolResult(result, outputSchema), SERVER_INFO);
  }
}

/**
 * The SDK `Server`s of this process, one per protocol era, each long-lived and connected to a
 * RouterTransport (a server per request costs about 1-3 ms of CPU per call; measured in README
 * "Performance"). The SDK does the protocol: era gates, `_meta` envelope, `server/discover`,
 * `resultType`, cache fields, serverInfo, result validation, input-required results, error codes.
 */
@Injectable()
export class McpServersService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(McpServersService.name);
  readonly modern = new RouterTransport({ era: 'modern', revision: MODERN_VERSIONS[0] });
  readonly legacy = new RouterTransport({ era: 'legacy' });
  private readonly servers = new Map<McpEra, EraServer>();
  private readonly seal: RequestStateSeal;

  constructor(
    private readonly handlers: McpHandlersService,
    private readonly registry: McpRegistryService,
    config: AppConfig,
    context: RequestContextService,
  ) {
    // requestState is bound to whoever is calling when it is minted and when it comes back.
    this.seal = new RequestStateSeal(resolveKeyEncryptionSecret(config), () => {
      const current = context.current();
      return callerBinding(current?.principal?.userId, current?.clientId);
    });
  }

  transport(era: McpEra): RouterTransport {
    return era === 'modern' ? this.modern : this.legacy;
  }

  /**
   * The hot path for a plain `tools/call` (no progress token, no log level, no input responses or
   * request state): the same handler the SDK server runs, without the SDK's per-request machinery
   * (which re-validates request and result with zod and allocates enough to double the CPU of a
   * call); the result is encoded by the SDK's codec for the era. Returns undefined when the request
   * needs the SDK path; runs `sdkPath` when the tool turned out to need it (it asked for input).
   */
  fastToolCall(
    era: McpEra,
    message: JSONRPCRequest,
    control: RequestControl,
    notify: (n: JSONRPCNotification) => void,
    sdkPath: () => Promise<RoutedReply>,
  ): Promise<RoutedReply> | undefined {
    const params = message.params as (CallToolRequestParams & Record<string, unknown>) | undefined;
    if (message.method !== 'tools/call' || !params || typeof params.name !== 'string') return undefined;
    if ('inputResponses' in params || 'requestState' in params) return undefined;
    const args = params.arguments;
    if (args !== undefined && (typeof args !== 'object' || args === null || Array.isArray(args))) return undefined;
    const meta = params._meta;
    const envelope = era === 'modern' ? meta : undefined;
    if (meta !== undefined) {
      for (const key of Object.keys(meta)) if (key !== PROTOCOL_VERSION_META_KEY && !key.startsWith('io.modelcontextprotocol/client')) return undefined;
      if (era === 'legacy' || envelope?.[LOG_LEVEL_KEY] !== undefined) return undefined;
    }
    const tool = this.registry.tools.get(params.name);
    const server = this.servers.get(era)!;
    return this.handlers.callTool(params, ToolContext.fromFastPath(era, control, envelope, notify)).then(
      (result): RoutedReply => {
        if (!tool?.output && !isCallToolResult(result))
          return failure(message, new ProtocolError(ProtocolErrorCode.InternalError, `Tool ${params.name} returned an invalid result`));
        return { message: { jsonrpc: '2.0', id: message.id, result: server.encodeToolResult(result, tool?.definition.outputSchema) }, ladder: false };
      },
      (e: unknown) => {
        if (e instanceof NeedsSdkPath) return sdkPath();
        return failure(message, e instanceof ProtocolError ? e : new ProtocolError(ProtocolErrorCode.InternalError, 'Internal error'));
      },
    );
  }

  async onModuleInit(): Promise<void> {
    await this.connect('modern', this.modern, {
      supportedProtocolVersions: [...MODERN_VERSIONS],
      cacheHints: {
        'server/discover': STABLE,
        'tools/list': STABLE,
        'prompts/list': STABLE,
        'resources/templates/list': STABLE,
        'resources/list': VOLATILE,
        'resources/read': VOLATILE,
      },
    });
    // Stateless 2025 HTTP has no channel for server-to-client requests: an input-required result
    // cannot be fulfilled there, so it fails at once instead of waiting for an answer that cannot come.
    const legacy = await this.connect('legacy', this.legacy, { supportedProtocolVersions: [...LEGACY_VERSIONS], inputRequired: { legacyShim: false } });
    // Stateless: initialize answers without remembering anything about the caller (the SDK's own
    // handler would keep one client's capabilities on the server every caller shares).
    legacy.setRequestHandler('initialize', (request): InitializeResult => {
      const requested = request.params.protocolVersion;
      return {
        protocolVersion: LEGACY_VERSIONS.includes(requested) ? requested : LATEST_PROTOCOL_VERSION,
        capabilities: legacy.getCapabilities(),
        serverInfo: SERVER_INFO,
        instructions: INSTRUCTIONS,
      };
    });
    // No session to keep a level in; logs of a 2025 request are all sent (each request is its own session).
    legacy.setRequestHandler('logging/setLevel', () => ({}));
  }

  private async connect(era: McpEra, transport: RouterTransport, options: ServerOptions): Promise<EraServer> {
    const server = new EraServer(SERVER_INFO, {
      ...options,
      // basic/patterns/mrtr §Server Requirements: requestState is verified before any handler runs.
      requestState: { verify: this.seal.verify },
      // 2026-07-28: resource updates on subscriptions/listen (ListenStreams); stateless 2025 HTTP has no channel for them.
      capabilities:
        era === 'modern'
          ? { ...LISTEN_CAPABILITIES, completions: {}, logging: {} }
          : { tools: { listChanged: false }, resources: { listChanged: false }, prompts: { listChanged: false }, completions: {}, logging: {} },
      instructions: INSTRUCTIONS,
    });
    const h = this.handlers;
    server.setRequestHandler('tools/list', () => h.listTools());
    const seal = this.seal;
    server.setRequestHandler('tools/call', (req, ctx) => h.callTool(req.params, ToolContext.fromSdk(era, ctx, seal, req.params.name)));
    server.setRequestHandler('resources/list', (req, ctx) => h.listResources(req.params, ToolContext.fromSdk(era, ctx)));
    server.setRequestHandler('resources/templates/list', () => h.listResourceTemplates());
    server.setRequestHandler('resources/read', (req, ctx) => h.readResource(req.params, ToolContext.fromSdk(era, ctx, seal, req.params.uri)));
    server.setRequestHandler('prompts/list', () => h.listPrompts());
    server.setRequestHandler('prompts/get', (req, ctx) => h.getPrompt(req.params, ToolContext.fromSdk(era, ctx, seal, req.params.name)));
    server.setRequestHandler('completion/complete', (req, ctx) => h.complete(req.params, ToolContext.fromSdk(era, ctx)));
    server.onerror = (e) => this.logger.warn(`MCP protocol error (${era}): ${e.message}`);
    await server.connect(transport);
    this.servers.set(era, server);
    return server;
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.servers.values()].map((s) => s.close()));
  }
}

function failure(message: JSONRPCRequest, error: ProtocolError): RoutedReply {
  return {
    message: { jsonrpc: '2.0', id: message.id, error: { code: error.code, message: error.message, ...(error.data === undefined ? {} : { data: error.data }) } },
    ladder: false,
  };
}

/** Zod's issue list (a JSON array in the SDK's message) as `params.x: problem; ...`, at most 300 characters. */
function describeIssues(message: string): string {
  let text = message;
  try {
    const issues = JSON.parse(message) as Array<{ path?: unknown[]; message?: string }>;
    if (Array.isArray(issues)) text = issues.map((i) => `${(i.path ?? []).join('.') || '(message)'}: ${i.message ?? 'invalid'}`).join('; ');
  } catch {
    /* not JSON: as it is */
  }
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
