import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { ErrorMapperService } from './error-mapper.service.js';

/** Writes what ErrorMapperService makes of any exception a Nest route throws (registered as APP_FILTER). */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  constructor(protected readonly errors: ErrorMapperService) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    if (res.headersSent) return;
    const reply = this.errors.toReply(exception);
    for (const [name, value] of Object.entries(reply.headers)) res.setHeader(name, value);
    res.status(reply.status).json(reply.body);
  }
}
