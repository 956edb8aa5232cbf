import { HttpException, HttpStatus, Injectable, Logger } from '@nestjs/common';
import { RequestContextService } from '../common/context/request-context.service.js';
import { describeError } from '../common/errors/describe-error.js';
import { DomainError } from '../common/errors/domain-error.js';
import { HttpErrorWithHeaders } from '../common/errors/http-error-with-headers.exception.js';
import { DOMAIN_ERRORS } from './error-table.js';

/** A response computed from an exception, before it is written by Express or by the /mcp handler. */
export interface ErrorReply {
  status: number;
  body: Record<string, unknown>;
  headers: Readonly<Record<string, string>>;
}

/**
 * The only translator from exceptions to HTTP responses, shared by every Express route (through
 * HttpErrorFilter) and /mcp. Known errors keep their status, body and headers (OAuth errors, 401/403
 * challenges, 429); domain errors go through DOMAIN_ERRORS; anything else is a 500 that carries the
 * request id and is logged once, with its stack.
 */
@Injectable()
export class ErrorMapperService {
  private readonly logger = new Logger(ErrorMapperService.name);

  constructor(private readonly context: RequestContextService) {}

  toReply(exception: unknown): ErrorReply {
    if (exception instanceof HttpException) {
      const body = exception.getResponse();
      return {
        status: exception.getStatus(),
        body: typeof body === 'string' ? { error: body } : (body as Record<string, unknown>),
        headers: exception instanceof HttpErrorWithHeaders ? exception.headers : {},
      };
    }
    if (exception instanceof DomainError) {
      const { status, error } = DOMAIN_ERRORS[exception.code];
      return { status, body: { error, error_description: exception.message }, headers: {} };
    }
    const requestId = this.context.requestId;
    this.logger.error(`Unhandled error (request ${requestId}): ${describeError(exception)}`);
    return {
      status: HttpStatus.INTERNAL_SERVER_ERROR,
      body: { error: 'server_error', error_description: 'Internal server error', request_id: requestId },
      headers: {},
    };
  }

  /** The status `toReply` would answer with, without logging (for audit records of failures). */
  statusOf(exception: unknown): number {
    if (exception instanceof HttpException) return exception.getStatus();
    if (exception instanceof DomainError) return DOMAIN_ERRORS[exception.code].status;
    return HttpStatus.INTERNAL_SERVER_ERROR;
  }

  /** JSON-RPC error for a domain error raised by a resource or prompt handler. */
  toRpcError(e: DomainError): { code: number; message: string } {
    return { code: DOMAIN_ERRORS[e.code].rpcCode, message: e.message };
  }
}
