import { ArgumentsHost, Catch } from '@nestjs/common';
import type { Request } from 'express';
import { ErrorMapperService } from '../http/error-mapper.service.js';
import { HttpErrorFilter } from '../http/http-error.filter.js';
import { AdminAuditRecorder } from './admin-audit.recorder.js';

/**
 * The admin controllers' filter: audits the failure (the guard's refusals included), then answers
 * exactly as every other route does (ErrorMapperService, one table for domain errors).
 */
@Catch()
export class AdminExceptionFilter extends HttpErrorFilter {
  constructor(
    errors: ErrorMapperService,
    private readonly recorder: AdminAuditRecorder,
  ) {
    super(errors);
  }

  override catch(exception: unknown, host: ArgumentsHost): void {
    this.recorder.failed(host.switchToHttp().getRequest<Request>(), this.errors.statusOf(exception));
    super.catch(exception, host);
  }
}
