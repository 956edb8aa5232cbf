import { Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { AuditService } from '../audit/audit.service.js';
import { RequestContextService } from '../common/context/request-context.service.js';
import { adminOutcome, adminTarget } from './admin-target.js';

/**
 * Writes the `admin` audit event of each admin request, exactly once: the interceptor starts the
 * clock and reports success, the admin exception filter reports every failure (including the
 * guard's 401/403, which happen before any interceptor runs). Who and which request come from the
 * request context. Only route parameters (ids) and what the request created (its id, `created`) go
 * into the detail, never bodies or responses.
 */
@Injectable()
export class AdminAuditRecorder {
  private readonly started = new WeakMap<Request, number>();

  constructor(
    private readonly audit: AuditService,
    private readonly context: RequestContextService,
  ) {}

  start(req: Request): void {
    this.started.set(req, performance.now());
  }

  succeeded(req: Request): void {
    this.record(req, 200);
  }

  failed(req: Request, status: number): void {
    this.record(req, status);
  }

  private record(req: Request, status: number): void {
    const started = this.started.get(req);
    this.started.delete(req);
    const routePath = (req.route as { path?: unknown } | undefined)?.path;
    const params = Object.keys(req.params ?? {}).length ? { params: { ...req.params } } : {};
    const created = status < 400 ? this.context.current()?.auditResource : undefined;
    this.audit.record({
      kind: 'admin',
      target: adminTarget(req.method, typeof routePath === 'string' ? routePath : req.path),
      outcome: adminOutcome(status),
      latencyMs: started === undefined ? undefined : performance.now() - started,
      detail: { method: req.method, ...params, ...(created ? { created } : {}), ...(status >= 400 ? { status } : {}) },
    });
  }
}
