import { Module } from '@nestjs/common';
import { RedisModule } from '../common/redis/redis.module';
import { MetricsModule } from '../metrics';
import { ConfigurableModuleClass } from './rate-limit.module-definition';
import { RateLimitStorage } from './rate-limit.storage';
import { RateLimitTracker } from './rate-limit.tracker';
import { RateLimiter } from './rate-limiter';

/**
 * Rate limiting: the Redis sliding-window storage, the client tracker and the
 * `RateLimiter`, whose hook the request pipeline installs. Who a client is comes from the
 * `clientIdentity` given to `forRootAsync` (the app passes auth's bearer-token identity).
 */
@Module({
  imports: [RedisModule, MetricsModule],
  providers: [RateLimitStorage, RateLimitTracker, RateLimiter],
  exports: [RateLimiter],
})
export class RateLimitModule extends ConfigurableModuleClass {}
