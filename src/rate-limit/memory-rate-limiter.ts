import type { RateLimitResult } from './rate-limit.result';

/**
 * Per-process sliding-log limiter with the same semantics as the Redis script: a hit is
 * allowed while fewer than `limit` allowed hits lie in the last `windowMs`; rejected hits
 * are not counted. Used only while Redis cannot be reached.
 */
export class MemoryRateLimiter {
  private readonly windows = new Map<string, number[]>();

  constructor(private readonly now: () => number = Date.now) {}

  hit(key: string, limit: number, windowMs: number): RateLimitResult {
    const now = this.now();
    const hits = this.windows.get(key) ?? [];
    dropExpired(hits, now - windowMs);
    const allowed = hits.length < limit;
    if (allowed) {
      hits.push(now);
    }
    if (hits.length > 0) {
      this.windows.set(key, hits);
    } else {
      this.windows.delete(key);
    }
    const resetMs = hits.length > 0 ? hits[0] + windowMs - now : windowMs;
    return { allowed, count: hits.length, resetMs };
  }

  /** Forgets windows whose every hit is older than `maxWindowMs`. */
  sweep(maxWindowMs: number): void {
    const cutoff = this.now() - maxWindowMs;
    for (const [key, hits] of this.windows) {
      if (hits.length === 0 || hits[hits.length - 1] <= cutoff) {
        this.windows.delete(key);
      }
    }
  }

  get size(): number {
    return this.windows.size;
  }
}

/** Removes hits at or before `cutoff` from the front of an ascending list. */
function dropExpired(hits: number[], cutoff: number): void {
  let expired = 0;
  while (expired < hits.length && hits[expired] <= cutoff) {
    expired += 1;
  }
  if (expired > 0) {
    hits.splice(0, expired);
  }
}
