import { MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { AuthModule } from '../auth/auth.module.js';
import { McpOriginMiddleware } from './mcp-origin.middleware.js';
import { McpController } from './mcp.controller.js';
import { McpRegistry } from './mcp-registry.service.js';
import { McpServerService } from './mcp-server.service.js';

@Module({
  imports: [DiscoveryModule, AuthModule],
  controllers: [McpController],
  providers: [McpRegistry, McpServerService],
  exports: [McpRegistry],
})
export class McpModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(McpOriginMiddleware).forRoutes({ path: 'mcp', method: RequestMethod.ALL });
  }
}
