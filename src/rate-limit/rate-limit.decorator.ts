import { applyDecorators, SetMetadata, UseGuards } from '@nestjs/common';
import { MetadataKey } from '../common/metadata-keys.js';
import { RateLimitGuard } from './rate-limit.guard.js';

/** `mcp`: per user × client on /mcp. `auth`: per client IP on sign-in and OAuth endpoints. */
export type RateLimitBucket = 'mcp' | 'auth';

/**
 * Puts a controller or handler under one of the rate limits (RATE_LIMIT_*_PER_MINUTE). The guard is
 * attached here rather than globally so that it runs after authentication and can count per caller.
 */
export const RateLimit = (bucket: RateLimitBucket): MethodDecorator & ClassDecorator =>
  applyDecorators(SetMetadata(MetadataKey.RateLimit, bucket), UseGuards(RateLimitGuard));
