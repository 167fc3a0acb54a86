import { Module } from '@nestjs/common';
import { RedisModule } from '../../common/redis/redis.module';
import { ResponseCache } from './response-cache';

/** The two-level listing cache (in process, then Redis) with generation invalidation. */
@Module({
  imports: [RedisModule],
  providers: [ResponseCache],
  exports: [ResponseCache],
})
export class ListingCacheModule {}
