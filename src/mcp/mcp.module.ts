import { Module, OnModuleInit } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { AuthModule } from '../auth/auth.module.js';
import { HealthModule } from '../health/health.module.js';
import { HttpEdgeService } from '../http/http-edge.service.js';
import { RateLimitModule } from '../rate-limit/rate-limit.module.js';
import { McpDispatcherService } from './mcp-dispatcher.service.js';
import { McpHttpEndpoint } from './mcp-http.endpoint.js';
import { McpHandlersService } from './mcp-handlers.service.js';
import { McpRegistryService } from './mcp-registry.service.js';
import { McpServersService } from './mcp-servers.service.js';
import { ListenStreams } from './subscriptions/listen-streams.service.js';
import { McpSubscriptionsModule } from './subscriptions/subscriptions.module.js';

/** /mcp (an edge route served by McpHttpEndpoint), the tool registry, the SDK servers of both eras, the dispatcher and the listen streams. */
@Module({
  imports: [DiscoveryModule, AuthModule, RateLimitModule, HealthModule, McpSubscriptionsModule],
  providers: [McpRegistryService, McpHandlersService, McpServersService, McpDispatcherService, McpHttpEndpoint, ListenStreams],
  exports: [McpRegistryService],
})
export class McpModule implements OnModuleInit {
  constructor(
    private readonly edge: HttpEdgeService,
    private readonly endpoint: McpHttpEndpoint,
  ) {}

  onModuleInit(): void {
    this.edge.route('/mcp', (req, res) => this.endpoint.handle(req, res));
  }
}
