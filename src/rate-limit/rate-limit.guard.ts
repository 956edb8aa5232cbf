import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerException, ThrottlerGuard, type ThrottlerLimitDetail, type ThrottlerRequest } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { MetadataKey } from '../common/metadata-keys.js';
import type { RateLimitBucket } from './rate-limit-bucket.js';

/**
 * Applies the bucket a route is marked with (@RateLimit), counted per client IP (TRUST_PROXY decides
 * how the IP is read). Over the limit: 429 with Retry-After. (/mcp counts per caller in McpHttpHandler.)
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  protected override async handleRequest(props: ThrottlerRequest): Promise<boolean> {
    const bucket = this.reflector.getAllAndOverride<RateLimitBucket | undefined>(MetadataKey.RateLimit, [props.context.getHandler(), props.context.getClass()]);
    if (!bucket || bucket !== props.throttler.name) return true;
    return super.handleRequest({
      ...props,
      getTracker: (req) => `ip:${(req as Request).ip ?? 'unknown'}`,
      generateKey: (_ctx, tracker, name) => `${name}:${tracker}`,
    });
  }

  protected override async throwThrottlingException(context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    // RFC 6585 §4 / RFC 9110 §10.2.3: tell the client when to come back.
    context
      .switchToHttp()
      .getResponse<Response>()
      .setHeader('Retry-After', String(Math.max(1, detail.timeToBlockExpire || detail.timeToExpire)));
    throw new ThrottlerException('Too many requests; retry after the number of seconds in Retry-After');
  }
}
