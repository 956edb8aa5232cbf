import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { RequireScope } from '../../src/auth/require-scope.decorator.js';
import { McpPrompt } from '../../src/mcp/mcp.decorators.js';
import { CONFORMANCE_SCOPE, TEST_IMAGE_BASE64 } from './content.js';

/** The prompts the official conformance suite gets. */
@Injectable()
@RequireScope(CONFORMANCE_SCOPE)
export class ConformancePrompts {
  @McpPrompt({ name: 'test_simple_prompt', title: 'Simple Test Prompt', description: 'A simple prompt without arguments' })
  simple() {
    return { messages: [{ role: 'user', content: { type: 'text', text: 'This is a simple prompt for testing.' } }] };
  }

  @McpPrompt({
    name: 'test_prompt_with_arguments',
    title: 'Prompt With Arguments',
    description: 'A prompt with required arguments',
    args: z.object({ arg1: z.string().max(1000).describe('First test argument'), arg2: z.string().max(1000).describe('Second test argument') }),
  })
  withArguments({ arg1, arg2 }: { arg1: string; arg2: string }) {
    return { messages: [{ role: 'user', content: { type: 'text', text: `Prompt with arguments: arg1='${arg1}', arg2='${arg2}'` } }] };
  }

  @McpPrompt({
    name: 'test_prompt_with_embedded_resource',
    title: 'Prompt With Embedded Resource',
    description: 'A prompt that includes an embedded resource',
    args: z.object({ resourceUri: z.string().max(2000).describe('URI of the resource to embed') }),
  })
  withEmbeddedResource({ resourceUri }: { resourceUri: string }) {
    return {
      messages: [
        { role: 'user', content: { type: 'resource', resource: { uri: resourceUri, mimeType: 'text/plain', text: 'Embedded resource content for testing.' } } },
        { role: 'user', content: { type: 'text', text: 'Please process the embedded resource above.' } },
      ],
    };
  }

  @McpPrompt({ name: 'test_prompt_with_image', title: 'Prompt With Image', description: 'A prompt that includes image content' })
  withImage() {
    return {
      messages: [
        { role: 'user', content: { type: 'image', data: TEST_IMAGE_BASE64, mimeType: 'image/png' } },
        { role: 'user', content: { type: 'text', text: 'Please analyze the image above.' } },
      ],
    };
  }
}
