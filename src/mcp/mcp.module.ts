import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { AuthModule } from '../auth/auth.module.js';
import { MCP_ROUTE } from '../http/mcp-route.js';
import { RateLimitModule } from '../rate-limit/rate-limit.module.js';
import { McpDispatcherService } from './mcp-dispatcher.service.js';
import { McpHttpMiddleware } from './mcp-http.middleware.js';
import { McpRegistryService } from './mcp-registry.service.js';
import { McpServerService } from './mcp-server.service.js';

/**
 * /mcp, mounted here as the route's middleware (McpHttpMiddleware answers every /mcp request itself;
 * HttpModule's Express chain skips the route), with the tool registry, the SDK server and the dispatcher.
 */
@Module({
  imports: [DiscoveryModule, AuthModule, RateLimitModule],
  providers: [McpRegistryService, McpServerService, McpDispatcherService, McpHttpMiddleware],
  exports: [McpRegistryService],
})
export class McpModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(McpHttpMiddleware).forRoutes(MCP_ROUTE);
  }
}
