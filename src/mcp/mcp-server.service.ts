import { performance } from 'node:perf_hooks';
import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { MessageExtraInfo } from '@modelcontextprotocol/sdk/types.js';
import {
  CallToolRequestSchema,
  ErrorCode,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  McpError,
  ReadResourceRequestSchema,
  type CallToolResult,
  type JSONRPCMessage,
  type JSONRPCRequest,
  type GetPromptResult,
  type ReadResourceResult,
} from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import { RequestContextService } from '../common/context/request-context.service.js';
import { AuditService } from '../audit/audit.service.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { AuditOutcome } from '../audit/audit-event.js';
import { HttpRouterTransport } from './http-router.transport.js';
import { McpRegistryService, type McpKind, type RegisteredTool } from './mcp-registry.service.js';
import { DomainError } from '../common/errors/domain-error.js';
import { describeError } from '../common/errors/describe-error.js';
import { ErrorMapperService } from '../http/error-mapper.service.js';

export const SERVER_INFO = { name: 'secure-mcp-server', version: '0.1.0' };
/** Up to this size a structured result is also sent as its JSON text (tools spec: SHOULD, for older clients)... */
const TEXT_COPY_MAX = 8 * 1024;
/** ...beyond it, the text is a preview, so that a large result is not sent twice at full size. */
const TEXT_PREVIEW = 2 * 1024;
/** Names that are not registered reach logs and audit only this long; metrics see `unknown`. */
const UNKNOWN_NAME_MAX = 64;

/** One SDK Server for the process, connected to the HttpRouterTransport, built once at boot. */
@Injectable()
export class McpServerService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(McpServerService.name);
  readonly transport = new HttpRouterTransport();
  private readonly server = new Server(SERVER_INFO, {
    capabilities: { tools: { listChanged: false }, resources: { listChanged: false }, prompts: { listChanged: false } },
    instructions: 'Notes and team tools. Every call acts as the signed-in user and sees only their data.',
  });

  constructor(
    private readonly registry: McpRegistryService,
    private readonly context: RequestContextService,
    private readonly audit: AuditService,
    private readonly metrics: MetricsService,
    private readonly errors: ErrorMapperService,
  ) {}

  async onModuleInit(): Promise<void> {
    const s = this.server;
    s.setRequestHandler(ListToolsRequestSchema, () => ({ tools: this.visible(this.registry.tools.values()).map((t) => t.definition) }));
    s.setRequestHandler(CallToolRequestSchema, (req) => this.callTool(req.params.name, req.params.arguments));
    s.setRequestHandler(ListResourcesRequestSchema, () => ({
      resources: this.visible(this.registry.resources)
        .filter((r) => r.uri)
        .map((r) => r.definition as { uri: string; name: string }),
    }));
    s.setRequestHandler(ListResourceTemplatesRequestSchema, () => ({
      resourceTemplates: this.visible(this.registry.resources)
        .filter((r) => r.template)
        .map((r) => r.definition as { uriTemplate: string; name: string }),
    }));
    s.setRequestHandler(ReadResourceRequestSchema, (req) => this.readResource(req.params.uri));
    s.setRequestHandler(ListPromptsRequestSchema, () => ({ prompts: this.visible(this.registry.prompts.values()).map((p) => p.definition) }));
    s.setRequestHandler(GetPromptRequestSchema, (req) => this.getPrompt(req.params.name, req.params.arguments));
    s.onerror = (e) => this.logger.warn(`MCP protocol error: ${e.message}`);
    await s.connect(this.transport);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.server.close();
  }

  /**
   * Serves one request whose id is unique on this instance: the fast path for a well-formed
   * `tools/call`, the SDK Server for everything else. `signal` stops the SDK handler (cancellation,
   * deadline). Resolves with the response message; never rejects.
   */
  handle(message: JSONRPCRequest, extra: MessageExtraInfo, signal: AbortSignal): Promise<JSONRPCMessage> {
    return this.fastToolCall(message) ?? this.transport.request(message, extra, signal);
  }

  /**
   * The hot path for a well-formed `tools/call`: the same `callTool` the SDK Server would run, without
   * the per-message protocol machinery (schema parse of request and result, abort controller, id
   * mapping). Anything unusual (bad params, `_meta` such as progress tokens) returns undefined and goes
   * through the SDK Server instead.
   */
  fastToolCall(message: JSONRPCRequest): Promise<JSONRPCMessage> | undefined {
    const params = message.params;
    if (message.method !== 'tools/call' || !params || typeof params.name !== 'string' || '_meta' in params) return undefined;
    const args = params.arguments;
    if (args !== undefined && (typeof args !== 'object' || args === null || Array.isArray(args))) return undefined;
    return this.callTool(params.name, args as Record<string, unknown> | undefined).then(
      (result): JSONRPCMessage => ({ jsonrpc: '2.0', id: message.id, result }),
      (e: unknown): JSONRPCMessage => {
        const code = e instanceof McpError ? e.code : ErrorCode.InternalError;
        const text = e instanceof McpError ? e.message : `Internal error (request id ${this.context.requestId})`;
        if (!(e instanceof McpError)) this.logger.error(`tools/call failed (request ${this.context.requestId}): ${describeError(e)}`);
        return { jsonrpc: '2.0', id: message.id, error: { code, message: text } };
      },
    );
  }

  /** Whether the current caller holds every scope in `required`. */
  allowed(required: readonly string[]): boolean {
    const granted = this.context.scopes();
    return required.every((s) => granted.has(s));
  }

  private visible<T extends { scopes: readonly string[] }>(items: Iterable<T>): T[] {
    return [...items].filter((i) => this.allowed(i.scopes));
  }

  /** Each call gets its own copy of the request context, so what a tool records for its audit line stays its own. */
  private callTool(name: string, args: Record<string, unknown> | undefined): Promise<CallToolResult> {
    return this.context.runCall(() => this.runTool(name, args));
  }

  private async runTool(name: string, args: Record<string, unknown> | undefined): Promise<CallToolResult> {
    const started = performance.now();
    const tool = this.registry.tools.get(name);
    if (!tool) {
      this.record('tool', name, 'not_found', started);
      throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${shorten(name)}`);
    }
    this.assertAllowed('tool', name, tool.scopes, started);
    const parsed = tool.input.safeParse(args ?? {});
    if (!parsed.success) {
      this.record('tool', name, 'invalid', started);
      return errorResult(`Invalid input: ${formatIssues(parsed.error)}`);
    }
    try {
      const value = await tool.handler(parsed.data);
      this.record('tool', name, 'ok', started);
      return toResult(tool, value);
    } catch (e) {
      return this.toolFailure(name, e, started);
    }
  }

  private async readResource(uri: string): Promise<ReadResourceResult> {
    const started = performance.now();
    const match = this.registry.matchResource(uri);
    if (!match) throw new McpError(ErrorCode.InvalidParams, `Resource not found: ${shorten(uri)}`);
    const { resource, variables } = match;
    this.assertAllowed('resource', resource.name, resource.scopes, started);
    try {
      const result = (await resource.handler(variables, uri)) as ReadResourceResult;
      this.record('resource', resource.name, 'ok', started);
      return result;
    } catch (e) {
      throw this.rpcFailure('resource', resource.name, e, started);
    }
  }

  private async getPrompt(name: string, args: Record<string, string> | undefined): Promise<GetPromptResult> {
    const started = performance.now();
    const prompt = this.registry.prompts.get(name);
    if (!prompt) {
      this.record('prompt', name, 'not_found', started);
      throw new McpError(ErrorCode.InvalidParams, `Unknown prompt: ${shorten(name)}`);
    }
    this.assertAllowed('prompt', name, prompt.scopes, started);
    const parsed = prompt.args ? prompt.args.safeParse(args ?? {}) : { success: true as const, data: {} };
    if (!parsed.success) {
      this.record('prompt', name, 'invalid', started);
      throw new McpError(ErrorCode.InvalidParams, `Invalid arguments: ${formatIssues(parsed.error)}`);
    }
    try {
      const result = (await prompt.handler(parsed.data)) as GetPromptResult;
      this.record('prompt', name, 'ok', started);
      return result;
    } catch (e) {
      throw this.rpcFailure('prompt', name, e, started);
    }
  }

  /** Defence in depth: the HTTP layer answers 403 before dispatch; this stops any path that bypasses it. */
  private assertAllowed(kind: McpKind, name: string, scopes: readonly string[], started: number): void {
    if (this.allowed(scopes)) return;
    this.record(kind, name, 'denied', started);
    throw new McpError(ErrorCode.InvalidRequest, `Insufficient scope: ${name} needs ${scopes.join(' ')}`);
  }

  private toolFailure(name: string, e: unknown, started: number): CallToolResult {
    if (e instanceof DomainError) {
      this.record('tool', name, 'error', started);
      return errorResult(e.message);
    }
    this.record('tool', name, 'failed', started);
    this.logger.error(`Tool ${name} failed (request ${this.context.requestId}): ${describeError(e)}`);
    return errorResult(`Internal error while running ${name} (request id ${this.context.requestId})`);
  }

  private rpcFailure(kind: McpKind, name: string, e: unknown, started: number): McpError {
    if (e instanceof DomainError) {
      this.record(kind, name, 'error', started);
      const { code, message } = this.errors.toRpcError(e);
      return new McpError(code, message);
    }
    this.record(kind, name, 'failed', started);
    this.logger.error(`${kind} ${name} failed (request ${this.context.requestId}): ${describeError(e)}`);
    return new McpError(ErrorCode.InternalError, `Internal error (request id ${this.context.requestId})`);
  }

  /** A call refused at the HTTP layer (403 step-up) before reaching the server. */
  recordDenied(kind: McpKind, target: string): void {
    this.record(kind, target, 'denied', performance.now());
  }

  private record(kind: McpKind, name: string, outcome: AuditOutcome, started: number): void {
    const latencyMs = performance.now() - started;
    const known = this.registry.has(kind, name);
    // SECURITY 34: only registered names become label values; an unknown name is audited shortened.
    const target = known ? name : shorten(name);
    // The audit target also names what the call acted on (`github.issues.get acme/api`); metric labels keep the bare name.
    const resource = this.context.current()?.auditResource;
    this.audit.record({ kind, target: resource ? `${target} ${resource}` : target, outcome, latencyMs });
    this.metrics.toolCalls.inc({ kind, name: known ? name : 'unknown', outcome });
    // One structured line per call; request id, user and client come from the logger's context mixin.
    this.logger.log({ msg: 'mcp call', kind, target, outcome, latencyMs: Math.round(latencyMs * 100) / 100 });
  }
}

function errorResult(text: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text }] };
}

function toResult(tool: RegisteredTool, value: unknown): CallToolResult {
  if (tool.output) {
    const json = JSON.stringify(value);
    const text =
      json.length <= TEXT_COPY_MAX ? json : `${json.slice(0, TEXT_PREVIEW)}… (preview: the whole result, ${json.length} characters, is in structuredContent)`;
    return { content: [{ type: 'text', text }], structuredContent: value as Record<string, unknown> };
  }
  if (typeof value === 'string') return { content: [{ type: 'text', text: value }] };
  return value as CallToolResult;
}

function shorten(name: string): string {
  return name.length <= UNKNOWN_NAME_MAX ? name : `${name.slice(0, UNKNOWN_NAME_MAX)}…`;
}

/** "title: Too big: expected string to have <=200 characters; body: ..." */
export function formatIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(input)'}: ${i.message}`).join('; ');
}
