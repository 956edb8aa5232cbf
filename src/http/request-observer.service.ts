import { performance } from 'node:perf_hooks';
import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { MetricsService } from '../metrics/metrics.service.js';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
/** Probes and scrapes: counted in the metrics, but no access log line (they would drown the rest). */
const QUIET_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

export interface ObservedRequest {
  requestId: string;
  method: string;
  /** A route pattern from the fixed set the server serves (`/mcp`, `/admin/clients/:clientId`, `unmatched`), never a raw path. */
  route: string;
  /** The path without its query string, for the log line only. */
  path: string;
  /** `performance.now()` when the request arrived. */
  startedAt: number;
}

/**
 * The one request observer for Express routes and /mcp: the Prometheus latency histogram and the
 * access log line, both with the status code actually sent.
 */
@Injectable()
export class RequestObserverService {
  private readonly logger = new Logger(RequestObserverService.name);
  /** Whether info lines are written at all (LOG_LEVEL); skips building them on the hot path when not. */
  private readonly logsInfo: boolean;

  constructor(
    private readonly metrics: MetricsService,
    config: AppConfig,
  ) {
    this.logsInfo = infoEnabled(config.logLevel);
  }

  completed(request: ObservedRequest, status: number): void {
    const seconds = (performance.now() - request.startedAt) / 1000;
    // SECURITY 34: label values only from fixed sets (methods, route patterns, numeric statuses).
    const method = METHODS.has(request.method) ? request.method : 'OTHER';
    this.metrics.httpDuration.observe({ method, route: request.route, status: String(status) }, seconds);
    if (QUIET_ROUTES.has(request.route) || (status < 500 && !this.logsInfo)) return;
    const line = {
      msg: 'request completed',
      req: { id: request.requestId, method, path: request.path },
      res: { statusCode: status },
      responseTime: Math.round(seconds * 1000),
    };
    if (status >= 500) this.logger.error(line);
    else this.logger.log(line);
  }
}

/** Whether LOG_LEVEL lets info lines (Nest's `log`) through. */
export function infoEnabled(level: AppConfig['logLevel']): boolean {
  return level === 'log' || level === 'debug' || level === 'verbose';
}
