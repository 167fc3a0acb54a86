import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import Redis, { Result } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { rateLimitConfig, RateLimitConfig } from '../config/configuration';
import { InjectRedis } from '../common/redis/redis.module';
import { MemoryRateLimiter } from './memory-rate-limiter';
import { MEMORY_SWEEP_INTERVAL_MS } from './rate-limit.constants';
import type { RateLimitResult } from './rate-limit.result';
import { SLIDING_LOG_SCRIPT } from './rate-limit.script';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    rateLimitHit(
      key: string,
      limit: number,
      windowMs: number,
      member: string,
    ): Result<[number, number, number], Context>;
  }
}

/**
 * Counts hits in Redis with one atomic script per hit, so every instance shares each
 * client's budget. While Redis is unreachable, a per-instance in-memory limiter with the
 * same semantics takes over (each instance then admits up to the full limit); the switch
 * is logged once each way and never fails a request.
 */
@Injectable()
export class RateLimitStorage implements OnModuleDestroy {
  private readonly logger = new Logger('RateLimit');
  private readonly memory = new MemoryRateLimiter();
  private readonly memberPrefix = randomUUID();
  private readonly sweeper: NodeJS.Timeout;
  private sequence = 0;
  private usingMemory = false;

  constructor(
    @InjectRedis() private readonly redis: Redis,
    @Inject(rateLimitConfig.KEY) config: RateLimitConfig,
  ) {
    this.redis.defineCommand('rateLimitHit', { numberOfKeys: 1, lua: SLIDING_LOG_SCRIPT });
    const longestWindowMs =
      Math.max(...Object.values(config.groups).map((group) => group.windowS)) * 1000;
    this.sweeper = setInterval(
      () => this.memory.sweep(longestWindowMs),
      MEMORY_SWEEP_INTERVAL_MS,
    ).unref();
  }

  /** Counts one hit for `key` against `limit` per `windowMs`. */
  async hit(key: string, limit: number, windowMs: number): Promise<RateLimitResult> {
    if (this.redis.status === 'ready') {
      try {
        const member = `${this.memberPrefix}:${(this.sequence += 1)}`;
        const [allowed, count, resetMs] = await this.redis.rateLimitHit(
          key,
          limit,
          windowMs,
          member,
        );
        this.switchTo(false);
        return { allowed: allowed === 1, count, resetMs };
      } catch (error) {
        this.switchTo(true, error);
      }
    } else {
      this.switchTo(true);
    }
    return this.memory.hit(key, limit, windowMs);
  }

  onModuleDestroy(): void {
    clearInterval(this.sweeper);
  }

  private switchTo(memory: boolean, error?: unknown): void {
    if (memory === this.usingMemory) {
      return;
    }
    this.usingMemory = memory;
    if (memory) {
      const reason = error instanceof Error ? error.message : `connection ${this.redis.status}`;
      this.logger.warn(
        `Redis unavailable for rate limiting (${reason}); using per-instance in-memory limits`,
      );
    } else {
      this.logger.log('Redis available again; rate limits are shared across instances');
    }
  }
}

/** Whole seconds (at least 1) covering `ms`, for Retry-After and RateLimit-Reset. */
export function secondsUntil(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
