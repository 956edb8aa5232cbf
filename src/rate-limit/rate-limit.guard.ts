import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerLimitDetail, type ThrottlerRequest } from '@nestjs/throttler';
import type { Request } from 'express';
import { MetadataKey } from '../common/metadata-keys.js';
import { rateLimitKey, TooManyRequestsError } from '../http/rate-limit-policy.js';
import type { RateLimitBucket } from './rate-limit-bucket.js';

/**
 * Applies the bucket a route is marked with (@RateLimit), counted per client IP (TRUST_PROXY decides
 * how the IP is read). Over the limit: the edge's 429 (rate-limit-policy). /mcp counts per caller itself.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  protected override async handleRequest(props: ThrottlerRequest): Promise<boolean> {
    const bucket = this.reflector.getAllAndOverride<RateLimitBucket | undefined>(MetadataKey.RateLimit, [props.context.getHandler(), props.context.getClass()]);
    if (!bucket || bucket !== props.throttler.name) return true;
    return super.handleRequest({
      ...props,
      getTracker: (req) => rateLimitKey.ip((req as Request).ip),
      generateKey: (_ctx, tracker, name) => `${name}:${tracker}`,
    });
  }

  protected override async throwThrottlingException(_context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    throw new TooManyRequestsError(detail.timeToBlockExpire || detail.timeToExpire);
  }
}
