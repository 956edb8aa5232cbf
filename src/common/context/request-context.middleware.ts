import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { RequestContextService } from './request-context.service.js';

export const REQUEST_ID_HEADER = 'x-request-id';
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Stamps the response with a request id (a safe incoming X-Request-Id, or a new one). Runs first,
 * before body parsing, so even a malformed body's 400 carries it.
 */
export function assignRequestId(req: Request, res: Response, next: NextFunction): void {
  res.setHeader(REQUEST_ID_HEADER, requestIdFor(req.headers));
  next();
}

/** A safe incoming X-Request-Id, or a new one. */
export function requestIdFor(headers: IncomingHttpHeaders): string {
  const incoming = headers[REQUEST_ID_HEADER];
  return typeof incoming === 'string' && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/** Opens the request's context under the id assigned by `assignRequestId`. */
@Injectable()
export class RequestContextMiddleware implements NestMiddleware {
  constructor(private readonly context: RequestContextService) {}

  use(_req: Request, res: Response, next: NextFunction): void {
    const assigned = res.getHeader(REQUEST_ID_HEADER);
    this.context.run(typeof assigned === 'string' ? assigned : randomUUID(), next);
  }
}
