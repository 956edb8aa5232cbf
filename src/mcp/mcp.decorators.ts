import { SetMetadata } from '@nestjs/common';
import type { z } from 'zod';
import { MetadataKey } from '../common/metadata-keys.js';

export interface McpToolOptions {
  /** Unique tool name, e.g. `notes.create` (letters, digits, `_ - .`; at most 128 characters). */
  name: string;
  title?: string;
  description: string;
  /** Validated before the method runs; the method receives the parsed value. */
  input: z.ZodObject;
  /** When given, the method returns this shape and clients receive it as `structuredContent`. */
  output?: z.ZodObject;
  annotations?: { readOnlyHint?: boolean; destructiveHint?: boolean; idempotentHint?: boolean; openWorldHint?: boolean };
}

export interface McpResourceOptions {
  name: string;
  title?: string;
  description: string;
  mimeType?: string;
  /** A fixed URI, or an RFC 6570 template such as `note://{id}`; the method receives the variables. */
  uri?: string;
  uriTemplate?: string;
}

export interface McpPromptOptions {
  name: string;
  title?: string;
  description: string;
  /** Prompt arguments are strings; optional fields become optional arguments. */
  args?: z.ZodObject;
}

export interface McpResourceListOptions {
  /** The name of the @McpResource template whose instances the method lists (the method needs that resource's scopes too). */
  resource: string;
}

/**
 * Completion of one argument (`completion/complete`): of a resource template's variable or of a
 * prompt's argument. Give exactly one of `resource` (the template, e.g. `note://{id}`) or `prompt`.
 */
export interface McpCompletionOptions {
  resource?: string;
  prompt?: string;
  /** The template variable or prompt argument completed. */
  argument: string;
}

const TOOL_NAME = /^[A-Za-z0-9_.-]{1,128}$/;

/** Declares an MCP tool on a provider method. Combine with @RequireScope(). */
export function McpTool(options: McpToolOptions): MethodDecorator {
  if (!TOOL_NAME.test(options.name)) throw new Error(`@McpTool: invalid tool name ${JSON.stringify(options.name)}`);
  return SetMetadata(MetadataKey.McpTool, options);
}

/** Declares an MCP resource (fixed `uri`) or resource template (`uriTemplate`) on a provider method. */
export function McpResource(options: McpResourceOptions): MethodDecorator {
  if (!options.uri === !options.uriTemplate) throw new Error(`@McpResource ${options.name}: give exactly one of uri or uriTemplate`);
  return SetMetadata(MetadataKey.McpResource, options);
}

/** Declares an MCP prompt on a provider method. */
export function McpPrompt(options: McpPromptOptions): MethodDecorator {
  return SetMetadata(MetadataKey.McpPrompt, options);
}

/**
 * Declares the method that lists the caller's instances of a resource template in `resources/list`:
 * `(cursor: string | undefined, ctx: ToolContext) => Promise<{ resources: Resource[]; nextCursor?: string }>`.
 * The cursor is the method's own (validate it; a bad one is an `invalid_input` DomainError); the MCP
 * layer wraps it in the opaque cursor clients see.
 */
export function McpResourceList(options: McpResourceListOptions): MethodDecorator {
  return SetMetadata(MetadataKey.McpResourceList, options);
}

/**
 * Declares a completer (`completion/complete`):
 * `(value: string, context: { arguments: Record<string, string> }, ctx: ToolContext) => string[] | Promise<string[]>`.
 * The values are the caller's own; at most 100 are sent.
 */
export function McpCompletion(options: McpCompletionOptions): MethodDecorator {
  if (!options.resource === !options.prompt) throw new Error(`@McpCompletion ${options.argument}: give exactly one of resource or prompt`);
  return SetMetadata(MetadataKey.McpCompletion, options);
}
