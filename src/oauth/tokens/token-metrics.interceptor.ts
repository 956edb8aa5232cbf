import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { catchError, throwError, type Observable } from 'rxjs';
import { MetricsService } from '../../metrics/metrics.service.js';
import { OAuthError } from '../oauth-error.js';

/** Counts token endpoint errors by OAuth error code; changes nothing else. */
@Injectable()
export class TokenMetricsInterceptor implements NestInterceptor {
  constructor(private readonly metrics: MetricsService) {}

  intercept(_ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(
      catchError((e: unknown) => {
        this.metrics.tokenErrors.inc({ error: e instanceof OAuthError ? e.code : 'server_error' });
        return throwError(() => e);
      }),
    );
  }
}
