import { Injectable, Logger, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { AppConfig, isOriginAllowed } from '../config/app-config.js';

/**
 * MCP transports §Security: validate Origin on every request (DNS rebinding) and the Host header,
 * before authentication. A missing Origin (non-browser clients) is accepted.
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
    if (origin !== undefined && !isOriginAllowed(this.config, origin)) {
      return this.refuse(res, `Origin not allowed: ${origin}`);
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
