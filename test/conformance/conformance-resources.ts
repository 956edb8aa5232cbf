import { Injectable } from '@nestjs/common';
import { RequireScope } from '../../src/auth/require-scope.decorator.js';
import { McpResource } from '../../src/mcp/mcp.decorators.js';
import { CONFORMANCE_SCOPE, TEST_IMAGE_BASE64 } from './content.js';

/** The resources the official conformance suite reads. */
@Injectable()
@RequireScope(CONFORMANCE_SCOPE)
export class ConformanceResources {
  @McpResource({
    name: 'static-text',
    title: 'Static Text Resource',
    uri: 'test://static-text',
    description: 'A static text resource for testing',
    mimeType: 'text/plain',
  })
  staticText() {
    return { contents: [{ uri: 'test://static-text', mimeType: 'text/plain', text: 'This is the content of the static text resource.' }] };
  }

  @McpResource({
    name: 'static-binary',
    title: 'Static Binary Resource',
    uri: 'test://static-binary',
    description: 'A static binary resource (image) for testing',
    mimeType: 'image/png',
  })
  staticBinary() {
    return { contents: [{ uri: 'test://static-binary', mimeType: 'image/png', blob: TEST_IMAGE_BASE64 }] };
  }

  @McpResource({
    name: 'template',
    title: 'Resource Template',
    uriTemplate: 'test://template/{id}/data',
    description: 'A resource template with parameter substitution',
    mimeType: 'application/json',
  })
  template({ id }: { id: string }, uri: string) {
    return { contents: [{ uri, mimeType: 'application/json', text: JSON.stringify({ id, templateTest: true, data: `Data for ID: ${id}` }) }] };
  }
}
