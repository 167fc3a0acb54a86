import { Module } from '@nestjs/common';
import { RedisModule } from '../../common/redis/redis.module';
import { MetricsModule } from '../../metrics';
import { ResponseCache } from './response-cache';

/** The two-level listing cache (in process, then Redis) with generation invalidation. */
@Module({
  imports: [RedisModule, MetricsModule],
  providers: [ResponseCache],
  exports: [ResponseCache],
})
export class ListingCacheModule {}
