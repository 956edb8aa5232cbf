import { applyDecorators, SetMetadata, UseGuards } from '@nestjs/common';
import { MetadataKey } from '../common/metadata-keys.js';
import { RateLimitGuard } from './rate-limit.guard.js';

/** `auth`: per client IP on sign-in and OAuth endpoints. (/mcp uses the `mcp` bucket through RateLimiter.) */
export type RateLimitBucket = 'auth';

/**
 * Puts a controller or handler under a rate limit (RATE_LIMIT_AUTH_PER_MINUTE); routes without it
 * are not throttled by the guard.
 */
export const RateLimit = (bucket: RateLimitBucket): MethodDecorator & ClassDecorator =>
  applyDecorators(SetMetadata(MetadataKey.RateLimit, bucket), UseGuards(RateLimitGuard));
