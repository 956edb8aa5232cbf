import { Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { AppConfig } from '../config/app-config.js';
import { RateLimitStorageProvider } from './rate-limit-storage.provider.js';
import { RateLimiter } from './rate-limiter.service.js';

const MINUTE_MS = 60_000;

@Module({ providers: [RateLimitStorageProvider], exports: [RateLimitStorageProvider] })
class RateLimitStorageModule {}

/**
 * @nestjs/throttler (a global module) with two buckets; counters in Redis when REDIS_URL is set, in
 * memory otherwise. Routes opt in with @RateLimit(bucket).
 */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      imports: [RateLimitStorageModule],
      inject: [AppConfig, RateLimitStorageProvider],
      useFactory: (config: AppConfig, store: RateLimitStorageProvider) => ({
        throttlers: [
          { name: 'mcp', ttl: MINUTE_MS, limit: config.rateLimitMcpPerMinute },
          { name: 'auth', ttl: MINUTE_MS, limit: config.rateLimitAuthPerMinute },
        ],
        storage: store.storage,
      }),
    }),
  ],
  providers: [RateLimiter],
  exports: [RateLimiter],
})
export class RateLimitModule {}
