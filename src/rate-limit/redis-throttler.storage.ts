import { createRequire } from 'node:module';
import { Logger } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import type { Redis } from 'ioredis';
import { Counter, Gauge, type Registry } from 'prom-client';
import { MemoryThrottlerStorage } from './memory-throttler.storage.js';

const SCRIPT = `
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
return {hits, ttl}`;

/** A Redis that accepts connections but does not answer (stopped, overloaded) must not hold requests up. */
const COMMAND_TIMEOUT_MS = 500;
const WARNING_INTERVAL_MS = 10_000;
/** After a failed command, requests go straight to memory for this long before Redis is tried again. */
const RETRY_AFTER_MS = 1000;

/**
 * Fixed-window counters in Redis, shared by every instance (REDIS_URL). While Redis cannot be reached
 * each instance counts in its own memory instead (the same limits, per instance), with a warning at
 * most every 10 s and the `rate_limit_fallback_*` metrics; when Redis answers again the shared
 * counters are used again (ioredis reconnects on its own).
 */
export class RedisThrottlerStorage implements ThrottlerStorage {
  private readonly logger = new Logger(RedisThrottlerStorage.name);
  private readonly redis: Redis;
  private readonly fallback = new MemoryThrottlerStorage();
  private readonly fallbackHits: Counter;
  private readonly fallbackActive: Gauge;
  private inFallback = false;
  private retryAt = 0;
  private lastWarning = 0;
  /** host:port for the log (never the URL: it may hold a password). */
  private readonly where: string;

  constructor(
    url: string,
    private readonly prefix: string,
    registry: Registry,
  ) {
    // Required here, not imported: ioredis (CommonJS) is loaded only when REDIS_URL is set (idle RSS, start time).
    const { Redis: RedisClient } = createRequire(import.meta.url)('ioredis') as typeof import('ioredis');
    this.redis = new RedisClient(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2000, commandTimeout: COMMAND_TIMEOUT_MS });
    const u = new URL(url);
    this.where = `${u.hostname}:${u.port || 6379}`;
    this.redis.on('error', (e: Error) => this.warn(`Redis at ${this.where}: ${e.message}`));
    this.fallbackHits = new Counter({
      name: 'rate_limit_fallback_hits_total',
      help: 'Rate-limit hits counted in this instance’s memory because Redis could not be reached',
      registers: [registry],
    });
    this.fallbackActive = new Gauge({
      name: 'rate_limit_fallback_active',
      help: '1 while this instance counts rate limits in memory because Redis cannot be reached, else 0',
      registers: [registry],
    });
    this.fallbackActive.set(0);
  }

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string) {
    if (this.redis.status === 'ready' && Date.now() >= this.retryAt) {
      try {
        const [hits, pttl] = (await this.redis.eval(SCRIPT, 1, `${this.prefix}${throttlerName}:${key}`, String(ttl))) as [number, number];
        if (this.inFallback) this.leaveFallback();
        const seconds = Math.max(1, Math.ceil(pttl / 1000));
        const isBlocked = hits > limit;
        return { totalHits: hits, timeToExpire: seconds, isBlocked, timeToBlockExpire: isBlocked ? seconds : 0 };
      } catch (e) {
        this.retryAt = Date.now() + RETRY_AFTER_MS;
        this.enterFallback((e as Error).message);
      }
    } else if (this.redis.status !== 'ready') {
      this.enterFallback(`Redis is ${this.redis.status}`);
    }
    this.fallbackHits.inc();
    return this.fallback.increment(key, ttl, limit, blockDuration, throttlerName);
  }

  /** True while hits are counted in memory. */
  get degraded(): boolean {
    return this.inFallback;
  }

  async close(): Promise<void> {
    this.fallback.close();
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  private enterFallback(reason: string): void {
    if (!this.inFallback) this.lastWarning = 0; // the first warning of an outage is never suppressed
    this.inFallback = true;
    this.fallbackActive.set(1);
    this.warn(`Redis at ${this.where} unreachable (${reason}); counting rate limits in this instance's memory until it answers again`);
  }

  private leaveFallback(): void {
    this.inFallback = false;
    this.fallbackActive.set(0);
    this.logger.log(`Redis at ${this.where} reachable again; rate limits are shared by every instance again`);
  }

  private warn(message: string): void {
    if (Date.now() - this.lastWarning < WARNING_INTERVAL_MS) return;
    this.lastWarning = Date.now();
    this.logger.warn(message);
  }
}
