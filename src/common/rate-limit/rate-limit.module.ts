import { Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { rateLimitConfig, RateLimitConfig } from '../../config/configuration';
import { RateLimitStorage } from './rate-limit.storage';
import { RateLimitTracker } from './rate-limit.tracker';

@Module({
  providers: [RateLimitStorage],
  exports: [RateLimitStorage],
})
class RateLimitStorageModule {}

/**
 * Shared rate limiting: @nestjs/throttler wired to the Redis sliding-window storage.
 * Register `RateLimitGuard` as APP_GUARD in the root module; it resolves from here.
 */
@Module({
  imports: [
    RateLimitStorageModule,
    ThrottlerModule.forRootAsync({
      imports: [RateLimitStorageModule],
      inject: [rateLimitConfig.KEY, RateLimitStorage],
      useFactory: (config: RateLimitConfig, storage: RateLimitStorage) => ({
        throttlers: [{ name: 'default', limit: config.limit, ttl: config.windowS * 1000 }],
        storage,
      }),
    }),
  ],
  providers: [RateLimitTracker],
  exports: [ThrottlerModule, RateLimitStorageModule, RateLimitTracker],
})
export class RateLimitModule {}
