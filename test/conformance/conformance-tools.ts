import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { RequireScope } from '../../src/auth/require-scope.decorator.js';
import { DomainError } from '../../src/common/errors/domain-error.js';
import { McpTool } from '../../src/mcp/mcp.decorators.js';
import type { ToolContext } from '../../src/mcp/tool-context.js';
import { CONFORMANCE_SCOPE, TEST_AUDIO_BASE64, TEST_IMAGE_BASE64, sleep } from './content.js';

const noInput = z.strictObject({});

/** The tools the official conformance suite calls, written as any team writes its tools. */
@Injectable()
@RequireScope(CONFORMANCE_SCOPE)
export class ConformanceTools {
  @McpTool({ name: 'test_simple_text', description: 'Tests simple text content response', input: noInput })
  simpleText(): string {
    return 'This is a simple text response for testing.';
  }

  @McpTool({ name: 'test_image_content', description: 'Tests image content response', input: noInput })
  image() {
    return { content: [{ type: 'image', data: TEST_IMAGE_BASE64, mimeType: 'image/png' }] };
  }

  @McpTool({ name: 'test_audio_content', description: 'Tests audio content response', input: noInput })
  audio() {
    return { content: [{ type: 'audio', data: TEST_AUDIO_BASE64, mimeType: 'audio/wav' }] };
  }

  @McpTool({ name: 'test_embedded_resource', description: 'Tests embedded resource content response', input: noInput })
  embeddedResource() {
    return {
      content: [{ type: 'resource', resource: { uri: 'test://embedded-resource', mimeType: 'text/plain', text: 'This is an embedded resource content.' } }],
    };
  }

  @McpTool({ name: 'test_multiple_content_types', description: 'Tests response with multiple content types (text, image, resource)', input: noInput })
  multipleContentTypes() {
    return {
      content: [
        { type: 'text', text: 'Multiple content types test:' },
        { type: 'image', data: TEST_IMAGE_BASE64, mimeType: 'image/png' },
        {
          type: 'resource',
          resource: { uri: 'test://mixed-content-resource', mimeType: 'application/json', text: JSON.stringify({ test: 'data', value: 123 }) },
        },
      ],
    };
  }

  /** 2025 revisions: three log messages, whatever the (stateless) session's level. */
  @McpTool({ name: 'test_tool_with_logging', description: 'Tests tool that emits log messages during execution', input: noInput })
  async withLogging(_input: object, ctx: ToolContext): Promise<string> {
    await ctx.log('info', 'Tool execution started');
    await sleep(50);
    await ctx.log('info', 'Tool processing data');
    await sleep(50);
    await ctx.log('info', 'Tool execution completed');
    return 'Tool with logging executed successfully';
  }

  /** 2026-07-28: logs only when the request set a logLevel (ToolContext.log applies the rule). */
  @McpTool({ name: 'test_logging_tool', description: 'Diagnostic logging validator tool', input: noInput })
  async loggingTool(_input: object, ctx: ToolContext): Promise<string> {
    await ctx.log('info', 'Diagnostic trace logging activated');
    return 'Logging evaluated';
  }

  @McpTool({ name: 'test_tool_with_progress', description: 'Tests tool that reports progress notifications', input: noInput })
  async withProgress(_input: object, ctx: ToolContext): Promise<string> {
    for (const done of [0, 50, 100]) {
      if (done > 0) await sleep(50);
      await ctx.progress(done, 100, `Completed step ${done} of 100`);
    }
    return 'Progress reported: 0, 50 and 100 of 100';
  }

  /** A domain error becomes a tool error result (`isError: true`), as it does for every tool. */
  @McpTool({ name: 'test_error_handling', description: 'Tests error response handling', input: noInput })
  errorHandling(): never {
    throw new DomainError('invalid_input', 'This tool intentionally returns an error for testing');
  }

  /** SEP-2243: clients mirror `region` into `Mcp-Param-Region`; the endpoint checks the header against the body. */
  @McpTool({
    name: 'test_custom_headers',
    description: 'Echoes its region, which clients mirror into the Mcp-Param-Region header (x-mcp-header)',
    input: z.strictObject({ region: z.string().max(200).meta({ 'x-mcp-header': 'Region' }) }),
  })
  customHeaders({ region }: { region: string }): string {
    return `region ${region}`;
  }

  /** SEP-1613 / SEP-2106: the 2020-12 keywords of the input schema reach tools/list unchanged (zod `.meta()`). */
  @McpTool({
    name: 'json_schema_2020_12_tool',
    description: 'Tool with JSON Schema 2020-12 features for conformance testing (SEP-1613)',
    input: z
      .strictObject({
        name: z.string().max(200).optional(),
        address: z
          .object({ street: z.string().max(200).optional(), city: z.string().max(200).optional() })
          .optional()
          .meta({ $ref: '#/$defs/address' }),
        contactMethod: z.enum(['phone', 'email']).optional(),
        phone: z.string().max(50).optional(),
        email: z.string().max(200).optional(),
      })
      .meta({
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        $defs: { address: { $anchor: 'addressDef', type: 'object', properties: { street: { type: 'string' }, city: { type: 'string' } } } },
        allOf: [{ anyOf: [{ required: ['phone'] }, { required: ['email'] }] }],
        if: { properties: { contactMethod: { const: 'phone' } }, required: ['contactMethod'] },
        then: { required: ['phone'] },
        else: { required: ['email'] },
      }),
  })
  jsonSchema202012(input: Record<string, unknown>): string {
    return `JSON Schema 2020-12 tool called with: ${JSON.stringify(input)}`;
  }
}
