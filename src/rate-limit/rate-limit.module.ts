import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { RateLimitStorage } from './rate-limit.storage';
import { RateLimitTracker } from './rate-limit.tracker';
import { RateLimiter } from './rate-limiter';

/**
 * Shared rate limiting: the Redis sliding-window storage, the client tracker and the
 * `RateLimiter`, which `configureApp` installs as a Fastify `onRequest` hook.
 */
@Module({
  imports: [DiscoveryModule],
  providers: [RateLimitStorage, RateLimitTracker, RateLimiter],
  exports: [RateLimiter],
})
export class RateLimitModule {}
