import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerException,
  ThrottlerGuard,
  type ThrottlerLimitDetail,
  type ThrottlerModuleOptions,
  type ThrottlerRequest,
  type ThrottlerStorage,
} from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { sha256 } from '../common/crypto.js';
import { MetadataKey } from '../common/metadata-keys.js';
import { RequestContextService } from '../common/context/request-context.service.js';

type Bucket = 'mcp' | 'auth';

/**
 * Applies the one bucket a route is marked with (@RateLimit). /mcp is counted per authenticated user ×
 * client (the guard runs after the bearer guard), the sign-in endpoints per client IP (TRUST_PROXY
 * decides how the IP is read). Over the limit: 429 with Retry-After.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly context: RequestContextService,
  ) {
    super(options, storage, reflector);
  }

  protected override async handleRequest(props: ThrottlerRequest): Promise<boolean> {
    const bucket = this.reflector.getAllAndOverride<Bucket | undefined>(MetadataKey.RateLimit, [props.context.getHandler(), props.context.getClass()]);
    if (!bucket || bucket !== props.throttler.name) return true;
    return super.handleRequest({ ...props, getTracker: (req) => this.tracker(req as Request, bucket), generateKey: (_ctx, tracker, name) => `${name}:${tracker}` });
  }

  protected override async throwThrottlingException(context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    // RFC 6585 §4 / RFC 9110 §10.2.3: tell the client when to come back.
    context.switchToHttp().getResponse<Response>().setHeader('Retry-After', String(Math.max(1, detail.timeToBlockExpire || detail.timeToExpire)));
    throw new ThrottlerException('Too many requests; retry after the number of seconds in Retry-After');
  }

  private tracker(req: Request, bucket: Bucket): string {
    if (bucket === 'mcp') {
      const ctx = this.context.current();
      if (ctx?.principal || ctx?.clientId) return `caller:${sha256(`${ctx.principal?.userId ?? '-'}|${ctx.clientId ?? '-'}`)}`;
    }
    return `ip:${req.ip ?? 'unknown'}`;
  }
}
