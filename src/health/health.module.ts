import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { RedisModule } from '../common/redis/redis.module';
import { MetricsModule } from '../metrics';
import { DependencyProbe } from './dependency-probe';
import { HealthController } from './health.controller';
import { LifecycleService } from './lifecycle.service';
import { RedisHealthIndicator } from './redis.health';

/** Liveness and readiness probes, and the in-flight/shutdown state the pipeline keeps. */
@Module({
  imports: [TerminusModule.forRoot({ logger: false }), RedisModule, MetricsModule],
  controllers: [HealthController],
  providers: [LifecycleService, RedisHealthIndicator, DependencyProbe],
  exports: [LifecycleService],
})
export class HealthModule {}
