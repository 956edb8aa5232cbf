import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { RequestContextService } from '../context/request-context.service.js';
import { DomainError } from './domain-error.js';
import { HttpErrorWithHeaders } from './http-error-with-headers.exception.js';

const DOMAIN_STATUS = { invalid_input: 400, forbidden: 403, not_found: 404, conflict: 409 } as const;

/**
 * The one place that turns exceptions into HTTP responses. Known errors keep their status and body;
 * anything else is a 500 that carries the request id and is logged once, with its stack.
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpError');

  constructor(private readonly context: RequestContextService) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    if (res.headersSent) return;
    const requestId = this.context.requestId;
    if (exception instanceof HttpException) {
      if (exception instanceof HttpErrorWithHeaders) {
        for (const [name, value] of Object.entries(exception.headers)) res.setHeader(name, value);
      }
      const body = exception.getResponse();
      res.status(exception.getStatus()).json(typeof body === 'string' ? { error: body } : body);
      return;
    }
    if (exception instanceof DomainError) {
      res.status(DOMAIN_STATUS[exception.code]).json({ error: exception.code, error_description: exception.message });
      return;
    }
    this.logger.error(`Unhandled error (request ${requestId}): ${(exception as Error)?.stack ?? String(exception)}`);
    res.status(HttpStatus.INTERNAL_SERVER_ERROR).json({
      error: 'server_error',
      error_description: 'Internal server error',
      request_id: requestId,
    });
  }
}
