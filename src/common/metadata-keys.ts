/** Every custom metadata key used with Reflector, in one place. */
export enum MetadataKey {
  Public = 'secure-mcp:public',
  RequiredScopes = 'secure-mcp:required-scopes',
  ScopeDescription = 'secure-mcp:scope-description',
  McpTool = 'secure-mcp:mcp-tool',
  McpResource = 'secure-mcp:mcp-resource',
  McpPrompt = 'secure-mcp:mcp-prompt',
  McpResourceList = 'secure-mcp:mcp-resource-list',
  McpCompletion = 'secure-mcp:mcp-completion',
  RateLimit = 'secure-mcp:rate-limit',
}
