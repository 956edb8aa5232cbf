import { Injectable, Logger, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { AppConfig, isOriginAllowed } from '../config/app-config.js';

/**
 * MCP transports §Security: validate Origin on every request (DNS rebinding) and the Host header,
 * before authentication. A missing Origin (non-browser clients) is accepted. Allowed browser origins
 * (ALLOWED_ORIGINS) get CORS headers, and their preflight is answered here.
 */
@Injectable()
export class McpOriginMiddleware implements NestMiddleware {
  private readonly logger = new Logger('Mcp');

  constructor(private readonly config: AppConfig) {}

  use(req: Request, res: Response, next: NextFunction): void {
    const host = req.headers.host?.toLowerCase();
    if (!host || !this.config.allowedHosts.has(host) && !this.config.allowedHosts.has(stripPort(host))) {
      return this.refuse(res, `Host not allowed: ${host ?? '(none)'}`);
    }
    const origin = req.headers.origin;
    if (origin === undefined) return next();
    if (!isOriginAllowed(this.config, origin)) return this.refuse(res, `Origin not allowed: ${origin}`);
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Vary', 'Origin');
    res.setHeader('Access-Control-Expose-Headers', 'WWW-Authenticate, Mcp-Session-Id, MCP-Protocol-Version, X-Request-Id');
    if (req.method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', 'POST, GET, DELETE, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type, Accept, MCP-Protocol-Version, Mcp-Session-Id, Last-Event-ID, X-API-Key');
      res.setHeader('Access-Control-Max-Age', '600');
      res.status(204).end();
      return;
    }
    next();
  }

  private refuse(res: Response, message: string): void {
    this.logger.warn(message);
    res.status(403).json({ jsonrpc: '2.0', id: null, error: { code: -32000, message } });
  }
}

function stripPort(host: string): string {
  return host.replace(/:\d+$/, '');
}
