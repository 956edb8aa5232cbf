import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { AppConfig } from '../config/app-config.js';
import { RateLimitStorageProvider } from './rate-limit-storage.provider.js';
import { RateLimitGuard } from './rate-limit.guard.js';

const MINUTE_MS = 60_000;

@Module({ providers: [RateLimitStorageProvider], exports: [RateLimitStorageProvider] })
class RateLimitStorageModule {}

/** @nestjs/throttler with two buckets; counters in Redis when REDIS_URL is set, in memory otherwise. */
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
  providers: [{ provide: APP_GUARD, useClass: RateLimitGuard }],
})
export class RateLimitModule {}
