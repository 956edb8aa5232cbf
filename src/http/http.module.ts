import { Global, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import cookieParser from 'cookie-parser';
import { assignRequestId, RequestContextMiddleware } from '../common/context/request-context.middleware.js';
import { bodyParsers } from './body-policy.js';
import { ErrorMapperService } from './error-mapper.service.js';
import { HttpEdgeService } from './http-edge.service.js';
import { HttpErrorFilter } from './http-error.filter.js';
import { RequestObserverMiddleware } from './request-observer.middleware.js';
import { RequestObserverService } from './request-observer.service.js';
import { securityHeaders } from './security-headers.js';

/**
 * The HTTP edge, one place for what every request goes through: security headers, request id and
 * context, the request observer (metrics + access log), the body policy, cookies, and the error
 * mapping (HttpErrorFilter for Nest routes; ErrorMapperService for edge routes). The order of the
 * Express chain is the order below; edge routes (HttpEdgeService: /mcp) are served ahead of it.
 */
@Global()
@Module({
  providers: [ErrorMapperService, RequestObserverService, RequestObserverMiddleware, HttpEdgeService, { provide: APP_FILTER, useClass: HttpErrorFilter }],
  exports: [ErrorMapperService, RequestObserverService, HttpEdgeService],
})
export class HttpModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(securityHeaders, assignRequestId, RequestContextMiddleware, RequestObserverMiddleware, ...bodyParsers(), cookieParser()).forRoutes('*path');
  }
}
