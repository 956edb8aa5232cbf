import type { ThrottlerStorage } from '@nestjs/throttler';

const SWEEP_MS = 60_000;

/**
 * Fixed-window counters in memory (one instance), O(1) per request: the throttler's default store
 * keeps every hit's expiry and filters that list on each request, which grows with the limit.
 * Same semantics as RedisThrottlerStorage.
 */
export class MemoryThrottlerStorage implements ThrottlerStorage {
  private readonly windows = new Map<string, { hits: number; resetAt: number }>();
  private readonly sweeper = setInterval(() => this.sweep(), SWEEP_MS).unref();

  async increment(key: string, ttl: number, limit: number, _blockDuration: number, throttlerName: string) {
    const now = Date.now();
    const id = `${throttlerName}:${key}`;
    let w = this.windows.get(id);
    if (!w || w.resetAt <= now) {
      w = { hits: 0, resetAt: now + ttl };
      this.windows.set(id, w);
    }
    w.hits++;
    const seconds = Math.max(1, Math.ceil((w.resetAt - now) / 1000));
    const isBlocked = w.hits > limit;
    return { totalHits: w.hits, timeToExpire: seconds, isBlocked, timeToBlockExpire: isBlocked ? seconds : 0 };
  }

  close(): void {
    clearInterval(this.sweeper);
  }

  private sweep(): void {
    const now = Date.now();
    for (const [id, w] of this.windows) if (w.resetAt <= now) this.windows.delete(id);
  }
}
