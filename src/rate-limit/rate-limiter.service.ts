import { Injectable } from '@nestjs/common';
import { InjectThrottlerOptions, InjectThrottlerStorage, type ThrottlerModuleOptions, type ThrottlerStorage } from '@nestjs/throttler';

/**
 * The throttler's buckets for code that is not a Nest route handler (the /mcp fast path, its 'mcp' bucket): the same
 * storage (memory or Redis), limits and keys as RateLimitGuard.
 */
@Injectable()
export class RateLimiter {
  private readonly limits = new Map<string, { limit: number; ttl: number }>();

  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() private readonly storage: ThrottlerStorage,
  ) {
    const throttlers = Array.isArray(options) ? options : options.throttlers;
    for (const t of throttlers) this.limits.set(t.name ?? 'default', { limit: Number(t.limit), ttl: Number(t.ttl) });
  }

  /** Counts `weight` hits (one per message of a JSON-RPC batch); returns the seconds to wait when over the limit, else undefined. */
  async hit(bucket: 'mcp', tracker: string, weight = 1): Promise<number | undefined> {
    const { limit, ttl } = this.limits.get(bucket)!;
    let blockedFor: number | undefined;
    for (let i = 0; i < weight; i++) {
      const r = await this.storage.increment(`${bucket}:${tracker}`, ttl, limit, ttl, bucket);
      if (r.isBlocked) blockedFor = Math.max(1, r.timeToBlockExpire || r.timeToExpire);
    }
    return blockedFor;
  }
}
