import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { JSONRPCNotification, JSONRPCRequest, MessageExtraInfo } from '@modelcontextprotocol/sdk/types.js';
import { AppConfig } from '../config/app-config.js';
import { InFlightRequests } from './in-flight-requests.js';
import { serializeReply } from './mcp-reply.js';
import { McpServerService } from './mcp-server.service.js';

/**
 * Runs the JSON-RPC messages of one HTTP request for one caller (user × client): each request under
 * a server-side id, a deadline (MCP_REQUEST_TIMEOUT_MS) and a size cap on its reply; a client
 * notification can only ever reach that caller's own requests.
 */
@Injectable()
export class McpDispatcherService implements OnApplicationShutdown {
  private readonly inFlight: InFlightRequests;
  private readonly maxResultBytes: number;

  constructor(
    config: AppConfig,
    private readonly mcp: McpServerService,
  ) {
    this.inFlight = new InFlightRequests(config.mcpRequestTimeoutMs);
    this.maxResultBytes = config.mcpMaxResultBytes;
  }

  /** The serialized response to one request, by the deadline at the latest. Never rejects. */
  async request(message: JSONRPCRequest, caller: string, extra: MessageExtraInfo): Promise<string> {
    const reply = await this.inFlight.run(caller, message.id, (_id, signal) => this.mcp.handle(message, extra, signal));
    return serializeReply(reply, message.method, this.maxResultBytes);
  }

  /**
   * A client notification. Only `notifications/cancelled` does anything, and only to the same caller's
   * request with that id; the others (initialized, roots/list_changed, ...) need no action from a
   * stateless server and never reach the shared SDK server.
   */
  notification(message: JSONRPCNotification, caller: string): void {
    if (message.method === 'notifications/cancelled') this.inFlight.cancel(caller, message.params?.requestId, message.params?.reason);
  }

  onApplicationShutdown(): void {
    this.inFlight.abortAll('Server is shutting down');
  }
}
