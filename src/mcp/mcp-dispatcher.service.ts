import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { ProtocolErrorCode, type JSONRPCNotification, type JSONRPCRequest } from '@modelcontextprotocol/server';
import { AppConfig } from '../config/app-config.js';
import { InFlightRequests, type Abandonment, type RequestRunner } from './in-flight-requests.js';
import { HEADER_MISMATCH } from './mcp-headers.js';
import { serializeReply } from './mcp-reply.js';
import { McpServersService } from './mcp-servers.service.js';
import type { McpEra } from './tool-context.js';

/**
 * 2026-07-28 transports/streamable-http: an error the server gives before any handler runs carries
 * an HTTP status (unknown method 404, the rest 400); errors from handlers are answered with 200,
 * except a missing client capability (-32021), which is 400 wherever it arises.
 */
const LADDER_STATUS: Readonly<Record<number, number>> = {
  [ProtocolErrorCode.ParseError]: 400,
  [ProtocolErrorCode.InvalidRequest]: 400,
  [ProtocolErrorCode.MethodNotFound]: 404,
  [ProtocolErrorCode.UnsupportedProtocolVersion]: 400,
  [ProtocolErrorCode.MissingRequiredClientCapability]: 400,
  [HEADER_MISMATCH]: 400,
};

/** Where one request's related messages go while it runs: its HTTP response. */
export interface ExchangeSink extends Abandonment {
  /** A notification about this request (progress, log message). */
  notify(notification: JSONRPCNotification): void;
}

export interface DispatchedReply {
  /** The JSON-RPC response, serialized and size-capped. */
  json: string;
  /** The HTTP status it is sent with (outside a stream). */
  status: number;
}

/**
 * Runs the JSON-RPC messages of HTTP requests on the era's long-lived SDK server, for one caller
 * (user × client) at a time: each request under a server-side id, a deadline (MCP_REQUEST_TIMEOUT_MS)
 * and a size cap on its reply; a client notification can only ever reach that caller's own requests.
 */
@Injectable()
export class McpDispatcherService implements OnApplicationShutdown {
  private readonly inFlight: InFlightRequests;
  private readonly maxResultBytes: number;

  constructor(
    config: AppConfig,
    private readonly servers: McpServersService,
  ) {
    this.inFlight = new InFlightRequests(config.mcpRequestTimeoutMs);
    this.maxResultBytes = config.mcpMaxResultBytes;
  }

  /** The answer to one request, by the deadline at the latest. Never rejects. */
  request(era: McpEra, message: JSONRPCRequest, caller: string, exchange: ExchangeSink): Promise<DispatchedReply> {
    const transport = this.servers.transport(era);
    const notify = (n: JSONRPCNotification) => exchange.notify(n);
    const run: RequestRunner = (internalId, control) => {
      const routed = { ...message, id: internalId };
      const sdkPath = () => transport.request(routed, control, notify);
      return this.servers.fastToolCall(era, routed, control, notify, sdkPath) ?? sdkPath();
    };
    return this.inFlight.run(caller, message.id, run, exchange).then((reply) => {
      let status = 200;
      if (era === 'modern' && 'error' in reply.message) {
        const code: number = reply.message.error.code;
        if (code === Number(ProtocolErrorCode.MissingRequiredClientCapability)) status = 400;
        else if (reply.ladder) status = LADDER_STATUS[code] ?? 200;
      }
      return { json: serializeReply(reply.message, message.method, this.maxResultBytes), status };
    });
  }

  /**
   * A client notification. Only `notifications/cancelled` does anything, and only to the same caller's
   * request with that id; the others (initialized, roots/list_changed, ...) need no action from a
   * stateless server and never reach the shared SDK servers.
   */
  notification(message: JSONRPCNotification, caller: string): void {
    if (message.method === 'notifications/cancelled') this.inFlight.cancel(caller, message.params?.requestId, message.params?.reason);
  }

  onApplicationShutdown(): void {
    this.inFlight.abortAll('Server is shutting down');
  }
}
