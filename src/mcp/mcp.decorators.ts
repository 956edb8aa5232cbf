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
