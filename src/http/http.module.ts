import { Global, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import cookieParser from 'cookie-parser';
import { assignRequestId, RequestContextMiddleware } from '../common/context/request-context.middleware.js';
import { bodyParsers } from './body-policy.js';
import { ErrorMapperService } from './error-mapper.service.js';
import { MCP_ROUTE } from './mcp-route.js';
import { HttpErrorFilter } from './http-error.filter.js';
import { RequestObserverMiddleware } from './request-observer.middleware.js';
import { RequestObserverService } from './request-observer.service.js';
import { securityHeaders } from './security-headers.js';

/**
 * The HTTP edge, one place for what every request goes through: security headers, request id and
 * context, the request observer (metrics + access log), the body policy, cookies, and the error
 * mapping (HttpErrorFilter for Nest routes; ErrorMapperService for /mcp). The order of the chain
 * is the order below.
 */
@Global()
@Module({
  providers: [ErrorMapperService, RequestObserverService, RequestObserverMiddleware, { provide: APP_FILTER, useClass: HttpErrorFilter }],
  exports: [ErrorMapperService, RequestObserverService],
})
export class HttpModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply(securityHeaders, assignRequestId, RequestContextMiddleware, RequestObserverMiddleware, ...bodyParsers(), cookieParser())
      .exclude(MCP_ROUTE)
      .forRoutes('*path');
  }
}
