import { performance } from 'node:perf_hooks';
import { Injectable, Logger } from '@nestjs/common';
import {
  isInputRequiredResult,
  ProtocolError,
  ProtocolErrorCode,
  ResourceNotFoundError,
  type CallToolRequestParams,
  type CallToolResult,
  type CompleteRequestParams,
  type CompleteResult,
  type GetPromptRequestParams,
  type GetPromptResult,
  type ListPromptsResult,
  type ListResourcesResult,
  type PaginatedRequestParams,
  type ListResourceTemplatesResult,
  type ListToolsResult,
  type ReadResourceRequestParams,
  type ReadResourceResult,
} from '@modelcontextprotocol/server';
import type { z } from 'zod';
import type { AuditOutcome } from '../audit/audit-event.js';
import { AuditService } from '../audit/audit.service.js';
import { RequestContextService } from '../common/context/request-context.service.js';
import { describeError } from '../common/errors/describe-error.js';
import { DomainError } from '../common/errors/domain-error.js';
import { AppConfig } from '../config/app-config.js';
import { ErrorMapperService } from '../http/error-mapper.service.js';
import { infoEnabled } from '../http/request-observer.service.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { isStorableText } from '../common/text.js';
import { decodeListCursor, encodeListCursor, invalidCursor } from './list-cursor.js';
import { McpRegistryService, type McpKind, type RegisteredTool } from './mcp-registry.service.js';
import { NeedsSdkPath, type ToolContext } from './tool-context.js';

/** Up to this size a structured result is also sent as its JSON text (tools spec: SHOULD, for older clients)... */
const TEXT_COPY_MAX = 8 * 1024;
/** ...beyond it, the text is a preview, so that a large result is not sent twice at full size. */
const TEXT_PREVIEW = 2 * 1024;
/** Names that are not registered reach logs and audit only this long; metrics see `unknown`. */
const UNKNOWN_NAME_MAX = 64;
/** MCP server/utilities/completion: at most 100 values per response. */
const COMPLETION_MAX = 100;
/** The longest argument value completed (a title prefix; longer input gets -32602). */
const COMPLETION_VALUE_MAX = 200;

type ListPage = { resources: ListResourcesResult['resources']; nextCursor?: string };

/**
 * What the MCP methods do, for both eras: each SDK `Server` (McpServersService) routes its requests
 * here. Lists show only what the caller's scopes allow; every call of a tool, resource or prompt is
 * scope-checked, audited, counted and logged; domain errors become tool errors or JSON-RPC errors
 * through the edge's one table.
 */
@Injectable()
export class McpHandlersService {
  private readonly logger = new Logger(McpHandlersService.name);
  private readonly logsCalls: boolean;

  constructor(
    private readonly registry: McpRegistryService,
    private readonly context: RequestContextService,
    private readonly audit: AuditService,
    private readonly metrics: MetricsService,
    private readonly errors: ErrorMapperService,
    config: AppConfig,
  ) {
    this.logsCalls = infoEnabled(config.logLevel);
  }

  /** Whether the current caller holds every scope in `required`. */
  allowed(required: readonly string[]): boolean {
    const granted = this.context.scopes();
    return required.every((s) => granted.has(s));
  }

  listTools(): ListToolsResult {
    return { tools: this.visible(this.registry.tools.values()).map((t) => t.definition) };
  }

  /**
   * The fixed resources, then what each @McpResourceList lists for the caller (their own notes, say),
   * one lister's page per response, behind one opaque cursor (MCP utilities/pagination).
   */
  async listResources(params: PaginatedRequestParams | undefined, ctx: ToolContext): Promise<ListResourcesResult> {
    const listers = this.registry.listers;
    const cursor = params?.cursor;
    const position = cursor === undefined ? { source: 0, inner: undefined } : decodeListCursor(cursor, listers.length);
    const resources: ListResourcesResult['resources'] =
      cursor === undefined
        ? this.visible(this.registry.resources)
            .filter((r) => r.uri)
            .map((r) => r.definition as ListResourcesResult['resources'][number])
        : [];
    for (let source = position.source, inner = position.inner; source < listers.length; source++, inner = undefined) {
      const lister = listers[source];
      if (!this.allowed(lister.scopes)) continue;
      let page: ListPage;
      try {
        page = (await lister.handler(inner, ctx)) as ListPage;
      } catch (e) {
        if (e instanceof DomainError && e.code === 'invalid_input') throw invalidCursor();
        throw this.rpcFailure('resource', lister.name, e, performance.now());
      }
      resources.push(...page.resources);
      if (page.nextCursor !== undefined) return { resources, nextCursor: encodeListCursor({ source, inner: page.nextCursor }) };
      const next = listers.findIndex((l, i) => i > source && this.allowed(l.scopes));
      return next === -1 ? { resources } : { resources, nextCursor: encodeListCursor({ source: next }) };
    }
    return { resources };
  }

  /**
   * completion/complete: values for a resource template variable or a prompt argument, from the
   * @McpCompletion method that declares it (none: no values). Only the caller's own data.
   */
  async complete(params: CompleteRequestParams, ctx: ToolContext): Promise<CompleteResult> {
    const ref = params.ref;
    // MCP server/utilities/completion §Error Handling: an unknown prompt or template is -32602.
    if (
      ref.type === 'ref/prompt'
        ? !this.registry.prompts.has(ref.name)
        : !this.registry.resources.some((r) => r.template && (r.definition as { uriTemplate?: string }).uriTemplate === ref.uri)
    ) {
      throw new ProtocolError(
        ProtocolErrorCode.InvalidParams,
        `Unknown ${ref.type === 'ref/prompt' ? 'prompt' : 'resource template'}: ${shorten(ref.type === 'ref/prompt' ? ref.name : ref.uri)}`,
      );
    }
    const value = params.argument.value;
    if (value.length > COMPLETION_VALUE_MAX || !isStorableText(value)) {
      throw new ProtocolError(
        ProtocolErrorCode.InvalidParams,
        `argument.value: at most ${COMPLETION_VALUE_MAX} characters, without NUL or unpaired surrogates`,
      );
    }
    const completer = this.registry.completerFor(params);
    if (!completer) return { completion: { values: [], total: 0, hasMore: false } };
    if (!this.allowed(completer.scopes))
      throw new ProtocolError(ProtocolErrorCode.InvalidRequest, `Insufficient scope: completing ${completer.name} needs ${completer.scopes.join(' ')}`);
    let values: string[];
    try {
      values = (await completer.handler(value, { arguments: params.context?.arguments ?? {} }, ctx)) as string[];
    } catch (e) {
      throw this.rpcFailure(ref.type === 'ref/prompt' ? 'prompt' : 'resource', completer.name, e, performance.now());
    }
    // A completer returns more than 100 values to say there are more; how many more is not known then.
    if (values.length > COMPLETION_MAX) return { completion: { values: values.slice(0, COMPLETION_MAX), hasMore: true } };
    return { completion: { values, total: values.length, hasMore: false } };
  }

  listResourceTemplates(): ListResourceTemplatesResult {
    return {
      resourceTemplates: this.visible(this.registry.resources)
        .filter((r) => r.template)
        .map((r) => r.definition as ListResourceTemplatesResult['resourceTemplates'][number]),
    };
  }

  listPrompts(): ListPromptsResult {
    return { prompts: this.visible(this.registry.prompts.values()).map((p) => p.definition) };
  }

  /** Each call gets its own copy of the request context, so what a tool records for its audit line stays its own. */
  callTool(params: CallToolRequestParams, ctx: ToolContext): Promise<CallToolResult> {
    return this.context.runCall(() => this.runTool(params, ctx));
  }

  private async runTool(params: CallToolRequestParams, ctx: ToolContext): Promise<CallToolResult> {
    const started = performance.now();
    const name = params.name;
    const tool = this.registry.tools.get(name);
    if (!tool) {
      this.record('tool', name, 'not_found', started);
      throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Unknown tool: ${shorten(name)}`);
    }
    this.assertAllowed('tool', name, tool.scopes, started);
    this.checkState('tool', name, ctx, started);
    const parsed = tool.input.safeParse(params.arguments ?? {});
    if (!parsed.success) {
      this.record('tool', name, 'invalid', started);
      return errorResult(`Invalid input: ${formatIssues(parsed.error)}`);
    }
    try {
      const value = await tool.handler(parsed.data, ctx);
      // 2026-07-28 multi-round trip: the tool asked the client for input; the SDK checks and sends it.
      if (isInputRequiredResult(value)) {
        this.record('tool', name, 'input_required', started);
        return value as unknown as CallToolResult;
      }
      this.record('tool', name, 'ok', started);
      return toResult(tool, value);
    } catch (e) {
      if (e instanceof NeedsSdkPath) throw e;
      return this.toolFailure(name, e, started);
    }
  }

  async readResource(params: ReadResourceRequestParams, ctx: ToolContext): Promise<ReadResourceResult> {
    const started = performance.now();
    const uri = params.uri;
    const match = this.registry.matchResource(uri);
    // MCP 2026-07-28 server/resources: an unknown resource is -32602 with data.uri (every era).
    if (!match) throw new ResourceNotFoundError(shorten(uri));
    const { resource, variables } = match;
    this.assertAllowed('resource', resource.name, resource.scopes, started);
    this.checkState('resource', resource.name, ctx, started);
    try {
      const result = (await resource.handler(variables, uri, ctx)) as ReadResourceResult;
      this.record('resource', resource.name, isInputRequiredResult(result) ? 'input_required' : 'ok', started);
      return result;
    } catch (e) {
      if (e instanceof DomainError && e.code === 'not_found') {
        this.record('resource', resource.name, 'error', started);
        throw new ResourceNotFoundError(shorten(uri), e.message);
      }
      throw this.rpcFailure('resource', resource.name, e, started);
    }
  }

  async getPrompt(params: GetPromptRequestParams, ctx: ToolContext): Promise<GetPromptResult> {
    const started = performance.now();
    const name = params.name;
    const prompt = this.registry.prompts.get(name);
    if (!prompt) {
      this.record('prompt', name, 'not_found', started);
      throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Unknown prompt: ${shorten(name)}`);
    }
    this.assertAllowed('prompt', name, prompt.scopes, started);
    this.checkState('prompt', name, ctx, started);
    const parsed = prompt.args ? prompt.args.safeParse(params.arguments ?? {}) : { success: true as const, data: {} };
    if (!parsed.success) {
      this.record('prompt', name, 'invalid', started);
      throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Invalid arguments: ${formatIssues(parsed.error)}`);
    }
    try {
      const result = (await prompt.handler(parsed.data, ctx)) as GetPromptResult;
      this.record('prompt', name, isInputRequiredResult(result) ? 'input_required' : 'ok', started);
      return result;
    } catch (e) {
      throw this.rpcFailure('prompt', name, e, started);
    }
  }

  /** A call refused at the HTTP layer (403 step-up) before reaching the server. */
  recordDenied(kind: McpKind, target: string): void {
    this.record(kind, target, 'denied', performance.now());
  }

  private visible<T extends { scopes: readonly string[] }>(items: Iterable<T>): T[] {
    return [...items].filter((i) => this.allowed(i.scopes));
  }

  /** Defence in depth: the HTTP layer answers 403 before dispatch; this stops any path that bypasses it. */
  private assertAllowed(kind: McpKind, name: string, scopes: readonly string[], started: number): void {
    if (this.allowed(scopes)) return;
    this.record(kind, name, 'denied', started);
    throw new ProtocolError(ProtocolErrorCode.InvalidRequest, `Insufficient scope: ${name} needs ${scopes.join(' ')}`);
  }

  /** requestState the SDK verified (MAC, expiry, caller) must also have been minted for this tool, prompt or resource. */
  private checkState(kind: McpKind, name: string, ctx: ToolContext, started: number): void {
    try {
      ctx.checkStateTarget();
    } catch (e) {
      this.record(kind, name, 'invalid', started);
      throw e;
    }
  }

  private toolFailure(name: string, e: unknown, started: number): CallToolResult {
    if (e instanceof DomainError) {
      this.record('tool', name, 'error', started);
      return errorResult(e.message);
    }
    if (e instanceof ProtocolError) {
      this.record('tool', name, 'error', started);
      throw e;
    }
    this.record('tool', name, 'failed', started);
    this.logger.error(`Tool ${name} failed (request ${this.context.requestId}): ${describeError(e)}`);
    return errorResult(`Internal error while running ${name} (request id ${this.context.requestId})`);
  }

  private rpcFailure(kind: McpKind, name: string, e: unknown, started: number): ProtocolError {
    if (e instanceof DomainError) {
      this.record(kind, name, 'error', started);
      const { code, message } = this.errors.toRpcError(e);
      return new ProtocolError(code, message);
    }
    if (e instanceof ProtocolError) {
      this.record(kind, name, 'error', started);
      return e;
    }
    this.record(kind, name, 'failed', started);
    this.logger.error(`${kind} ${name} failed (request ${this.context.requestId}): ${describeError(e)}`);
    return new ProtocolError(ProtocolErrorCode.InternalError, `Internal error (request id ${this.context.requestId})`);
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
    if (this.logsCalls) this.logger.log({ msg: 'mcp call', kind, target, outcome, latencyMs: Math.round(latencyMs * 100) / 100 });
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
    return { content: [{ type: 'text', text }], structuredContent: value };
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
