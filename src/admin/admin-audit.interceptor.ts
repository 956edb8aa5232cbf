import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { Request } from 'express';
import { Observable, tap } from 'rxjs';
import { AdminAuditRecorder } from './admin-audit.recorder.js';

/** Times each admin request and audits its success; failures are audited by AdminExceptionFilter. */
@Injectable()
export class AdminAuditInterceptor implements NestInterceptor {
  constructor(private readonly recorder: AdminAuditRecorder) {}

  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = ctx.switchToHttp().getRequest<Request>();
    this.recorder.start(req);
    return next.handle().pipe(tap({ complete: () => this.recorder.succeeded(req) }));
  }
}
