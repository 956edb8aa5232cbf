import { applyDecorators, SetMetadata, UseGuards } from '@nestjs/common';
import { MetadataKey } from '../common/metadata-keys.js';
import type { RateLimitBucket } from './rate-limit-bucket.js';
import { RateLimitGuard } from './rate-limit.guard.js';

/**
 * Puts a controller or handler under a rate limit (RATE_LIMIT_AUTH_PER_MINUTE); routes without it
 * are not throttled by the guard.
 */
export const RateLimit = (bucket: RateLimitBucket): MethodDecorator & ClassDecorator =>
  applyDecorators(SetMetadata(MetadataKey.RateLimit, bucket), UseGuards(RateLimitGuard));
