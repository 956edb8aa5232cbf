import { Module } from '@nestjs/common';
import { ConformanceInputTools } from './conformance-input.js';
import { ConformancePrompts } from './conformance-prompts.js';
import { ConformanceResources } from './conformance-resources.js';
import { ConformanceTools } from './conformance-tools.js';

/**
 * The official MCP conformance suite's fixtures (tools, resources, prompts), as ordinary Nest
 * providers on the decorator API: proof that it covers the protocol (issue 8 item 5). Loaded only by
 * test/conformance/serve.ts (`npm run conformance:serve`), never by the production entry point.
 */
@Module({ providers: [ConformanceTools, ConformanceInputTools, ConformanceResources, ConformancePrompts] })
export class ConformanceModule {}
