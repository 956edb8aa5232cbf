import { Controller, Delete, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ErrorCode, SUPPORTED_PROTOCOL_VERSIONS, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { AuthChallengeService } from '../auth/auth-challenge.service.js';
import { RequestContextService } from '../common/context/request-context.service.js';
import { classify, rpcError, type IncomingMessage } from './json-rpc.js';
import { McpRegistry } from './mcp-registry.service.js';
import { McpServerService } from './mcp-server.service.js';
import { RateLimit } from '../rate-limit/rate-limit.decorator.js';

const SUPPORTED_VERSIONS = new Set(SUPPORTED_PROTOCOL_VERSIONS);
const AUDIT_KIND = { 'tools/call': 'tool', 'resources/read': 'resource', 'prompts/get': 'prompt' } as const;

/** Streamable HTTP, stateless, JSON responses (MCP transports §Streamable HTTP). */
@RateLimit('mcp')
@Controller('mcp')
export class McpController {
  constructor(
    private readonly mcp: McpServerService,
    private readonly registry: McpRegistry,
    private readonly challenges: AuthChallengeService,
    private readonly context: RequestContextService,
  ) {}

  @Post()
  async post(@Req() req: Request, @Res() res: Response): Promise<void> {
    // Transports §Protocol Version Header: unsupported -> 400; absent -> assume 2025-03-26.
    const version = req.headers['mcp-protocol-version'];
    if (version !== undefined && !SUPPORTED_VERSIONS.has(String(version))) {
      res.status(400).json(rpcError(null, ErrorCode.InvalidRequest, `Unsupported MCP-Protocol-Version: ${String(version)} (supported: ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')})`));
      return;
    }
    if (!req.is('application/json')) {
      res.status(415).json(rpcError(null, ErrorCode.InvalidRequest, 'Content-Type must be application/json'));
      return;
    }
    const batch = Array.isArray(req.body);
    const raw: unknown[] = batch ? (req.body as unknown[]) : [req.body];
    const messages = raw.map(classify);
    if (raw.length === 0 || messages.some((m) => m === undefined)) {
      res.status(400).json(rpcError(null, ErrorCode.InvalidRequest, 'Body must be a JSON-RPC 2.0 request, notification or response'));
      return;
    }
    const valid = messages as IncomingMessage[];
    for (const m of valid) {
      if (m.kind !== 'request') continue;
      const required = this.registry.scopesFor(m.message.method, m.message.params);
      if (!this.mcp.allowed(required)) {
        const kind = AUDIT_KIND[m.message.method as keyof typeof AUDIT_KIND];
        const target = String(m.message.params?.name ?? m.message.params?.uri ?? m.message.method);
        this.mcp.recordDenied(kind, target);
        throw this.challenges.insufficientScope(this.context.scopes(), required);
      }
    }
    const extra = { requestInfo: { headers: req.headers } };
    const pending: Promise<JSONRPCMessage>[] = [];
    for (const m of valid) {
      if (m.kind === 'request') pending.push(this.mcp.transport.request(m.message, extra));
      else if (m.kind === 'notification') this.mcp.transport.notify(m.message, extra);
    }
    if (pending.length === 0) {
      res.status(202).end();
      return;
    }
    const replies = await Promise.all(pending);
    res.status(200).json(batch ? replies : replies[0]);
  }

  /** A stateless server offers no standalone SSE stream (transports §Listening for Messages). */
  @Get()
  @HttpCode(405)
  get(@Res() res: Response): void {
    this.methodNotAllowed(res);
  }

  /** No sessions, so nothing to terminate (transports §Session Management). */
  @Delete()
  delete(@Res() res: Response): void {
    this.methodNotAllowed(res);
  }

  private methodNotAllowed(res: Response): void {
    res.status(405).setHeader('Allow', 'POST').json(rpcError(null, ErrorCode.ConnectionClosed, 'Method not allowed: this server is stateless; use POST'));
  }
}
