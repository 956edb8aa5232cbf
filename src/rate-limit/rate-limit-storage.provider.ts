import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { sha256 } from '../common/crypto.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { MemoryThrottlerStorage } from './memory-throttler.storage.js';
import { RedisThrottlerStorage } from './redis-throttler.storage.js';

/** The rate-limit store: Redis, shared by every instance, when REDIS_URL is set (memory while it is unreachable); memory otherwise. */
@Injectable()
export class RateLimitStorageProvider implements OnApplicationShutdown {
  readonly storage: RedisThrottlerStorage | MemoryThrottlerStorage;

  constructor(config: AppConfig, metrics: MetricsService) {
    // Keys are namespaced by PUBLIC_URL so that several deployments can share one Redis.
    this.storage = config.redisUrl
      ? new RedisThrottlerStorage(config.redisUrl, `smcp:rl:${sha256(config.publicUrl).slice(0, 12)}:`, metrics.registry)
      : new MemoryThrottlerStorage();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.storage.close();
  }
}
