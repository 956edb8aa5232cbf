import { ArgumentsHost, Catch, HttpException, HttpStatus } from '@nestjs/common';
import type { Request } from 'express';
import { RequestContextService } from '../common/context/request-context.service.js';
import { DomainError, type DomainErrorCode } from '../common/errors/domain-error.js';
import { HttpErrorFilter } from '../common/errors/http-error.filter.js';
import { AdminAuditRecorder } from './admin-audit.recorder.js';

/** Status and `error` code of each domain error; bad input reads like every other 400 of this server. */
const MAPPING: Record<DomainErrorCode, [status: number, error: string]> = {
  invalid_input: [HttpStatus.BAD_REQUEST, 'invalid_request'],
  forbidden: [HttpStatus.FORBIDDEN, 'forbidden'],
  not_found: [HttpStatus.NOT_FOUND, 'not_found'],
  conflict: [HttpStatus.CONFLICT, 'conflict'],
};

/**
 * The admin controllers' filter: audits the failure (the guard's refusals included), maps domain
 * errors to 4xx `{error, error_description}`, and leaves the rest to the application's HttpErrorFilter.
 */
@Catch()
export class AdminExceptionFilter extends HttpErrorFilter {
  constructor(
    context: RequestContextService,
    private readonly recorder: AdminAuditRecorder,
  ) {
    super(context);
  }

  override catch(exception: unknown, host: ArgumentsHost): void {
    const error = exception instanceof DomainError ? toHttp(exception) : exception;
    const status = error instanceof HttpException ? error.getStatus() : HttpStatus.INTERNAL_SERVER_ERROR;
    this.recorder.failed(host.switchToHttp().getRequest<Request>(), status);
    super.catch(error, host);
  }
}

function toHttp(e: DomainError): HttpException {
  const [status, error] = MAPPING[e.code];
  return new HttpException({ error, error_description: e.message }, status);
}
