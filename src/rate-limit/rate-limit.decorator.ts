import { SetMetadata } from '@nestjs/common';
import { MetadataKey } from '../common/metadata-keys.js';

/** `mcp`: per caller (token or API key) on /mcp. `auth`: per client IP on sign-in and OAuth endpoints. */
export type RateLimitBucket = 'mcp' | 'auth';

/** Puts a controller or handler under one of the rate limits (RATE_LIMIT_*_PER_MINUTE). */
export const RateLimit = (bucket: RateLimitBucket): MethodDecorator & ClassDecorator => SetMetadata(MetadataKey.RateLimit, bucket);
