import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { AuthModule } from '../auth/auth.module.js';
import { RateLimitModule } from '../rate-limit/rate-limit.module.js';
import { McpHttpHandler } from './mcp-http.handler.js';
import { McpRegistry } from './mcp-registry.service.js';
import { McpServerService } from './mcp-server.service.js';

/** /mcp: the handler is installed on the HTTP server by `createApp` (see McpHttpHandler). */
@Module({
  imports: [DiscoveryModule, AuthModule, RateLimitModule],
  providers: [McpRegistry, McpServerService, McpHttpHandler],
  exports: [McpRegistry, McpHttpHandler],
})
export class McpModule {}
