import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { UriTemplate, type Prompt, type Resource, type ResourceTemplateType, type Tool } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { MetadataKey } from '../common/metadata-keys.js';
import { ScopeRegistry } from '../auth/scope-registry.service.js';
import { declaredScopeDescriptions } from '../auth/require-scope.decorator.js';
import { paramHeaders, type ParamHeader } from './mcp-headers.js';
import type { McpCompletionOptions, McpPromptOptions, McpResourceListOptions, McpResourceOptions, McpToolOptions } from './mcp.decorators.js';

type Handler = (...args: unknown[]) => unknown;

/** What an MCP call is about, as audited and counted. */
export type McpKind = 'tool' | 'resource' | 'prompt';

interface Guarded {
  name: string;
  scopes: readonly string[];
}

export interface RegisteredTool extends Guarded {
  definition: Tool;
  input: z.ZodObject;
  output?: z.ZodObject;
  /** Arguments the client mirrors into `Mcp-Param-*` headers (`x-mcp-header` in the input schema). */
  paramHeaders: readonly ParamHeader[];
  handler: Handler;
}

export interface RegisteredResource extends Guarded {
  uri?: string;
  template?: UriTemplate;
  definition: Resource | ResourceTemplateType;
  handler: Handler;
}

export interface RegisteredPrompt extends Guarded {
  definition: Prompt;
  args?: z.ZodObject;
  handler: Handler;
}

/** Lists the caller's instances of a resource template (resources/list). */
export interface RegisteredLister extends Guarded {
  resource: RegisteredResource;
  handler: Handler;
}

/** Completes one argument of a resource template or a prompt (completion/complete). */
export interface RegisteredCompleter extends Guarded {
  handler: Handler;
}

/**
 * Finds @McpTool/@McpResource/@McpPrompt methods on every provider at boot and precomputes their
 * schemas and bound handlers, so no per-request work is spent describing capabilities.
 */
@Injectable()
export class McpRegistryService implements OnModuleInit {
  private readonly logger = new Logger(McpRegistryService.name);
  readonly tools = new Map<string, RegisteredTool>();
  readonly resources: RegisteredResource[] = [];
  readonly prompts = new Map<string, RegisteredPrompt>();
  readonly listers: RegisteredLister[] = [];
  /** By `completionKey(...)`. */
  readonly completers = new Map<string, RegisteredCompleter>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    private readonly scopeRegistry: ScopeRegistry,
  ) {}

  onModuleInit(): void {
    // Listers and completers name a resource or prompt that may be declared on a later provider.
    const later: (() => void)[] = [];
    for (const wrapper of this.discovery.getProviders()) {
      const instance = wrapper.instance as Record<string, Handler> | undefined;
      if (!instance || typeof instance !== 'object' || !wrapper.metatype) continue;
      const proto = Object.getPrototypeOf(instance) as object;
      for (const method of this.scanner.getAllMethodNames(proto)) {
        const fn = instance[method];
        // The class's and the method's @RequireScope both apply: the operation needs every scope named.
        const scopes = [...new Set(this.reflector.getAllAndMerge<string[]>(MetadataKey.RequiredScopes, [fn, wrapper.metatype]) ?? [])];
        const handler: Handler = fn.bind(instance);
        const tool = this.reflector.get<McpToolOptions | undefined>(MetadataKey.McpTool, fn);
        if (tool) this.addTool(tool, scopes, handler);
        const resource = this.reflector.get<McpResourceOptions | undefined>(MetadataKey.McpResource, fn);
        if (resource) this.addResource(resource, scopes, handler);
        const prompt = this.reflector.get<McpPromptOptions | undefined>(MetadataKey.McpPrompt, fn);
        if (prompt) this.addPrompt(prompt, scopes, handler);
        const lister = this.reflector.get<McpResourceListOptions | undefined>(MetadataKey.McpResourceList, fn);
        if (lister) later.push(() => this.addLister(lister, scopes, handler));
        const completion = this.reflector.get<McpCompletionOptions | undefined>(MetadataKey.McpCompletion, fn);
        if (completion) later.push(() => this.addCompleter(completion, scopes, handler));
        if (tool || resource || prompt || lister || completion) {
          this.scopeRegistry.register(...scopes);
          for (const [scope, description] of declaredScopeDescriptions(this.reflector, [fn, wrapper.metatype])) this.scopeRegistry.describe(scope, description);
        }
      }
    }
    for (const add of later) add();
    this.logger.log(`Registered ${this.tools.size} tools, ${this.resources.length} resources, ${this.prompts.size} prompts`);
  }

  /** Scopes needed for a capability; an unknown name needs none here (the SDK answers "not found"). */
  scopesFor(method: string, params: Record<string, unknown> | undefined): readonly string[] {
    const name = params?.name;
    if (method === 'tools/call' && typeof name === 'string') return this.tools.get(name)?.scopes ?? [];
    if (method === 'prompts/get' && typeof name === 'string') return this.prompts.get(name)?.scopes ?? [];
    if (method === 'resources/read' && typeof params?.uri === 'string') return this.matchResource(params.uri)?.resource.scopes ?? [];
    if (method === 'completion/complete') return this.completerFor(params)?.scopes ?? [];
    return [];
  }

  /** Whether `name` is a registered tool, resource or prompt (only those become metric labels). */
  has(kind: McpKind, name: string): boolean {
    if (kind === 'tool') return this.tools.has(name);
    if (kind === 'prompt') return this.prompts.has(name);
    return this.resources.some((r) => r.name === name);
  }

  /** The completer a `completion/complete` request names (ref + argument), if any. */
  completerFor(params: Record<string, unknown> | undefined): RegisteredCompleter | undefined {
    const ref = params?.ref as { type?: unknown; name?: unknown; uri?: unknown } | undefined;
    const argument = (params?.argument as { name?: unknown } | undefined)?.name;
    if (!ref || typeof argument !== 'string') return undefined;
    if (ref.type === 'ref/prompt' && typeof ref.name === 'string') return this.completers.get(completionKey('prompt', ref.name, argument));
    if (ref.type === 'ref/resource' && typeof ref.uri === 'string') return this.completers.get(completionKey('resource', ref.uri, argument));
    return undefined;
  }

  matchResource(uri: string): { resource: RegisteredResource; variables: Record<string, string> } | undefined {
    for (const resource of this.resources) {
      if (resource.uri === uri) return { resource, variables: {} };
      const vars = resource.template?.match(uri);
      if (vars) return { resource, variables: Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, String(v)])) };
    }
    return undefined;
  }

  private addTool(o: McpToolOptions, scopes: readonly string[], handler: Handler): void {
    if (this.tools.has(o.name)) throw new Error(`Duplicate MCP tool name: ${o.name}`);
    const inputSchema = jsonSchema(o.input, 'input');
    const definition: Tool = {
      name: o.name,
      ...(o.title ? { title: o.title } : {}),
      description: o.description,
      inputSchema: inputSchema as Tool['inputSchema'],
      ...(o.output ? { outputSchema: jsonSchema(o.output, 'output') } : {}),
      ...(o.annotations ? { annotations: o.annotations } : {}),
    };
    this.tools.set(o.name, { name: o.name, definition, input: o.input, output: o.output, paramHeaders: paramHeaders(o.name, inputSchema), scopes, handler });
  }

  private addResource(o: McpResourceOptions, scopes: readonly string[], handler: Handler): void {
    if (this.resources.some((r) => r.name === o.name)) throw new Error(`Duplicate MCP resource name: ${o.name}`);
    const common = { name: o.name, ...(o.title ? { title: o.title } : {}), description: o.description, ...(o.mimeType ? { mimeType: o.mimeType } : {}) };
    this.resources.push(
      o.uriTemplate
        ? { name: o.name, template: new UriTemplate(o.uriTemplate), definition: { ...common, uriTemplate: o.uriTemplate }, scopes, handler }
        : { name: o.name, uri: o.uri, definition: { ...common, uri: o.uri! }, scopes, handler },
    );
  }

  private addLister(o: McpResourceListOptions, scopes: readonly string[], handler: Handler): void {
    const resource = this.resources.find((r) => r.name === o.resource && r.template);
    if (!resource) throw new Error(`@McpResourceList: no @McpResource template named ${o.resource}`);
    this.listers.push({ name: o.resource, resource, scopes: [...new Set([...resource.scopes, ...scopes])], handler });
  }

  private addCompleter(o: McpCompletionOptions, scopes: readonly string[], handler: Handler): void {
    let target: Guarded | undefined;
    if (o.prompt) {
      const prompt = this.prompts.get(o.prompt);
      if (!prompt?.definition.arguments?.some((a) => a.name === o.argument))
        throw new Error(`@McpCompletion: prompt ${o.prompt} has no argument ${o.argument}`);
      target = prompt;
    } else {
      const resource = this.resources.find((r) => r.template && (r.definition as ResourceTemplateType).uriTemplate === o.resource);
      if (!resource?.template?.variableNames.includes(o.argument))
        throw new Error(`@McpCompletion: no resource template ${o.resource} with variable ${o.argument}`);
      target = resource;
    }
    const key = o.prompt ? completionKey('prompt', o.prompt, o.argument) : completionKey('resource', o.resource!, o.argument);
    if (this.completers.has(key)) throw new Error(`Duplicate @McpCompletion for ${o.prompt ?? o.resource} ${o.argument}`);
    this.completers.set(key, { name: target.name, scopes: [...new Set([...target.scopes, ...scopes])], handler });
  }

  private addPrompt(o: McpPromptOptions, scopes: readonly string[], handler: Handler): void {
    if (this.prompts.has(o.name)) throw new Error(`Duplicate MCP prompt name: ${o.name}`);
    const shape = o.args?.shape ?? {};
    const args = Object.entries(shape).map(([name, schema]) => ({
      name,
      description: (schema as z.ZodType).description,
      required: !(schema as z.ZodType).safeParse(undefined).success,
    }));
    const definition: Prompt = { name: o.name, ...(o.title ? { title: o.title } : {}), description: o.description, arguments: args };
    this.prompts.set(o.name, { name: o.name, definition, args: o.args, scopes, handler });
  }
}

function completionKey(kind: 'prompt' | 'resource', target: string, argument: string): string {
  return `${kind}\u0000${target}\u0000${argument}`;
}

/**
 * The JSON Schema of a tool's input or output. zod marks every schema 2020-12 (`$schema`), which is
 * MCP's default dialect anyway: left out unless the author declared it with `.meta({ $schema })`. Other
 * 2020-12 keywords given in `.meta()` (`$defs`, `allOf`, `if`/`then`/`else`, ...) pass through (SEP-1613, SEP-2106).
 */
function jsonSchema(schema: z.ZodObject, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  return z.globalRegistry.get(schema)?.$schema === undefined ? rest : { $schema, ...rest };
}
