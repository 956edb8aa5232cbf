import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { sha256 } from '../common/crypto.js';
import { RedisThrottlerStorage } from './redis-throttler.storage.js';

/** Owns the Redis connection of the shared rate-limit store (REDIS_URL) and closes it on shutdown. */
@Injectable()
export class RateLimitStorageProvider implements OnApplicationShutdown {
  readonly storage?: RedisThrottlerStorage;

  constructor(config: AppConfig) {
    // Keys are namespaced by PUBLIC_URL so that several deployments can share one Redis.
    if (config.redisUrl) this.storage = new RedisThrottlerStorage(config.redisUrl, `smcp:rl:${sha256(config.publicUrl).slice(0, 12)}:`);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.storage?.close();
  }
}
