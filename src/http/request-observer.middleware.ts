import { performance } from 'node:perf_hooks';
import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { REQUEST_ID_HEADER } from '../common/context/request-context.middleware.js';
import { RequestObserverService } from './request-observer.service.js';

/** Client went away before the response was complete (nginx's convention). */
const CLIENT_CLOSED = 499;

/** Reports every Express request to the observer once it has been answered (or abandoned). */
@Injectable()
export class RequestObserverMiddleware implements NestMiddleware {
  constructor(private readonly observer: RequestObserverService) {}

  use(req: Request, res: Response, next: NextFunction): void {
    const startedAt = performance.now();
    const done = () => {
      res.off('finish', done);
      res.off('close', done);
      // The matched route pattern, never the raw path (unknown paths are all "unmatched").
      const pattern = (req.route as { path?: string } | undefined)?.path;
      this.observer.completed(
        {
          requestId: String(res.getHeader(REQUEST_ID_HEADER) ?? ''),
          method: req.method,
          route: pattern === undefined ? 'unmatched' : `${req.baseUrl ?? ''}${pattern}`,
          path: (req.originalUrl ?? req.url).split('?')[0],
          startedAt,
        },
        res.writableFinished ? res.statusCode : CLIENT_CLOSED,
      );
    };
    res.on('finish', done);
    res.on('close', done);
    next();
  }
}
