import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { withTimeout } from '../common/async/with-timeout';
import { InjectRedis } from '../common/redis/redis.module';
import { MetricsService } from '../metrics';
import { LifecycleService } from './lifecycle.service';

const PROBE_TIMEOUT_MS = 1_000;

/**
 * Feeds the scrape-time gauges: `dependency_up` pings MySQL and Redis when Prometheus
 * scrapes (as readiness does, so the gauge is never older than the scrape), and
 * `http_requests_in_flight` reads the lifecycle's count.
 */
@Injectable()
export class DependencyProbe implements OnModuleInit {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectRedis() private readonly redis: Redis,
    private readonly metrics: MetricsService,
    private readonly lifecycle: LifecycleService,
  ) {}

  onModuleInit(): void {
    this.metrics.observeDependencies(() => this.check());
    this.metrics.observeInFlight(() => this.lifecycle.requestsInFlight);
  }

  /** Whether each dependency answered a ping within a second. */
  async check(): Promise<Record<'database' | 'redis', boolean>> {
    const [database, redis] = await Promise.all([
      this.answers(this.dataSource.query('SELECT 1')),
      this.answers(this.redis.ping()),
    ]);
    return { database, redis };
  }

  private answers(ping: Promise<unknown>): Promise<boolean> {
    return withTimeout(ping, PROBE_TIMEOUT_MS, 'ping timed out').then(
      () => true,
      () => false,
    );
  }
}
