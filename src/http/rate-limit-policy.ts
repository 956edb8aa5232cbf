import { HttpStatus } from '@nestjs/common';
import { HttpErrorWithHeaders } from '../common/errors/http-error-with-headers.exception.js';

const IP_KEY_MAX = 64;

/** RFC 6585 §4 / RFC 9110 §10.2.3: 429 with a JSON body and Retry-After in whole seconds, on every route. */
export class TooManyRequestsError extends HttpErrorWithHeaders {
  constructor(retryAfterSeconds: number) {
    super(
      HttpStatus.TOO_MANY_REQUESTS,
      { error: 'too_many_requests', error_description: 'Too many requests; retry after the number of seconds in Retry-After' },
      { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) },
    );
  }
}

/**
 * What a rate-limit counter is keyed by: the client IP on the sign-in and OAuth endpoints, the verified
 * user × client on /mcp. Never a raw credential; an IP read from X-Forwarded-For is capped in length.
 */
export const rateLimitKey = {
  ip: (ip: string | undefined): string => `ip:${(ip ?? 'unknown').slice(0, IP_KEY_MAX)}`,
  caller: (caller: { userId?: string; clientId: string }): string => `caller:${caller.userId ?? '-'}|${caller.clientId}`,
};
